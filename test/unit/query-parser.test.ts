import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/common/errors/app-error';
import { COMPARISON_OPERATORS, ComparisonOperator, FilterNode, FilterValue, ItemsQuery, NestedRead, Selection } from '../../src/engine/query/query.ast';
import { parseItemsQuery, ParseOptions } from '../../src/engine/query/query.parser';
import { findCollection, findField, findRelationalField } from '../../src/modules/schema/schema.lookup';
import type { WorkspaceSchema } from '../../src/modules/schema/schema.types';
import { blogSchema, collectionDef, fieldDef } from '../support/schema-fixture';

/** The blog, plus a collection with the numeric types the blog lacks (bigint, float). */
function testSchema(): WorkspaceSchema {
  const blog = blogSchema();
  const metrics = collectionDef('metrics', [fieldDef('views', 'bigint'), fieldDef('score', 'float'), fieldDef('day', 'date')]);
  return { ...blog, collections: new Map([...blog.collections, ['metrics', metrics]]) };
}

const schema = testSchema();
const OPTIONS: ParseOptions = { defaultLimit: 100, maxLimit: 1000, maxDepth: 3 };
const UNLIMITED: ParseOptions = { ...OPTIONS, maxLimit: null };

const SYSTEM = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by'];
const ARTICLE_FIELDS = [...SYSTEM, 'title', 'body', 'status', 'rating', 'price', 'featured', 'published_at', 'metadata', 'author'];
const AUTHOR_FIELDS = [...SYSTEM, 'name', 'email', 'age', 'bio'];
const COMMENT_FIELDS = [...SYSTEM, 'text', 'article', 'likes'];
const TAG_FIELDS = [...SYSTEM, 'label'];

function parse(params: Record<string, unknown>, options: ParseOptions = OPTIONS, collection = 'articles'): ItemsQuery {
  return parseItemsQuery(collection, params, schema, options);
}

const filterOf = (params: Record<string, unknown>, collection = 'articles') => parse(params, OPTIONS, collection).filter;
const cmp = (field: string, operator: ComparisonOperator, value: FilterValue): FilterNode => ({ type: 'compare', field, operator, value });
const and = (...children: FilterNode[]): FilterNode => ({ type: 'and', children });
const or = (...children: FilterNode[]): FilterNode => ({ type: 'or', children });
const some = (field: string, filter: FilterNode): FilterNode => ({ type: 'relation', field, quantifier: 'some', filter });
const none = (field: string, filter: FilterNode): FilterNode => ({ type: 'relation', field, quantifier: 'none', filter });
const selection = (fields: string[], relations: NestedRead[] = []): Selection => ({ fields, relations });
const nested = (field: string, fields: string[], relations: NestedRead[] = [], options: Partial<NestedRead> = {}): NestedRead => ({
  field,
  selection: selection(fields, relations),
  filter: null,
  sort: [],
  limit: null,
  offset: 0,
  ...options,
});

/** Asserts an INVALID_QUERY whose message names `culprit` and whose extensions include `extensions`. */
function assertInvalid(run: () => unknown, culprit: string, extensions: Record<string, unknown> = {}): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_QUERY');
    assert.equal(error.status, 400);
    assert.ok(error.message.includes(culprit), `message ${JSON.stringify(error.message)} should name ${JSON.stringify(culprit)}`);
    for (const [key, value] of Object.entries(extensions)) assert.equal(error.extensions[key], value, `extensions.${key}`);
    return true;
  });
}

describe('query parser: defaults', () => {
  it('reads every plain field with the default limit when no parameter is given', () => {
    assert.deepEqual(parse({}), {
      collection: 'articles',
      selection: selection(ARTICLE_FIELDS),
      filter: null,
      search: null,
      sort: [],
      limit: 100,
      offset: 0,
      aggregate: [],
      groupBy: [],
      meta: [],
    });
  });

  it('ignores access_token, which is authentication, not query', () => {
    assert.deepEqual(parse({ access_token: 'abc' }), parse({}));
  });

  it('answers an unknown collection with NOT_FOUND', () => {
    assert.throws(() => parseItemsQuery('nope', {}, schema, OPTIONS), (error: unknown) => error instanceof AppError && error.code === 'NOT_FOUND');
  });
});

describe('query parser: filter forms', () => {
  const cases: [string, Record<string, unknown>, FilterNode | null][] = [
    ['a JSON string', { filter: '{"status":{"_eq":"draft"}}' }, cmp('status', '_eq', 'draft')],
    ['a bracket key', { 'filter[rating][_gte]': '3' }, cmp('rating', '_gte', 3)],
    ['an object (GraphQL)', { filter: { rating: { _gte: 3 } } }, cmp('rating', '_gte', 3)],
    ['a null-prototype object', { filter: Object.assign(Object.create(null) as object, { rating: { _gte: 3 } }) }, cmp('rating', '_gte', 3)],
    ['several fields, ANDed', { filter: '{"status":{"_eq":"draft"},"rating":{"_gt":2}}' }, and(cmp('status', '_eq', 'draft'), cmp('rating', '_gt', 2))],
    ['several operators on one field, ANDed', { filter: { rating: { _gte: 1, _lte: 5 } } }, and(cmp('rating', '_gte', 1), cmp('rating', '_lte', 5))],
    [
      'several bracket keys, ANDed in order',
      { 'filter[status][_eq]': 'draft', 'filter[rating][_gte]': '3' },
      and(cmp('status', '_eq', 'draft'), cmp('rating', '_gte', 3)),
    ],
    ['_and', { filter: '{"_and":[{"status":{"_eq":"draft"}},{"rating":{"_gt":2}}]}' }, and(cmp('status', '_eq', 'draft'), cmp('rating', '_gt', 2))],
    ['_or', { filter: { _or: [{ status: { _eq: 'draft' } }, { featured: { _eq: true } }] } }, or(cmp('status', '_eq', 'draft'), cmp('featured', '_eq', true))],
    [
      '_or in bracket form with indexes',
      { 'filter[_or][0][status][_eq]': 'draft', 'filter[_or][1][rating][_gte]': '4' },
      or(cmp('status', '_eq', 'draft'), cmp('rating', '_gte', 4)),
    ],
    [
      'bracket indexes out of order keep index order',
      { 'filter[_or][1][rating][_gte]': '4', 'filter[_or][0][status][_eq]': 'draft' },
      or(cmp('status', '_eq', 'draft'), cmp('rating', '_gte', 4)),
    ],
    [
      '_and inside _or',
      { filter: { _or: [{ _and: [{ status: { _eq: 'draft' } }, { rating: { _lt: 3 } }] }, { featured: { _eq: 'true' } }] } },
      or(and(cmp('status', '_eq', 'draft'), cmp('rating', '_lt', 3)), cmp('featured', '_eq', true)),
    ],
    ['an empty _and', { filter: { _and: [] } }, and()],
    ['an empty object is no filter', { filter: '{}' }, null],
    ['a blank string is no filter', { filter: '  ' }, null],
    [
      'a repeated filter parameter, ANDed',
      { filter: ['{"status":{"_eq":"draft"}}', '{"rating":{"_gt":2}}'] },
      and(cmp('status', '_eq', 'draft'), cmp('rating', '_gt', 2)),
    ],
    [
      'JSON and bracket forms together, JSON first',
      { 'filter[rating][_gt]': '2', filter: '{"status":{"_eq":"draft"}}' },
      and(cmp('status', '_eq', 'draft'), cmp('rating', '_gt', 2)),
    ],
    ['an _in list with [] keys', { 'filter[rating][_in][]': ['1', '2'] }, cmp('rating', '_in', [1, 2])],
    ['an _in list with indexed keys', { 'filter[rating][_in][0]': '1', 'filter[rating][_in][1]': '2' }, cmp('rating', '_in', [1, 2])],
    ['an _in list from a repeated key', { 'filter[status][_in]': ['draft', 'published'] }, cmp('status', '_in', ['draft', 'published'])],
  ];
  for (const [name, params, expected] of cases) {
    it(`parses ${name}`, () => assert.deepEqual(filterOf(params), expected));
  }
});

