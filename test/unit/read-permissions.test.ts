import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/common/errors/app-error';
import type { FilterNode } from '../../src/engine/query/query.ast';
import { parseItemsQuery } from '../../src/engine/query/query.parser';
import { CollectionReadGrant, readPermissions, scopeReadQuery } from '../../src/modules/policies/read-permissions';
import { findRelationalField } from '../../src/modules/schema/schema.lookup';
import { compare, nested, query } from '../support/ast-builders';
import { blogSchema } from '../support/schema-fixture';

const OPTIONS = { defaultLimit: 100, maxLimit: 1000, maxDepth: 3 };
const PUBLISHED = compare('status', '_eq', 'published');
const ADULTS = compare('age', '_gte', 18);

function grant(fields: string[], filter: FilterNode | null = null): CollectionReadGrant {
  return { fields: new Set(fields), filter };
}

/** Articles (published only, no body) and authors (adults only, names only); tags fully; nothing else. */
function permissions() {
  return readPermissions(
    blogSchema(),
    new Map([
      ['articles', grant(['title', 'status', 'author'], PUBLISHED)],
      ['authors', grant(['name'], ADULTS)],
      ['tags', grant(['label'])],
    ]),
  );
}

describe('read permissions', () => {
  it('shows the role only the collections, columns and relations it may read', () => {
    const { visibleSchema } = permissions();
    assert.deepEqual([...visibleSchema.collections.keys()], ['authors', 'articles', 'tags']);
    assert.deepEqual(visibleSchema.collections.get('articles')!.fields.map((f) => f.field), ['id', 'title', 'status', 'author']);
    assert.deepEqual(visibleSchema.collections.get('authors')!.fields.map((f) => f.field), ['id', 'name']);
    assert.equal(findRelationalField(visibleSchema, 'articles', 'author')?.kind, 'm2o');
    assert.equal(findRelationalField(visibleSchema, 'authors', 'articles')?.kind, 'o2m');
    // comments and the junction are not readable: their relations are gone with them.
    assert.equal(findRelationalField(visibleSchema, 'articles', 'comments'), null);
    assert.equal(findRelationalField(visibleSchema, 'articles', 'tags'), null);
  });

  it('makes forbidden fields unknown to the parser, wherever a query names them', () => {
    const { visibleSchema } = permissions();
    for (const params of [{ fields: 'body' }, { filter: { body: { _null: true } } }, { sort: 'rating' }, { groupBy: 'rating' }, { fields: 'author.email' }, { fields: 'comments.text' }]) {
      assert.throws(() => parseItemsQuery('articles', params, visibleSchema, OPTIONS), (error: unknown) => error instanceof AppError && error.code === 'INVALID_QUERY', JSON.stringify(params));
    }
    const star = parseItemsQuery('articles', { fields: '*' }, visibleSchema, OPTIONS);
    assert.deepEqual(star.selection.fields, ['id', 'title', 'status', 'author']);
  });

  it('merges the row filters into the root, nested reads and relational filters', () => {
    const relational: FilterNode = { type: 'relation', field: 'author', quantifier: 'some', filter: compare('name', '_eq', 'Ann') };
    const { query: scoped, scope } = scopeReadQuery(
      query('articles', { filter: relational, selection: { fields: ['id'], relations: [nested('author', ['name'])] } }),
      permissions(),
    );
    assert.deepEqual(scope, PUBLISHED);
    assert.deepEqual(scoped.filter, { type: 'and', children: [PUBLISHED, { ...relational, filter: { type: 'and', children: [ADULTS, compare('name', '_eq', 'Ann')] } }] });
    assert.deepEqual(scoped.selection.relations[0].filter, ADULTS);
    assert.deepEqual(scoped.searchIn, ['id', 'title', 'status', 'author']);
  });

  it('leaves an unfiltered collection unfiltered', () => {
    const { query: scoped, scope } = scopeReadQuery(query('tags', { filter: compare('label', '_eq', 'x') }), permissions());
    assert.equal(scope, null);
    assert.deepEqual(scoped.filter, compare('label', '_eq', 'x'));
  });

  it('refuses a collection without a grant, and sorting through a relation whose rows are filtered', () => {
    assert.throws(() => scopeReadQuery(query('comments'), permissions()), (error: unknown) => error instanceof AppError && error.code === 'FORBIDDEN');
    assert.throws(
      () => scopeReadQuery(query('articles', { sort: [{ path: ['author', 'name'], direction: 'asc' }] }), permissions()),
      (error: unknown) => error instanceof AppError && error.code === 'FORBIDDEN',
    );
    assert.doesNotThrow(() => scopeReadQuery(query('articles', { sort: [{ path: ['title'], direction: 'asc' }] }), permissions()));
  });
});
