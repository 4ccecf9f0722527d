import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatabaseKind } from '../../src/config/app-config';
import { allOf, type FilterNode, type QueryContext } from '../../src/engine/query/query.ast';
import { keysMatching, readByKeys, runRead } from '../../src/engine/read/query-runner';
import type { ReadContext } from '../../src/engine/read/read.runner';
import { dialectFor } from '../../src/engine/sql/dialect';
import { encodeRow } from '../../src/engine/sql/value-codec';
import { findCollection } from '../../src/modules/schema/schema.lookup';
import type { WorkspaceSchema } from '../../src/modules/schema/schema.types';
import { blogSchema, collectionDef, fieldDef } from '../support/schema-fixture';
import { compare, query } from '../support/ast-builders';

type Row = Record<string, unknown>;

const schema = blogSchema();
const ctx: QueryContext = { now: new Date('2024-05-01T12:00:00.000Z'), userId: null, role: null };
const articles = findCollection(schema, 'articles')!;

/** A read context whose statements are recorded and answered, in turn, by `answers`. */
function recording(kind: DatabaseKind, answers: Row[][] = [], of: WorkspaceSchema = schema): { read: ReadContext; statements: Array<[string, unknown[]]> } {
  const statements: Array<[string, unknown[]]> = [];
  const read: ReadContext = {
    schema: of,
    dialect: dialectFor(kind),
    ctx,
    run: async (sql, params) => {
      statements.push([sql, params]);
      return answers.shift() ?? [];
    },
  };
  return { read, statements };
}

