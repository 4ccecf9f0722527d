import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParsedQueryCache } from '../../src/engine/query/parsed-query.cache';
import { parseItemsQuery } from '../../src/engine/query/query.parser';
import { blogSchema } from '../support/schema-fixture';

const CONFIG = { defaultLimit: 100, maxLimit: 1000, maxDepth: 3, maxBatchSize: 100, maxBatchOperations: 100 };
const PARAMS = { filter: { status: { _eq: 'published' } }, fields: 'title,author.name', sort: '-published_at' };

describe('parsed query cache', () => {
  it('answers what the parser answers, the same object for the same parameters', () => {
    const cache = new ParsedQueryCache(CONFIG);
    const schema = blogSchema();
    const first = cache.parse('articles', PARAMS, schema);
    assert.deepEqual(first, parseItemsQuery('articles', PARAMS, schema, CONFIG));
    assert.equal(cache.parse('articles', { ...PARAMS }, schema), first);
    assert.notEqual(cache.parse('articles', { ...PARAMS, limit: '5' }, schema), first);
  });

  it('freezes what it shares, so no request can change it for the next', () => {
    const query = new ParsedQueryCache(CONFIG).parse('articles', PARAMS, blogSchema());
    assert.throws(() => {
      (query as { limit: number | null }).limit = 1;
    }, TypeError);
    assert.throws(() => (query.sort as unknown[]).push({ field: 'id', direction: 'asc' }), TypeError);
    assert.ok(Object.isFrozen(query.selection));
  });

  it('parses again for a new schema version, and for another collection', () => {
    const cache = new ParsedQueryCache(CONFIG);
    const first = cache.parse('articles', PARAMS, blogSchema());
    assert.notEqual(cache.parse('articles', PARAMS, blogSchema()), first);
    const schema = blogSchema();
    assert.equal(cache.parse('authors', {}, schema).collection, 'authors');
    assert.equal(cache.parse('articles', {}, schema).collection, 'articles');
  });

  it('still refuses a malformed query every time', () => {
    const cache = new ParsedQueryCache(CONFIG);
    const schema = blogSchema();
    for (let i = 0; i < 2; i++) assert.throws(() => cache.parse('articles', { filter: { nope: { _eq: 1 } } }, schema), /nope/);
  });

  it('keeps one shape for every page of a query, and answers each page as the parser does', () => {
    const cache = new ParsedQueryCache(CONFIG);
    const schema = blogSchema();
    const pages = [{ offset: '40' }, { offset: '60' }, { page: '3', limit: '20' }, { page: '4', limit: '20' }].map((paging) => ({ ...PARAMS, ...paging }));
    const parsed = pages.map((params) => cache.parse('articles', params, schema));
    parsed.forEach((query, i) => assert.deepEqual(query, parseItemsQuery('articles', pages[i], schema, CONFIG)));
    assert.equal(parsed[0].selection, parsed[1].selection);
    assert.equal(parsed[2].filter, parsed[3].filter);
    assert.ok(Object.isFrozen(parsed[0]));
  });

  it('refuses a bad page as the parser does, and names the first fault of a query with two', () => {
    const cache = new ParsedQueryCache(CONFIG);
    const schema = blogSchema();
    const refusal = (params: Record<string, unknown>) => {
      try {
        parseItemsQuery('articles', params, schema, CONFIG);
      } catch (error) {
        return (error as Error).message;
      }
      assert.fail('the parser accepted it');
    };
    for (const params of [{ offset: '-1' }, { page: '0' }, { offset: '1', page: '2' }, { offset: 'x', filter: { nope: { _eq: 1 } } }, { offset: '5', filter: { nope: { _eq: 1 } } }]) {
      for (let i = 0; i < 2; i++) assert.throws(() => cache.parse('articles', params, schema), { message: refusal(params) });
    }
  });

  it('does not keep very long parameters', () => {
    const cache = new ParsedQueryCache(CONFIG);
    const schema = blogSchema();
    const long = { search: 'x'.repeat(4000) };
    const first = cache.parse('articles', long, schema);
    assert.equal(first.search, long.search);
    assert.notEqual(cache.parse('articles', long, schema), first);
  });
});