describe('query parser: relational filters', () => {
  const cases: [string, Record<string, unknown>, FilterNode, string?][] = [
    ['a many-to-one in JSON', { filter: '{"author":{"name":{"_eq":"Ann"}}}' }, some('author', cmp('name', '_eq', 'Ann'))],
    ['a many-to-one in bracket form', { 'filter[author][name][_eq]': 'Ann' }, some('author', cmp('name', '_eq', 'Ann'))],
    [
      'several fields of a many-to-one, in one relation',
      { filter: { author: { name: { _eq: 'Ann' }, age: { _gte: '30' } } } },
      some('author', and(cmp('name', '_eq', 'Ann'), cmp('age', '_gte', 30))),
    ],
    ['a many-to-one compared directly, on its foreign key', { filter: '{"author":{"_eq":3}}' }, cmp('author', '_eq', 3)],
    ['a many-to-one foreign key in bracket form, coerced', { 'filter[author][_in]': '1,2' }, cmp('author', '_in', [1, 2])],
    [
      'a foreign key comparison beside a related field',
      { filter: { author: { _nnull: true, name: { _eq: 'Ann' } } } },
      and(cmp('author', '_nnull', true), some('author', cmp('name', '_eq', 'Ann'))),
    ],
    ['a one-to-many with _some', { filter: '{"comments":{"_some":{"likes":{"_gt":10}}}}' }, some('comments', cmp('likes', '_gt', 10))],
    ['a one-to-many with _none', { filter: { comments: { _none: { likes: { _gt: 10 } } } } }, none('comments', cmp('likes', '_gt', 10))],
    ['a one-to-many without a quantifier, as _some', { filter: { comments: { likes: { _gt: 10 } } } }, some('comments', cmp('likes', '_gt', 10))],
    ['a one-to-many in bracket form', { 'filter[comments][_none][likes][_lt]': '1' }, none('comments', cmp('likes', '_lt', 1))],
    ['a many-to-many with _some', { filter: { tags: { _some: { label: { _eq: 'news' } } } } }, some('tags', cmp('label', '_eq', 'news'))],
    ['an empty _none: no related items', { filter: { comments: { _none: {} } } }, none('comments', and())],
    [
      '_some and _none on one alias',
      { filter: { comments: { _some: { likes: { _gt: 5 } }, _none: { text: { _contains: 'spam' } } } } },
      and(some('comments', cmp('likes', '_gt', 5)), none('comments', cmp('text', '_contains', 'spam'))),
    ],
    [
      'a path across several relations',
      { filter: '{"comments":{"_some":{"article":{"author":{"name":{"_eq":"Ann"}}}}}}' },
      some('comments', some('article', some('author', cmp('name', '_eq', 'Ann')))),
    ],
    ['a one-to-many from the other side', { filter: { articles: { _none: { status: { _eq: 'draft' } } } } }, none('articles', cmp('status', '_eq', 'draft')), 'authors'],
    ['a many-to-many from the other side', { filter: { articles: { title: { _eq: 'Hi' } } } }, some('articles', cmp('title', '_eq', 'Hi')), 'tags'],
  ];
  for (const [name, params, expected, collection] of cases) {
    it(`parses ${name}`, () => assert.deepEqual(filterOf(params, collection), expected));
  }
});

describe('query parser: operators', () => {
  // [operator, field, operand, expected node]
  const cases: [ComparisonOperator, string, unknown, FilterNode][] = [
    ['_eq', 'title', 'Hello', cmp('title', '_eq', 'Hello')],
    ['_eq', 'title', null, cmp('title', '_eq', null)],
    ['_neq', 'rating', '3', cmp('rating', '_neq', 3)],
    ['_neq', 'status', null, cmp('status', '_neq', null)],
    ['_lt', 'rating', 3, cmp('rating', '_lt', 3)],
    ['_lte', 'price', '9.5', cmp('price', '_lte', 9.5)],
    ['_gt', 'published_at', '2024-01-01', cmp('published_at', '_gt', '2024-01-01')],
    ['_gte', 'rating', '0', cmp('rating', '_gte', 0)],
    ['_in', 'rating', '1,2,3', cmp('rating', '_in', [1, 2, 3])],
    ['_in', 'status', ['draft', 'published'], cmp('status', '_in', ['draft', 'published'])],
    ['_in', 'title', ['a,b', 'c'], cmp('title', '_in', ['a,b', 'c'])],
    ['_in', 'rating', '', cmp('rating', '_in', [])],
    ['_nin', 'status', 'draft,archived', cmp('status', '_nin', ['draft', 'archived'])],
    ['_null', 'body', true, cmp('body', '_null', true)],
    ['_null', 'body', 'true', cmp('body', '_null', true)],
    ['_null', 'body', false, cmp('body', '_nnull', true)],
    ['_nnull', 'body', '1', cmp('body', '_nnull', true)],
    ['_nnull', 'body', 'false', cmp('body', '_null', true)],
    ['_empty', 'body', true, cmp('body', '_empty', true)],
    ['_empty', 'body', '0', cmp('body', '_nempty', true)],
    ['_nempty', 'title', 1, cmp('title', '_nempty', true)],
    ['_nempty', 'title', 0, cmp('title', '_empty', true)],
    ['_contains', 'title', 'news', cmp('title', '_contains', 'news')],
    ['_ncontains', 'body', 'spam', cmp('body', '_ncontains', 'spam')],
    ['_icontains', 'title', 'NeWs', cmp('title', '_icontains', 'NeWs')],
    ['_starts_with', 'title', 'How', cmp('title', '_starts_with', 'How')],
    ['_istarts_with', 'title', 'how', cmp('title', '_istarts_with', 'how')],
    ['_ends_with', 'title', '?', cmp('title', '_ends_with', '?')],
    ['_iends_with', 'status', 'ED', cmp('status', '_iends_with', 'ED')],
    ['_contains', 'created_by', 'abc', cmp('created_by', '_contains', 'abc')],
    ['_between', 'rating', '1,5', cmp('rating', '_between', [1, 5])],
    ['_between', 'price', [1.5, '20'], cmp('price', '_between', [1.5, 20])],
    ['_nbetween', 'published_at', ['2024-01-01', '2024-12-31'], cmp('published_at', '_nbetween', ['2024-01-01', '2024-12-31'])],
  ];
  it('covers every comparison operator', () => {
    assert.deepEqual(new Set(cases.map(([operator]) => operator)), new Set(COMPARISON_OPERATORS));
  });
  for (const [operator, field, operand, expected] of cases) {
    it(`parses ${operator} on ${field} with ${JSON.stringify(operand)}`, () => {
      assert.deepEqual(filterOf({ filter: { [field]: { [operator]: operand } } }), expected);
    });
  }

  const stringOperators: ComparisonOperator[] = ['_contains', '_ncontains', '_icontains', '_starts_with', '_istarts_with', '_ends_with', '_iends_with'];
  for (const operator of stringOperators) {
    for (const field of ['rating', 'featured', 'published_at', 'metadata', 'price']) {
      it(`refuses ${operator} on the non-text field ${field}`, () => {
        assertInvalid(() => filterOf({ filter: { [field]: { [operator]: '1' } } }), operator, { parameter: 'filter', field, operator });
      });
    }
  }
});