describe('query runner', () => {
  describe('runRead', () => {
    const scope = compare('author', '_eq', 7);
    const published = { ...query('articles', { selection: { fields: ['id', 'title'], relations: [] }, limit: 10 }), filter: allOf(scope, compare('status', '_eq', 'published')) };

    it('reads the rows, then counts the scope for total_count and the whole filter for filter_count', async () => {
      const { read, statements } = recording('postgres', [[{ id: 1, title: 'A' }], [{ count: '5' }], [{ count: 2 }]]);
      const result = await runRead({ ...published, meta: ['total_count', 'filter_count'] }, scope, read);
      assert.deepEqual(result, { data: [{ id: 1, title: 'A' }], meta: { total_count: 5, filter_count: 2 } });
      assert.deepEqual(statements, [
        ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 WHERE (t0."author" = $1 AND t0."status" = $2) ORDER BY t0."id" ASC LIMIT 10', [7, 'published']],
        ['SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0 WHERE t0."author" = $1', [7]],
        ['SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0 WHERE (t0."author" = $1 AND t0."status" = $2)', [7, 'published']],
      ]);
    });

    it('counts every row for total_count when there is no scope, and runs no count without meta', async () => {
      const counted = recording('sqlite', [[], [{ count: 12 }]]);
      assert.deepEqual(await runRead({ ...published, meta: ['total_count'] }, null, counted.read), { data: [], meta: { total_count: 12 } });
      assert.deepEqual(counted.statements[1], ['SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0', []]);
      const plain = recording('sqlite', [[]]);
      assert.deepEqual(await runRead(published, scope, plain.read), { data: [] });
      assert.equal(plain.statements.length, 1);
    });

    it('answers groups for an aggregate, with no meta count', async () => {
      const { read, statements } = recording('mysql', [[{ status: 'draft', __a0: 3 }]]);
      const grouped = { ...query('articles', { groupBy: ['status'], aggregate: [{ fn: 'count' as const, field: '*' }], meta: ['total_count' as const] }), filter: scope };
      assert.deepEqual(await runRead(grouped, scope, read), { data: [{ status: 'draft', count: 3 }] });
      assert.deepEqual(statements, [
        ['SELECT BINARY t0.`status` AS `status`, COUNT(*) AS `__a0` FROM `cw_test_articles` AS t0 WHERE t0.`author` = ? GROUP BY BINARY t0.`status` ORDER BY BINARY t0.`status` ASC', [7]],
      ]);
    });
  });

  describe('readByKeys', () => {
    it('reads the keys within the query filter, without paging or sort, and answers the rows in the order of the keys', async () => {
      const { read, statements } = recording('sqlite', [[{ id: 3, title: 'C' }, { id: 9, title: 'I' }, { id: 5, title: 'E' }]]);
      const scoped = query('articles', { selection: { fields: ['id', 'title'], relations: [] }, filter: compare('featured', '_eq', true), limit: 25, offset: 50, sort: [{ path: ['title'], direction: 'desc' }] });
      const rows = await readByKeys(scoped, [9, 5, 3], read);
      assert.deepEqual(rows.map((row) => row.id), [9, 5, 3]);
      assert.deepEqual(statements, [['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 WHERE (t0."id" IN (?, ?, ?) AND t0."featured" = ?) ORDER BY t0."id" ASC', [9, 5, 3, 1]]]);
    });

    it('runs nothing for no keys', async () => {
      const { read, statements } = recording('postgres');
      assert.deepEqual(await readByKeys(query('articles'), [], read), []);
      assert.equal(statements.length, 0);
    });
  });

  describe('keysMatching', () => {
    const rated: FilterNode = compare('rating', '_gte', 3);

    for (const [kind, expected] of [
      ['sqlite', 'SELECT t0."id" FROM "cw_test_articles" AS t0 WHERE (t0."id" IN (?, ?) AND t0."rating" >= ?) ORDER BY t0."id" ASC'],
      ['postgres', 'SELECT t0."id" FROM "cw_test_articles" AS t0 WHERE (t0."id" IN ($1, $2) AND t0."rating" >= $3) ORDER BY t0."id" ASC FOR UPDATE'],
      ['mysql', 'SELECT t0.`id` FROM `cw_test_articles` AS t0 WHERE (t0.`id` IN (?, ?) AND t0.`rating` >= ?) ORDER BY t0.`id` ASC FOR UPDATE'],
    ] as const) {
      it(`locks the rows in key order on ${kind}${kind === 'sqlite' ? ' (whose writers take turns: no FOR UPDATE)' : ''}, answering integer keys as numbers`, async () => {
        const { read, statements } = recording(kind, [[{ id: '2' }, { id: 4 }]]);
        assert.deepEqual(await keysMatching(articles, [4, 2], rated, { lock: true }, read), [2, 4]);
        assert.deepEqual(statements, [[expected, [4, 2, 3]]]);
      });
    }

    it('only reads without lock, and takes any row without a filter', async () => {
      const { read, statements } = recording('postgres', [[{ id: 4 }]]);
      assert.deepEqual(await keysMatching(articles, [4], null, { lock: false }, read), [4]);
      assert.deepEqual(statements, [['SELECT t0."id" FROM "cw_test_articles" AS t0 WHERE t0."id" IN ($1) ORDER BY t0."id" ASC', [4]]]);
    });

    it('answers text keys as strings, and runs nothing for no keys', async () => {
      const notes = collectionDef('notes', [fieldDef('body', 'text')], 'uuid');
      const key = '0b7e4c1a-2f3d-4e5f-8a9b-1c2d3e4f5a6b';
      const { read, statements } = recording('sqlite', [[{ id: key }]], { ...schema, collections: new Map([['notes', notes]]) });
      assert.deepEqual(await keysMatching(notes, [], null, { lock: true }, read), []);
      assert.equal(statements.length, 0);
      assert.deepEqual(await keysMatching(notes, [key], null, { lock: true }, read), [key]);
    });
  });

  describe('encodeRow', () => {
    it("encodes each value by its field's codec for the database", () => {
      const row = { featured: true, metadata: { a: 1 }, published_at: '2024-05-01T12:00:00.000Z', title: 'T' };
      assert.deepEqual(encodeRow(articles, row, 'postgres'), { featured: true, metadata: '{"a":1}', published_at: '2024-05-01T12:00:00.000Z', title: 'T' });
      assert.deepEqual(encodeRow(articles, row, 'mysql'), { featured: 1, metadata: '{"a":1}', published_at: '2024-05-01 12:00:00.000', title: 'T' });
    });
  });

  describe('allOf', () => {
    it('leaves out missing filters and joins the rest with and', () => {
      const a = compare('a', '_eq', 1);
      const b = compare('b', '_eq', 2);
      assert.equal(allOf(null, null), null);
      assert.equal(allOf(null, a), a);
      assert.deepEqual(allOf(a, null, b), { type: 'and', children: [a, b] });
    });
  });
});