describe('query parser: value coercion', () => {
  // [collection, field, operand given to _eq, expected value]
  const cases: [string, string, unknown, FilterValue][] = [
    ['articles', 'rating', 3, 3],
    ['articles', 'rating', '3', 3],
    ['articles', 'rating', ' 3 ', 3],
    ['articles', 'rating', '-2', -2],
    ['articles', 'rating', '2.5', 2.5],
    ['articles', 'rating', '1e3', 1000],
    ['articles', 'id', '7', 7],
    ['articles', 'price', '19.99', 19.99],
    ['articles', 'price', 19.99, 19.99],
    ['metrics', 'score', '.5', 0.5],
    ['metrics', 'views', '42', 42],
    ['metrics', 'views', '9007199254740993', '9007199254740993'],
    ['articles', 'featured', true, true],
    ['articles', 'featured', 'true', true],
    ['articles', 'featured', '1', true],
    ['articles', 'featured', 1, true],
    ['articles', 'featured', false, false],
    ['articles', 'featured', 'false', false],
    ['articles', 'featured', '0', false],
    ['articles', 'featured', 0, false],
    ['articles', 'title', 'plain', 'plain'],
    ['articles', 'title', 5, '5'],
    ['articles', 'title', true, 'true'],
    ['articles', 'title', '$HOME', '$HOME'],
    ['articles', 'status', 'draft', 'draft'],
    ['articles', 'published_at', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
    ['articles', 'metadata', '{"a":1}', '{"a":1}'],
    ['articles', 'created_by', '0f8fad5b-d9cb-469f-a165-70867728950e', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['metrics', 'day', '2024-05-01', '2024-05-01'],
  ];
  for (const [collection, field, operand, expected] of cases) {
    it(`coerces ${JSON.stringify(operand)} for ${collection}.${field} to ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(filterOf({ filter: { [field]: { _eq: operand } } }, collection), cmp(field, '_eq', expected));
    });
  }

  it('coerces each element of _in', () => {
    assert.deepEqual(filterOf({ filter: { featured: { _in: ['true', 0] } } }), cmp('featured', '_in', [true, false]));
  });

  // [field, operator, operand, text the message must contain]
  const invalid: [string, ComparisonOperator, unknown, string][] = [
    ['rating', '_eq', 'abc', '"abc"'],
    ['rating', '_eq', '', 'number'],
    ['rating', '_eq', '12abc', '"12abc"'],
    ['rating', '_eq', true, 'number'],
    ['rating', '_in', '1,x', '"x"'],
    ['price', '_between', 'low,high', '"low"'],
    ['featured', '_eq', 'yes', '"yes"'],
    ['featured', '_eq', 2, 'true or false'],
    ['title', '_eq', { a: 1 }, 'single value'],
    ['title', '_eq', ['a'], 'single value'],
    ['title', '_in', { a: 1 }, 'list'],
    ['title', '_in', ['a', null], 'single value'],
    ['rating', '_between', '1', 'exactly two'],
    ['rating', '_between', [1, 2, 3], 'exactly two'],
    ['rating', '_nbetween', [], 'exactly two'],
    ['body', '_null', 'maybe', '"maybe"'],
    ['body', '_empty', null, 'true or false'],
    ['rating', '_gt', null, 'null'],
    ['title', '_contains', null, 'null'],
  ];
  for (const [field, operator, operand, culprit] of invalid) {
    it(`refuses ${operator} ${JSON.stringify(operand)} on ${field}`, () => {
      assertInvalid(() => filterOf({ filter: { [field]: { [operator]: operand } } }), culprit, { parameter: 'filter', field, operator });
      assertInvalid(() => filterOf({ filter: { [field]: { [operator]: operand } } }), field);
    });
  }

  it('names the path of a field behind a relation', () => {
    assertInvalid(() => filterOf({ 'filter[author][age][_gt]': 'old' }), 'author.age', { field: 'author.age', operator: '_gt' });
  });
});

describe('query parser: filter variables', () => {
  const DAY = 86_400_000;
  const cases: [string, string, unknown, FilterValue][] = [
    ['created_by', '_eq', '$CURRENT_USER', { variable: 'CURRENT_USER' }],
    ['status', '_eq', '$CURRENT_ROLE', { variable: 'CURRENT_ROLE' }],
    ['published_at', '_lte', '$NOW', { variable: 'NOW' }],
    ['published_at', '_gte', '$NOW(-1 day)', { variable: 'NOW', offsetMs: -DAY }],
    ['published_at', '_lt', '$NOW(+2 hours)', { variable: 'NOW', offsetMs: 2 * 3_600_000 }],
    ['published_at', '_gt', '$NOW(-30 minutes)', { variable: 'NOW', offsetMs: -30 * 60_000 }],
    ['published_at', '_gt', '$NOW(-10 seconds)', { variable: 'NOW', offsetMs: -10_000 }],
    ['published_at', '_gt', '$NOW(1 second)', { variable: 'NOW', offsetMs: 1000 }],
    ['published_at', '_gt', '$NOW(3 days)', { variable: 'NOW', offsetMs: 3 * DAY }],
    ['published_at', '_gt', '$NOW(-2 weeks)', { variable: 'NOW', offsetMs: -14 * DAY }],
    ['published_at', '_gt', '$NOW(-1 month)', { variable: 'NOW', offsetMs: -30 * DAY }],
    ['published_at', '_gt', '$NOW(+1 year)', { variable: 'NOW', offsetMs: 365 * DAY }],
    ['published_at', '_gt', '$NOW( - 1 day )', { variable: 'NOW', offsetMs: -DAY }],
    ['published_at', '_gt', '$NOW(-0 days)', { variable: 'NOW', offsetMs: 0 }],
    // Variables are not coerced by the field's type: the compiler resolves them.
    ['rating', '_eq', '$CURRENT_USER', { variable: 'CURRENT_USER' }],
    ['created_by', '_in', ['$CURRENT_USER', 'abc'], [{ variable: 'CURRENT_USER' }, 'abc']],
    ['published_at', '_between', '$NOW(-7 days),$NOW', [{ variable: 'NOW', offsetMs: -7 * DAY }, { variable: 'NOW' }]],
  ];
  for (const [field, operator, operand, expected] of cases) {
    it(`reads ${JSON.stringify(operand)} as a variable`, () => {
      assert.deepEqual(filterOf({ filter: JSON.stringify({ [field]: { [operator]: operand } }) }), cmp(field, operator as ComparisonOperator, expected));
    });
  }
  it('reads a variable in bracket form', () => {
    assert.deepEqual(filterOf({ 'filter[published_at][_gte]': '$NOW(-1 day)' }), cmp('published_at', '_gte', { variable: 'NOW', offsetMs: -DAY }));
  });
  for (const bad of ['$NOW()', '$NOW(yesterday)', '$NOW(-1 fortnight)', '$NOW(-1.5 days)', '$NOW(-1 day', '$NOW(99999999999999 years)']) {
    it(`refuses the malformed variable ${bad}`, () => {
      assertInvalid(() => filterOf({ filter: { published_at: { _gt: bad } } }), bad, { field: 'published_at', operator: '_gt' });
    });
  }
});

describe('query parser: shorthand filters', () => {
  const cases: [Record<string, unknown>, FilterNode][] = [
    [{ status: 'active' }, cmp('status', '_eq', 'active')],
    [{ status__eq: 'active' }, cmp('status', '_eq', 'active')],
    [{ status__neq: 'draft' }, cmp('status', '_neq', 'draft')],
    [{ price__gte: '100' }, cmp('price', '_gte', 100)],
    [{ price__gt: '100' }, cmp('price', '_gt', 100)],
    [{ rating__lt: '3' }, cmp('rating', '_lt', 3)],
    [{ rating__lte: '3' }, cmp('rating', '_lte', 3)],
    [{ title__contains: 'news' }, cmp('title', '_contains', 'news')],
    [{ title__startswith: 'How' }, cmp('title', '_starts_with', 'How')],
    [{ title__endswith: '?' }, cmp('title', '_ends_with', '?')],
    [{ status__in: 'a,b' }, cmp('status', '_in', ['a', 'b'])],
    [{ status__in: ['a', 'b,c'] }, cmp('status', '_in', ['a', 'b', 'c'])],
    [{ rating__notin: '1,2' }, cmp('rating', '_nin', [1, 2])],
    [{ published_at__isnull: 'true' }, cmp('published_at', '_null', true)],
    [{ published_at__isnull: 'false' }, cmp('published_at', '_nnull', true)],
    [{ featured: 'true' }, cmp('featured', '_eq', true)],
    [{ author: '3' }, cmp('author', '_eq', 3)],
    [{ created_by: '$CURRENT_USER' }, cmp('created_by', '_eq', { variable: 'CURRENT_USER' })],
    [{ status: 'draft', rating__gte: '3' }, and(cmp('status', '_eq', 'draft'), cmp('rating', '_gte', 3))],
  ];
  for (const [params, expected] of cases) {
    it(`parses ${JSON.stringify(params)}`, () => assert.deepEqual(filterOf(params), expected));
  }

  it('ANDs shorthands after the filter parameter', () => {
    assert.deepEqual(
      filterOf({ status: 'draft', filter: '{"rating":{"_gt":1}}', 'filter[featured][_eq]': '1' }),
      and(cmp('rating', '_gt', 1), cmp('featured', '_eq', true), cmp('status', '_eq', 'draft')),
    );
  });

  const invalid: [Record<string, unknown>, string, Record<string, unknown>][] = [
    [{ colour: 'red' }, 'colour', { parameter: 'colour' }],
    [{ limt: '5' }, 'limt', { parameter: 'limt' }],
    [{ comments: '1' }, 'comments', { parameter: 'comments' }],
    [{ 'author.name': 'Ann' }, 'author.name', { parameter: 'author.name' }],
    [{ price__like: '1' }, 'like', { parameter: 'price__like', field: 'price', operator: 'like' }],
    [{ status__constructor: '1' }, 'constructor', { parameter: 'status__constructor', operator: 'constructor' }],
    [{ colour__eq: 'red' }, 'colour__eq', { parameter: 'colour__eq' }],
    [{ constructor: 'x' }, 'constructor', { parameter: 'constructor' }],
    [{ rating: 'abc' }, '"abc"', { parameter: 'rating', field: 'rating', operator: '_eq' }],
    [{ rating__contains: '1' }, '_contains', { parameter: 'rating__contains', field: 'rating' }],
    [{ status: ['a', 'b'] }, 'more than once', { parameter: 'status' }],
    [{ published_at__isnull: 'perhaps' }, '"perhaps"', { parameter: 'published_at__isnull' }],
    [{ 'foo[bar]': '1' }, 'foo[bar]', { parameter: 'foo[bar]' }],
  ];
  for (const [params, culprit, extensions] of invalid) {
    it(`refuses ${JSON.stringify(params)}`, () => assertInvalid(() => filterOf(params), culprit, extensions));
  }
});

describe('query parser: malformed filters', () => {
  it('names an unknown field', () => {
    assert.throws(() => filterOf({ filter: '{"colour":{"_eq":"red"}}' }), {
      code: 'INVALID_QUERY',
      message: 'Unknown field "colour" in filter.',
      extensions: { parameter: 'filter', field: 'colour' },
    });
  });

  it('names an unknown operator and its field', () => {
    assert.throws(() => filterOf({ filter: '{"title":{"_like":"x"}}' }), {
      code: 'INVALID_QUERY',
      message: 'Unknown operator "_like" in filter on "title".',
      extensions: { parameter: 'filter', field: 'title', operator: '_like' },
    });
  });

  const cases: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
    ['an unknown field in bracket form', { 'filter[colour][_eq]': 'red' }, 'colour', { field: 'colour' }],
    ['an unknown field behind a many-to-one', { filter: { author: { colour: { _eq: 1 } } } }, 'author.colour', { field: 'author.colour' }],
    ['an unknown field behind a one-to-many', { filter: { comments: { _some: { colour: { _eq: 1 } } } } }, 'comments.colour', { field: 'comments.colour' }],
    ['an unknown field inside _or', { filter: { _or: [{ colour: { _eq: 1 } }] } }, 'colour', { field: 'colour' }],
    ['an unknown operator in bracket form', { 'filter[rating][_like]': '1' }, '_like', { field: 'rating', operator: '_like' }],
    ['an operator-like key on a plain field', { filter: { title: { name: { _eq: 1 } } } }, 'name', { field: 'title', operator: 'name' }],
    ['_some on a plain field', { filter: { title: { _some: {} } } }, '_some', { field: 'title', operator: '_some' }],
    ['malformed JSON', { filter: '{"status":' }, 'filter', { parameter: 'filter' }],
    ['a JSON array', { filter: '[{"status":{"_eq":"x"}}]' }, 'filter', { parameter: 'filter' }],
    ['a JSON string', { filter: '"status"' }, 'filter', { parameter: 'filter' }],
    ['a JSON number', { filter: '3' }, 'filter', { parameter: 'filter' }],
    ['a value without an operator', { filter: { status: 'draft' } }, 'status', { field: 'status' }],
    ['a value without an operator in bracket form', { 'filter[status]': 'draft' }, 'status', { field: 'status' }],
    ['_some on a many-to-one', { filter: { author: { _some: { name: { _eq: 'Ann' } } } } }, '_some', { field: 'author', operator: '_some' }],
    ['_none on a many-to-one', { 'filter[author][_none][name][_eq]': 'Ann' }, '_none', { field: 'author', operator: '_none' }],
    ['a comparison on a one-to-many alias', { filter: { comments: { _eq: 1 } } }, 'comments', { field: 'comments', operator: '_eq' }],
    ['_null on a many-to-many alias', { filter: { tags: { _null: true } } }, 'tags', { field: 'tags', operator: '_null' }],
    ['_some that is not an object', { filter: { comments: { _some: 'x' } } }, 'comments', { field: 'comments', operator: '_some' }],
    ['an operator without a field', { filter: { _eq: 1 } }, '_eq', { operator: '_eq' }],
    ['_some without a relation', { filter: { _some: {} } }, '_some', { operator: '_some' }],
    ['_and that is not a list', { filter: { _and: { status: { _eq: 'x' } } } }, '_and', { operator: '_and' }],
    ['an _and element that is not an object', { filter: { _and: [1] } }, '_and', { operator: '_and' }],
    ['an _or element given as a string in bracket form', { 'filter[_or][0]': 'x' }, '_or', { operator: '_or' }],
    ['a bracket key given both as a value and as an object', { 'filter[status]': 'x', 'filter[status][_eq]': 'y' }, 'filter[status][_eq]', {}],
    ['a malformed bracket key', { 'filter[status]x': '1' }, 'filter[status]x', { parameter: 'filter[status]x' }],
    ['[] before the end of a bracket key', { 'filter[][status]': '1' }, 'filter[][status]', {}],
    ['brackets on a parameter that takes none', { 'limit[x]': '1' }, 'limit', {}],
  ];
  for (const [name, params, culprit, extensions] of cases) {
    it(`refuses ${name}`, () => assertInvalid(() => filterOf(params), culprit, { ...extensions }));
  }
});

describe('query parser: forbidden keys', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['__proto__ in filter JSON', { filter: '{"__proto__":{"polluted":{"_eq":1}}}' }],
    ['constructor in filter JSON', { filter: '{"constructor":{"_eq":1}}' }],
    ['prototype as an operator', { filter: '{"title":{"prototype":1}}' }],
    ['__proto__ inside _and', { filter: '{"_and":[{"__proto__":{"x":1}}]}' }],
    ['__proto__ deep in a value', { filter: '{"title":{"_in":[{"__proto__":1}]}}' }],
    ['__proto__ in a bracket path', { 'filter[__proto__][polluted]': '1' }],
    ['constructor in a bracket path', { 'filter[title][constructor]': '1' }],
    ['prototype as the last bracket segment', { 'filter[prototype]': '1' }],
    ['__proto__ in deep JSON', { fields: '*,comments.*', deep: '{"__proto__":{"_limit":1}}' }],
    ['__proto__ in a deep bracket path', { fields: '*,comments.*', 'deep[comments][__proto__]': '1' }],
    ['__proto__ in a deep _filter', { fields: '*,comments.*', deep: { comments: { _filter: '{"__proto__":{}}' } } }],
    ['__proto__ in aggregate JSON', { aggregate: '{"__proto__":"x"}' }],
    ['__proto__ in an aggregate bracket path', { 'aggregate[__proto__]': 'x' }],
    ['constructor in an aggregate bracket path', { 'aggregate[constructor][x]': 'x' }],
  ];
  for (const [name, params] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parse(params), (error: unknown) => error instanceof AppError && error.code === 'INVALID_QUERY' && /__proto__|constructor|prototype/.test(error.message));
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
});

describe('query parser: fields', () => {
  const cases: [string, Record<string, unknown>, Selection, (ParseOptions | string)?][] = [
    ['* by default', {}, selection(ARTICLE_FIELDS)],
    ['*', { fields: '*' }, selection(ARTICLE_FIELDS)],
    ['a blank list as *', { fields: ' , ' }, selection(ARTICLE_FIELDS)],
    ['named fields, primary key first', { fields: 'title,status' }, selection(['id', 'title', 'status'])],
    ['the primary key where it was asked for', { fields: 'title,id' }, selection(['title', 'id'])],
    ['a list with spaces', { fields: ' title , status ' }, selection(['id', 'title', 'status'])],
    ['an array (GraphQL)', { fields: ['title', 'status'] }, selection(['id', 'title', 'status'])],
    ['a repeated parameter of comma lists', { fields: ['title,status', 'rating'] }, selection(['id', 'title', 'status', 'rating'])],
    ['fields[] keys', { 'fields[]': ['title', 'status'] }, selection(['id', 'title', 'status'])],
    ['fields[n] keys in index order', { 'fields[1]': 'status', 'fields[0]': 'title' }, selection(['id', 'title', 'status'])],
    ['duplicates once', { fields: 'title,title,*' }, selection(['title', ...ARTICLE_FIELDS.filter((field) => field !== 'title')])],
    ['a many-to-one alone, as its foreign key', { fields: 'title,author' }, selection(['id', 'title', 'author'])],
    [
      'a many-to-one path, with its foreign key',
      { fields: 'title,author.name' },
      selection(['id', 'title', 'author'], [nested('author', ['id', 'name'])]),
    ],
    [
      'repeated mentions of a relation, merged',
      { fields: 'author.name,title,author.email,author' },
      selection(['id', 'title', 'author'], [nested('author', ['id', 'name', 'email'])]),
    ],
    ['a relation with *', { fields: 'id,author.*' }, selection(['id', 'author'], [nested('author', AUTHOR_FIELDS)])],
    ['a one-to-many with *', { fields: 'title,comments.*' }, selection(['id', 'title'], [nested('comments', COMMENT_FIELDS)])],
    ['a one-to-many alone, as the related keys', { fields: 'title,comments' }, selection(['id', 'title'], [nested('comments', ['id'])])],
    ['a many-to-many field', { fields: 'tags.label' }, selection(['id'], [nested('tags', ['id', 'label'])])],
    ['a many-to-many alone', { fields: 'tags' }, selection(['id'], [nested('tags', ['id'])])],
    ['an alias alone and a path beneath it', { fields: 'tags.label,tags' }, selection(['id'], [nested('tags', ['id', 'label'])])],
    [
      '*.*: every relation expanded',
      { fields: '*.*' },
      selection(ARTICLE_FIELDS, [nested('author', AUTHOR_FIELDS), nested('comments', COMMENT_FIELDS), nested('tags', TAG_FIELDS)]),
    ],
    [
      'a path three relations deep',
      { fields: 'comments.article.author.name' },
      selection(['id'], [nested('comments', ['id', 'article'], [nested('article', ['id', 'author'], [nested('author', ['id', 'name'])])])]),
    ],
    [
      'a path one relation deep at maxDepth 1',
      { fields: 'author.name' },
      selection(['id', 'author'], [nested('author', ['id', 'name'])]),
      { ...OPTIONS, maxDepth: 1 },
    ],
    ['a one-to-many from the other side', { fields: 'name,articles.title' }, selection(['id', 'name'], [nested('articles', ['id', 'title'])]), 'authors'],
    ['a many-to-many from the other side', { fields: 'articles' }, selection(['id'], [nested('articles', ['id'])]), 'tags'],
  ];
  for (const [name, params, expected, extra] of cases) {
    it(`reads ${name}`, () => {
      const options = typeof extra === 'object' ? extra : OPTIONS;
      const collection = typeof extra === 'string' ? extra : 'articles';
      assert.deepEqual(parse(params, options, collection).selection, expected);
    });
  }

  const invalid: [string, Record<string, unknown>, string, Record<string, unknown>, ParseOptions?][] = [
    ['an unknown field', { fields: 'title,colour' }, 'colour', { parameter: 'fields', field: 'colour' }],
    ['an unknown field behind a relation', { fields: 'author.colour' }, 'author.colour', { field: 'author.colour' }],
    ['an unknown relation', { fields: 'writer.name' }, 'writer', { field: 'writer' }],
    ['a path through a plain field', { fields: 'title.length' }, 'title', { field: 'title.length' }],
    ['an empty segment', { fields: 'author..name' }, 'author..name', { field: 'author..name' }],
    ['a trailing dot', { fields: 'author.' }, 'author.', { field: 'author.' }],
    ['an empty first segment', { fields: '.title' }, '.title', { field: '.title' }],
    ['a field after a wildcard', { fields: '*.name' }, '*.name', { field: '*.name' }],
    ['four relations at maxDepth 3', { fields: 'comments.article.author.articles.title' }, 'comments.article.author.articles.title', { parameter: 'fields' }],
    ['two relations at maxDepth 1', { fields: 'comments.article.title' }, 'comments.article.title', { parameter: 'fields' }, { ...OPTIONS, maxDepth: 1 }],
    ['*.* at maxDepth 0', { fields: '*.*' }, '*.*', { parameter: 'fields' }, { ...OPTIONS, maxDepth: 0 }],
    ['an alias alone at maxDepth 0', { fields: 'comments' }, 'comments', { parameter: 'fields' }, { ...OPTIONS, maxDepth: 0 }],
    ['a list of non-strings', { fields: [1, 2] }, 'fields', { parameter: 'fields' }],
  ];
  for (const [name, params, culprit, extensions, options] of invalid) {
    it(`refuses ${name}`, () => assertInvalid(() => parse(params, options ?? OPTIONS), culprit, extensions));
  }

  it('refuses a filter that reaches deeper than maxDepth relations, in filter and in deep', () => {
    const tooDeep = { comments: { _some: { article: { author: { articles: { _some: { title: { _eq: 'x' } } } } } } } };
    assertInvalid(() => parse({ filter: JSON.stringify(tooDeep) }), 'comments.article.author.articles', { parameter: 'filter' });
    assertInvalid(() => parse({ filter: JSON.stringify({ author: { name: { _eq: 'Ann' } } }) }, { ...OPTIONS, maxDepth: 0 }), 'author', { parameter: 'filter' });
    assertInvalid(
      () => parse({ fields: 'comments.text', deep: JSON.stringify({ comments: { _filter: { article: { author: { name: { _eq: 'x' } } } } } }) }, { ...OPTIONS, maxDepth: 1 }),
      'article.author',
      { parameter: 'deep' },
    );
    // Comparing a many-to-one key reads no related table, so it counts no depth.
    assert.ok(parse({ filter: JSON.stringify({ author: { _eq: 3 } }) }, { ...OPTIONS, maxDepth: 0 }).filter);
  });

  it('reads a many-to-one alone as a plain field at maxDepth 0', () => {
    assert.deepEqual(parse({ fields: 'author' }, { ...OPTIONS, maxDepth: 0 }).selection, selection(['id', 'author']));
  });
});

describe('query parser: sort', () => {
  const cases: [string, Record<string, unknown>, ItemsQuery['sort'], string?][] = [
    ['a comma list', { sort: 'title,-rating' }, [{ path: ['title'], direction: 'asc' }, { path: ['rating'], direction: 'desc' }]],
    ['an array', { sort: ['-published_at', 'id'] }, [{ path: ['published_at'], direction: 'desc' }, { path: ['id'], direction: 'asc' }]],
    ['sort[] keys', { 'sort[]': ['-rating', 'title'] }, [{ path: ['rating'], direction: 'desc' }, { path: ['title'], direction: 'asc' }]],
    ['a many-to-one foreign key', { sort: 'author' }, [{ path: ['author'], direction: 'asc' }]],
    ['a path through a many-to-one', { sort: 'author.name' }, [{ path: ['author', 'name'], direction: 'asc' }]],
    ['a descending path', { sort: '-author.name' }, [{ path: ['author', 'name'], direction: 'desc' }]],
    ['a path through two many-to-ones', { sort: '-article.author.age' }, [{ path: ['article', 'author', 'age'], direction: 'desc' }], 'comments'],
    ['nothing when blank', { sort: '' }, []],
  ];
  for (const [name, params, expected, collection] of cases) {
    it(`reads ${name}`, () => assert.deepEqual(parse(params, OPTIONS, collection).sort, expected));
  }

  const invalid: [string, Record<string, unknown>, string, Record<string, unknown>, ParseOptions?][] = [
    ['a path through a one-to-many', { sort: 'comments.likes' }, 'comments', { parameter: 'sort', field: 'comments' }],
    ['a path through a many-to-many', { sort: '-tags.label' }, 'tags', { field: 'tags' }],
    ['a one-to-many alias', { sort: 'comments' }, 'comments', { field: 'comments' }],
    ['an unknown field', { sort: 'colour' }, 'colour', { field: 'colour' }],
    ['an unknown field behind a relation', { sort: 'author.colour' }, 'author.colour', { field: 'author.colour' }],
    ['a path through a plain field', { sort: 'title.x' }, 'title', { field: 'title.x' }],
    ['a bare minus', { sort: '-' }, '-', { parameter: 'sort' }],
    ['an empty segment', { sort: 'author..name' }, 'author..name', { parameter: 'sort' }],
    ['a path deeper than maxDepth', { sort: 'author.name' }, 'author.name', { parameter: 'sort' }, { ...OPTIONS, maxDepth: 0 }],
  ];
  for (const [name, params, culprit, extensions, options] of invalid) {
    it(`refuses ${name}`, () => assertInvalid(() => parse(params, options ?? OPTIONS), culprit, extensions));
  }
});

describe('query parser: limit, offset and page', () => {
  const cases: [string, Record<string, unknown>, ParseOptions, { limit: number | null; offset: number }][] = [
    ['the default limit', {}, OPTIONS, { limit: 100, offset: 0 }],
    ['a limit', { limit: '10' }, OPTIONS, { limit: 10, offset: 0 }],
    ['a numeric limit (GraphQL)', { limit: 10, offset: 5 }, OPTIONS, { limit: 10, offset: 5 }],
    ['the maximum limit', { limit: '1000' }, OPTIONS, { limit: 1000, offset: 0 }],
    ['limit=-1 without a maximum', { limit: '-1' }, UNLIMITED, { limit: null, offset: 0 }],
    ['a large limit without a maximum', { limit: '50000' }, UNLIMITED, { limit: 50000, offset: 0 }],
    ['a negative default limit as no limit', {}, { ...UNLIMITED, defaultLimit: -1 }, { limit: null, offset: 0 }],
    ['an offset', { offset: '20' }, OPTIONS, { limit: 100, offset: 20 }],
    ['offset 0', { offset: '0' }, OPTIONS, { limit: 100, offset: 0 }],
    ['a page with a limit', { page: '3', limit: '10' }, OPTIONS, { limit: 10, offset: 20 }],
    ['page 1', { page: '1', limit: '10' }, OPTIONS, { limit: 10, offset: 0 }],
    ['a page with the default limit', { page: '2' }, OPTIONS, { limit: 100, offset: 100 }],
  ];
  for (const [name, params, options, expected] of cases) {
    it(`reads ${name}`, () => {
      const query = parse(params, options);
      assert.deepEqual({ limit: query.limit, offset: query.offset }, expected);
    });
  }

  const invalid: [string, Record<string, unknown>, string, ParseOptions?][] = [
    ['limit=-1 under a maximum', { limit: '-1' }, 'limit'],
    ['a limit above the maximum', { limit: '1001' }, '1000'],
    ['limit 0', { limit: '0' }, 'limit'],
    ['limit -2', { limit: '-2' }, 'limit', UNLIMITED],
    ['a non-numeric limit', { limit: 'ten' }, 'limit'],
    ['a fractional limit', { limit: '2.5' }, 'limit'],
    ['a fractional numeric limit', { limit: 2.5 }, 'limit'],
    ['an empty limit', { limit: '' }, 'limit'],
    ['a repeated limit', { limit: ['1', '2'] }, 'limit'],
    ['a negative offset', { offset: '-1' }, 'offset'],
    ['a non-numeric offset', { offset: 'x' }, 'offset'],
    ['page 0', { page: '0' }, 'page'],
    ['a non-numeric page', { page: 'two' }, 'page'],
    ['a page with limit=-1', { page: '2', limit: '-1' }, 'page', UNLIMITED],
    ['a page with an offset', { page: '2', offset: '10' }, 'page'],
    ['a page too large to compute', { page: String(Number.MAX_SAFE_INTEGER), limit: '1000' }, 'page'],
  ];
  for (const [name, params, culprit, options] of invalid) {
    it(`refuses ${name}`, () => assertInvalid(() => parse(params, options ?? OPTIONS), culprit, { parameter: culprit === '1000' ? 'limit' : culprit }));
  }
});

describe('query parser: search and meta', () => {
  it('trims the search text', () => assert.equal(parse({ search: '  hello world ' }).search, 'hello world'));
  it('reads a blank search as none', () => assert.equal(parse({ search: '   ' }).search, null));
  it('refuses a repeated search', () => assertInvalid(() => parse({ search: ['a', 'b'] }), 'search', { parameter: 'search' }));
  it('refuses a search that is not text', () => assertInvalid(() => parse({ search: { a: 1 } }), 'search', { parameter: 'search' }));

  const cases: [unknown, ItemsQuery['meta']][] = [
    ['total_count', ['total_count']],
    ['filter_count', ['filter_count']],
    ['filter_count,total_count', ['total_count', 'filter_count']],
    ['*', ['total_count', 'filter_count']],
    [['total_count', 'total_count'], ['total_count']],
    ['', []],
  ];
  for (const [meta, expected] of cases) {
    it(`reads meta=${JSON.stringify(meta)}`, () => assert.deepEqual(parse({ meta }).meta, expected));
  }
  it('refuses an unknown meta', () => assertInvalid(() => parse({ meta: 'total_count,rows' }), 'rows', { parameter: 'meta', value: 'rows' }));
});

describe('query parser: aggregate and groupBy', () => {
  const cases: [string, Record<string, unknown>, ItemsQuery['aggregate']][] = [
    [
      'JSON (the SDK form)',
      { aggregate: '{"count":"*","sum":["price"],"avg":"rating"}' },
      [{ fn: 'count', field: '*' }, { fn: 'sum', field: 'price' }, { fn: 'avg', field: 'rating' }],
    ],
    [
      'bracket form',
      { 'aggregate[count]': '*', 'aggregate[sum]': 'price,rating' },
      [{ fn: 'count', field: '*' }, { fn: 'sum', field: 'price' }, { fn: 'sum', field: 'rating' }],
    ],
    ['an object (GraphQL)', { aggregate: { max: ['published_at', 'title'] } }, [{ fn: 'max', field: 'published_at' }, { fn: 'max', field: 'title' }]],
    [
      'every function',
      { aggregate: { count: 'id', countDistinct: 'author', sum: 'rating', avg: 'price', min: 'title', max: 'published_at' } },
      [
        { fn: 'count', field: 'id' },
        { fn: 'countDistinct', field: 'author' },
        { fn: 'sum', field: 'rating' },
        { fn: 'avg', field: 'price' },
        { fn: 'min', field: 'title' },
        { fn: 'max', field: 'published_at' },
      ],
    ],
    ['repeated terms once', { aggregate: '{"sum":"rating,rating"}', 'aggregate[sum]': 'rating' }, [{ fn: 'sum', field: 'rating' }]],
    ['aggregate[fn][] keys', { 'aggregate[min][]': ['rating', 'price'] }, [{ fn: 'min', field: 'rating' }, { fn: 'min', field: 'price' }]],
  ];
  for (const [name, params, expected] of cases) {
    it(`reads ${name}`, () => assert.deepEqual(parse(params).aggregate, expected));
  }

  it('reads groupBy with aggregate', () => {
    const query = parse({ aggregate: '{"count":"*"}', groupBy: 'status,author' });
    assert.deepEqual({ aggregate: query.aggregate, groupBy: query.groupBy }, { aggregate: [{ fn: 'count', field: '*' }], groupBy: ['status', 'author'] });
  });
  it('reads aggregates of fields through many-to-one paths', () => {
    assert.deepEqual(parse({ aggregate: { max: 'author.name', countDistinct: 'author' } }).aggregate, [
      { fn: 'max', field: 'author.name' },
      { fn: 'countDistinct', field: 'author' },
    ]);
  });
  it('reads groupBy without aggregate', () => assert.deepEqual(parse({ groupBy: ['status', 'status'] }).groupBy, ['status']));
  it('reads groupBy[] keys', () => assert.deepEqual(parse({ 'groupBy[]': ['featured'] }).groupBy, ['featured']));

  const invalid: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
    ['an unknown function', { aggregate: '{"median":"rating"}' }, 'median', { parameter: 'aggregate', function: 'median' }],
    ['* with sum', { 'aggregate[sum]': '*' }, 'sum', { function: 'sum', field: '*' }],
    ['sum on text', { aggregate: { sum: 'title' } }, 'title', { function: 'sum', field: 'title' }],
    ['avg on a boolean', { aggregate: { avg: 'featured' } }, 'featured', { function: 'avg', field: 'featured' }],
    ['avg on a date', { aggregate: { avg: 'published_at' } }, 'published_at', { field: 'published_at' }],
    ['an unknown field', { 'aggregate[min]': 'colour' }, 'colour', { parameter: 'aggregate', field: 'colour' }],
    ['an alias', { aggregate: { count: 'comments' } }, 'comments', { field: 'comments' }],
    ['a path through a one-to-many', { aggregate: { max: 'comments.body' } }, 'comments', { parameter: 'aggregate', field: 'comments' }],
    ['sum on text through a many-to-one', { aggregate: { sum: 'author.name' } }, 'author.name', { function: 'sum', field: 'author.name' }],
    ['a function without fields', { 'aggregate[count]': '' }, 'count', { function: 'count' }],
    ['malformed JSON', { aggregate: '{"count":' }, 'aggregate', { parameter: 'aggregate' }],
    ['a JSON array', { aggregate: '["count"]' }, 'aggregate', { parameter: 'aggregate' }],
    ['an object as fields', { aggregate: { count: { a: 1 } } }, 'aggregate[count]', { parameter: 'aggregate' }],
    ['an unknown groupBy field', { groupBy: 'status,colour' }, 'colour', { parameter: 'groupBy', field: 'colour' }],
    ['a groupBy alias', { groupBy: 'tags' }, 'tags', { parameter: 'groupBy', field: 'tags' }],
  ];
  for (const [name, params, culprit, extensions] of invalid) {
    it(`refuses ${name}`, () => assertInvalid(() => parse(params), culprit, extensions));
  }
});

describe('query parser: deep', () => {
  const withComments = (options: Partial<NestedRead>) => selection(['id', 'title'], [nested('comments', COMMENT_FIELDS, [], options)]);

  const cases: [string, Record<string, unknown>, Selection, ParseOptions?][] = [
    [
      'every option in JSON (the SDK form)',
      { fields: 'title,comments.*', deep: '{"comments":{"_filter":{"likes":{"_gt":5}},"_sort":"-likes","_limit":5,"_offset":10}}' },
      withComments({ filter: cmp('likes', '_gt', 5), sort: [{ path: ['likes'], direction: 'desc' }], limit: 5, offset: 10 }),
    ],
    [
      'every option in bracket form',
      {
        fields: 'title,comments.*',
        'deep[comments][_filter][likes][_gt]': '5',
        'deep[comments][_sort]': '-likes,text',
        'deep[comments][_limit]': '5',
        'deep[comments][_offset]': '2',
      },
      withComments({
        filter: cmp('likes', '_gt', 5),
        sort: [{ path: ['likes'], direction: 'desc' }, { path: ['text'], direction: 'asc' }],
        limit: 5,
        offset: 2,
      }),
    ],
    [
      'a JSON _filter inside bracket form',
      { fields: 'title,comments.*', 'deep[comments][_filter]': '{"text":{"_icontains":"great"}}' },
      withComments({ filter: cmp('text', '_icontains', 'great') }),
    ],
    [
      'a relational _filter and a _sort through a many-to-one',
      { fields: 'title,comments.*', deep: { comments: { _filter: { article: { featured: { _eq: '1' } } }, _sort: ['article.title'] } } },
      withComments({ filter: some('article', cmp('featured', '_eq', true)), sort: [{ path: ['article', 'title'], direction: 'asc' }] }),
    ],
    [
      '_limit -1 without a maximum',
      { fields: 'title,comments.*', 'deep[comments][_limit]': '-1' },
      withComments({ limit: null }),
      UNLIMITED,
    ],
    ['an empty _filter as none', { fields: 'title,comments.*', deep: { comments: { _filter: {} } } }, withComments({})],
    [
      'a many-to-many',
      { fields: 'tags.label', deep: { tags: { _sort: 'label', _limit: 3 } } },
      selection(['id'], [nested('tags', ['id', 'label'], [], { sort: [{ path: ['label'], direction: 'asc' }], limit: 3 })]),
    ],
    [
      'a one-to-many beneath a many-to-one',
      { fields: 'author.articles.title', 'deep[author][articles][_limit]': '2' },
      selection(['id', 'author'], [nested('author', ['id'], [nested('articles', ['id', 'title'], [], { limit: 2 })])]),
    ],
    ['a relation not in fields, ignored', { fields: 'title', deep: { comments: { _limit: 5 }, author: { _limit: 1 } } }, selection(['id', 'title'])],
    ['an empty deep', { fields: 'title', deep: '{}' }, selection(['id', 'title'])],
  ];
  for (const [name, params, expected, options] of cases) {
    it(`applies ${name}`, () => assert.deepEqual(parse(params, options ?? OPTIONS).selection, expected));
  }

  const invalid: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
    ['a key that is no relation', { fields: 'title', deep: { title: { _limit: 1 } } }, 'title', { parameter: 'deep', field: 'title' }],
    ['an unknown key', { fields: 'title', 'deep[colour][_limit]': '1' }, 'colour', { parameter: 'deep', field: 'colour' }],
    ['an unknown nested key', { fields: 'comments.*', deep: { comments: { colour: {} } } }, 'comments.colour', { field: 'comments.colour' }],
    ['_limit on a many-to-one', { fields: 'author.name', 'deep[author][_limit]': '1' }, '_limit', { parameter: 'deep', field: 'author', operator: '_limit' }],
    ['_filter on a many-to-one', { fields: 'author.name', deep: { author: { _filter: { name: { _eq: 'Ann' } } } } }, 'author', { operator: '_filter' }],
    ['an unknown option', { fields: 'comments.*', deep: { comments: { _page: 2 } } }, '_page', { field: 'comments', operator: '_page' }],
    ['an option outside any relation', { fields: 'comments.*', deep: { _limit: 2 } }, '_limit', { operator: '_limit' }],
    ['a relation that is not an object', { fields: 'comments.*', 'deep[comments]': '5' }, 'deep[comments]', { field: 'comments' }],
    [
      'an unknown field in _filter',
      { fields: 'comments.*', deep: { comments: { _filter: { colour: { _eq: 1 } } } } },
      'Unknown field "colour" in deep[comments][_filter]',
      { parameter: 'deep', field: 'colour' },
    ],
    ['an invalid value in _filter', { fields: 'comments.*', 'deep[comments][_filter][likes][_gt]': 'many' }, '"many"', { parameter: 'deep', field: 'likes' }],
    ['a _sort on an unknown field', { fields: 'comments.*', 'deep[comments][_sort]': 'colour' }, 'colour', { parameter: 'deep', field: 'colour' }],
    ['a _limit of 0', { fields: 'comments.*', 'deep[comments][_limit]': '0' }, '_limit', { parameter: 'deep' }],
    ['a _limit above the maximum', { fields: 'comments.*', deep: { comments: { _limit: 5000 } } }, '1000', { parameter: 'deep' }],
    ['_limit=-1 under a maximum', { fields: 'comments.*', deep: { comments: { _limit: -1 } } }, '_limit', { parameter: 'deep' }],
    ['a negative _offset', { fields: 'comments.*', deep: { comments: { _offset: '-3' } } }, '_offset', { parameter: 'deep' }],
    ['malformed JSON', { fields: 'comments.*', deep: '{"comments":' }, 'deep', { parameter: 'deep' }],
    ['a JSON array', { fields: 'comments.*', deep: '[]' }, 'deep', { parameter: 'deep' }],
  ];
  for (const [name, params, culprit, extensions] of invalid) {
    it(`refuses ${name}`, () => assertInvalid(() => parse(params), culprit, extensions));
  }

  it('refuses a _sort through a one-to-many of the related collection', () => {
    assertInvalid(() => parse({ fields: 'author.articles.title', deep: { author: { articles: { _sort: 'comments.likes' } } } }), 'comments', {
      parameter: 'deep',
      field: 'comments',
    });
  });
});

describe('query parser: whole requests', () => {
  it('parses what @directus/sdk sends for readItems', () => {
    // readItems('articles', { fields: ['title', 'author.name', 'comments.text'], filter, sort, limit, page, deep, meta })
    const params = {
      fields: 'title,author.name,comments.text',
      filter: '{"_and":[{"status":{"_eq":"published"}},{"author":{"name":{"_icontains":"ann"}}}]}',
      sort: '-published_at,title',
      limit: '20',
      page: '2',
      deep: '{"comments":{"_sort":"-likes","_limit":3}}',
      search: 'graph',
      meta: 'filter_count',
    };
    assert.deepEqual(parse(params), {
      collection: 'articles',
      selection: selection(
        ['id', 'title', 'author'],
        [nested('author', ['id', 'name']), nested('comments', ['id', 'text'], [], { sort: [{ path: ['likes'], direction: 'desc' }], limit: 3 })],
      ),
      filter: and(cmp('status', '_eq', 'published'), some('author', cmp('name', '_icontains', 'ann'))),
      search: 'graph',
      sort: [{ path: ['published_at'], direction: 'desc' }, { path: ['title'], direction: 'asc' }],
      limit: 20,
      offset: 20,
      aggregate: [],
      groupBy: [],
      meta: ['filter_count'],
    });
  });

  it('parses what @directus/sdk sends for aggregate', () => {
    const query = parse({ aggregate: '{"count":"*","avg":"rating"}', groupBy: 'status', filter: '{"featured":{"_eq":true}}' });
    assert.deepEqual(
      { aggregate: query.aggregate, groupBy: query.groupBy, filter: query.filter },
      { aggregate: [{ fn: 'count', field: '*' }, { fn: 'avg', field: 'rating' }], groupBy: ['status'], filter: cmp('featured', '_eq', true) },
    );
  });

  it('parses structured values (GraphQL) like their string forms', () => {
    const fromStrings = parse({ fields: 'title,comments.likes', sort: '-rating', filter: '{"rating":{"_gte":3}}', limit: '5', deep: '{"comments":{"_limit":2}}' });
    const fromValues = parse({ fields: ['title', 'comments.likes'], sort: ['-rating'], filter: { rating: { _gte: 3 } }, limit: 5, deep: { comments: { _limit: 2 } } });
    assert.deepEqual(fromValues, fromStrings);
  });

  it('names only fields and collections of the registry in the AST', () => {
    const query = parse({
      fields: '*.*,comments.article.author.name',
      filter: '{"comments":{"_some":{"article":{"author":{"name":{"_eq":"x"}}}}},"tags":{"_none":{"label":{"_eq":"y"}}}}',
      sort: '-author.name',
      groupBy: 'status',
      aggregate: '{"sum":"rating"}',
    });
    const checkSelection = (collection: string, read: Selection) => {
      const def = findCollection(schema, collection)!;
      for (const field of read.fields) assert.ok(findField(def, field), `${collection}.${field}`);
      for (const relation of read.relations) {
        const relational = findRelationalField(schema, collection, relation.field);
        assert.ok(relational, `${collection}.${relation.field}`);
        checkSelection(relational.related, relation.selection);
      }
    };
    const checkFilter = (collection: string, node: FilterNode) => {
      switch (node.type) {
        case 'and':
        case 'or':
          for (const child of node.children) checkFilter(collection, child);
          return;
        case 'compare':
          assert.ok(findField(findCollection(schema, collection)!, node.field), `${collection}.${node.field}`);
          return;
        case 'relation': {
          const relational = findRelationalField(schema, collection, node.field);
          assert.ok(relational, `${collection}.${node.field}`);
          checkFilter(relational.related, node.filter);
        }
      }
    };
    checkSelection('articles', query.selection);
    checkFilter('articles', query.filter!);
  });
});
