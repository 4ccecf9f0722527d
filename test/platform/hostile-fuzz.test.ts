import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { COMPARISON_OPERATORS } from '../../src/engine/query/query.ast';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';

/**
 * Generated hostile requests against the items routes, GraphQL and the auth routes: bodies, query
 * strings, path segments and headers. Whatever comes in, no answer may be a 5xx, nor a GraphQL error
 * coded INTERNAL_SERVER_ERROR, and every error answer is in the contract's envelope. The seed is fixed, so a failure replays exactly; fast-check prints the
 * request that failed, shrunk. The cases it once found are regression cases in hostile-input.test.ts.
 */
const SEED = 20_151_515;
const RUNS = 1000;

// ---------------------------------------------------------------------------------------------------
// Text and numbers

/** A value only now and then (null otherwise): most requests should get past their first check. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, arbitrary);
/** Mostly one of the names a route knows, now and then anything. */
const mostly = <T>(known: fc.Arbitrary<T>, other: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: known }, other);

/** Any UTF-16 code unit: NUL, control characters and lone surrogates included. */
const CODE_UNIT = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const NASTY_TEXT = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\ud83d\ude00', '__proto__', 'constructor', 'prototype', 'toString',
  '$NOW', '$NOW(-1 day)', '$NOW(', '$NOW(+99999999999 years)', '$CURRENT_USER', '$CURRENT_ROLE', '%', '_', '\\', '*', '[', ']',
  "'; DROP TABLE posts; --", '1e400', '-0', 'NaN', 'Infinity', '9223372036854775808', '-2147483649', '99999999999999999999999',
  '0x10', '1.5', 'true', 'null', '[]', '{}', '-', '..', ',', ',,', 'a,b', 'title', '-title', 'author.name', 'posts.title', '*.*.*.*',
  '00000000-0000-4000-8000-000000000000', '2024-02-30', '25:61', 'ﬀ', 'İ', 'ß',
];
const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_TEXT) },
  { weight: 4, arbitrary: fc.string({ unit: CODE_UNIT, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 4_000 }).map((length) => 'x'.repeat(length)) },
);
const NASTY_NUMBERS = [0, -0, 1, -1, 2147483647, 2147483648, -2147483649, 1e20, -1e20, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 2 ** 63, 0.1, 1.5];
const number = fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.integer(), fc.double());
/** Numbers as a client may spell them in JSON or a query string, beyond what JavaScript reads exactly. */
const numberText = fc.oneof(
  number.map((value) => JSON.stringify(value)),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-9223372036854775809', '1.0000000000000000000001', '0.0', '-1'),
);

// ---------------------------------------------------------------------------------------------------
// JSON, written as text so that any key (__proto__ too) and any escape reaches the server

const FIELDS = ['id', 'title', 'body', 'qty', 'big', 'score', 'price', 'flag', 'day', 'at', 'moment', 'details', 'kind', 'ref', 'author', 'created_at', 'created_by', 'name', 'posts'];
const OPERATORS = [...COMPARISON_OPERATORS, '_some', '_none', '_and', '_or', '_foo', '_regex', 'eq', '_IN', '_between '];
const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FIELDS) },
  { weight: 2, arbitrary: fc.constantFrom(...OPERATORS) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'keys', 'data', '0', '') },
  { weight: 1, arbitrary: text },
);
const scalarJson = fc.oneof(text.map((value) => JSON.stringify(value)), numberText, fc.constantFrom('true', 'false', 'null'));
/** Nesting far past every limit: arrays, objects, or filter groups. */
const deepJson = fc.tuple(fc.integer({ min: 25, max: 5_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"_and":[', ']}'])).map(
  ([depth, [open, close]]) => `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`,
);
const { json } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    { weight: 6, arbitrary: scalarJson },
    { weight: 3, arbitrary: tie('array') },
    { weight: 3, arbitrary: tie('object') },
    { weight: 1, arbitrary: deepJson },
  ),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(key, tie('json')), { maxLength: 4 }).map((entries) => `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`),
}));
const objectText = (entries: Array<[string, string]>) => `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;

/** A filter: mostly well-formed, with hostile operands, unknown operators, arrays for objects and the reverse. */
const { filter } = fc.letrec<{ filter: string; comparison: string; logical: string; relational: string }>((tie) => ({
  filter: fc.oneof({ depthSize: 'small', maxDepth: 4 }, tie('comparison'), tie('comparison'), tie('logical'), tie('relational'), json),
  comparison: fc.tuple(mostly(fc.constantFrom(...FIELDS), key), mostly(fc.constantFrom(...COMPARISON_OPERATORS), fc.constantFrom(...OPERATORS)), fc.oneof({ weight: 4, arbitrary: scalarJson }, json, fc.array(scalarJson, { maxLength: 3 }).map((items) => `[${items.join(',')}]`))).map(
    ([field, operator, operand]) => objectText([[field, objectText([[operator, operand]])]]),
  ),
  logical: fc.tuple(fc.constantFrom('_and', '_or'), fc.array(tie('filter'), { maxLength: 3 }), fc.boolean()).map(([logical, children, asList]) =>
    objectText([[logical, asList ? `[${children.join(',')}]` : (children[0] ?? '{}')]]),
  ),
  relational: fc.tuple(fc.constantFrom('author', 'posts'), fc.constantFrom('', '_some', '_none'), tie('filter')).map(([relation, quantifier, inner]) =>
    objectText([[relation, quantifier ? objectText([[quantifier, inner]]) : inner]]),
  ),
}));

// ---------------------------------------------------------------------------------------------------
// Query strings

/** Percent-encodes any string, lone surrogates as the bytes UTF-8 would have used (which are not UTF-8). */
function percentEncode(value: string): string {
  let encoded = '';
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    const pair = unit >= 0xd800 && unit <= 0xdbff && index + 1 < value.length && value.charCodeAt(index + 1) >= 0xdc00 && value.charCodeAt(index + 1) <= 0xdfff;
    if (pair) {
      encoded += encodeURIComponent(value.slice(index, index + 2));
      index += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      encoded += `%${(0xe0 | (unit >> 12)).toString(16)}%${(0x80 | ((unit >> 6) & 0x3f)).toString(16)}%${(0x80 | (unit & 0x3f)).toString(16)}`;
    } else {
      encoded += encodeURIComponent(value[index]);
    }
  }
  return encoded;
}

const list = fc.array(fc.oneof(fc.constantFrom(...FIELDS, '*', '*.*', '-qty', 'author.name', 'posts.title', 'nope'), text), { maxLength: 5 }).map((items) => items.join(','));
const segment = fc.oneof(fc.constantFrom(...FIELDS, ...OPERATORS, '0', '1', '', '__proto__', 'constructor'), text.filter((value) => value.length < 40));
/** A bracket key: `filter[title][_eq]`, `deep[posts][_limit]`, `filter[_and][0]…` hundreds deep, or malformed. */
const bracketKey = (base: string) =>
  fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => `${base}${segments.map((name) => `[${percentEncode(name)}]`).join('')}`),
    fc.integer({ min: 60, max: 850 }).map((depth) => `${base}${'[_and][0]'.repeat(depth)}[title][_eq]`),
    fc.constantFrom(`${base}[`, `${base}]`, `${base}[]`, `${base}[][x]`, `${base}[[x]]`, `${base}[__proto__][polluted]`, `${base}[constructor][prototype]`),
  );
const AGGREGATES = ['count', 'countDistinct', 'sum', 'avg', 'min', 'max', 'median', '__proto__'];
const aggregate = fc.array(fc.tuple(fc.constantFrom(...AGGREGATES), fc.oneof(list.map((items) => JSON.stringify(items)), json)), { maxLength: 3 }).map((entries) => objectText(entries));
const deep = fc.array(fc.tuple(fc.constantFrom('posts', 'author', 'nope', '_limit', '_filter'), fc.oneof(json, filter.map((inner) => objectText([['_filter', inner]])))), { maxLength: 2 }).map((entries) => objectText(entries));

/** One query parameter, already encoded. */
const parameter = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constant('filter'), filter) },
  fc.tuple(bracketKey('filter'), text),
  fc.tuple(fc.constantFrom('fields', 'sort', 'groupBy', 'meta', 'fields[]', 'sort[]'), list),
  fc.tuple(fc.constantFrom('limit', 'offset', 'page'), fc.oneof(numberText, text)),
  fc.tuple(fc.constant('search'), text),
  fc.tuple(fc.constant('aggregate'), aggregate),
  fc.tuple(bracketKey('aggregate'), list),
  fc.tuple(fc.constant('deep'), deep),
  fc.tuple(bracketKey('deep'), fc.oneof(text, numberText)),
  fc.tuple(fc.constantFrom('title', 'qty__gt', 'qty__in', 'big__lte', 'flag', 'at__gte', 'title__isnull', 'title__nope', 'author', 'access_token'), fc.oneof(text, numberText)),
  { weight: 1, arbitrary: fc.tuple(text, text) },
).map(([name, value]) => `${/^[\w[\]]*$/.test(name) ? name : percentEncode(name)}=${percentEncode(value)}`);
/** Kept under Node's header size, past which the HTTP parser itself answers 431. */
const queryString = fc.array(parameter, { maxLength: 5 }).map((parameters) => parameters.join('&')).filter((query) => query.length < 12_000);

// ---------------------------------------------------------------------------------------------------
// GraphQL

const { gqlValue } = fc.letrec<{ gqlValue: string; list: string; object: string }>((tie) => ({
  gqlValue: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    text.map((value) => JSON.stringify(value)),
    numberText,
    fc.constantFrom('true', 'false', 'null', 'draft', '$f', '"\\u0000"', '"\\ud800"'),
    tie('list'),
    tie('object'),
  ),
  list: fc.array(tie('gqlValue'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
  object: fc.array(fc.tuple(fc.constantFrom(...FIELDS, ...OPERATORS, '__proto__', 'constructor'), tie('gqlValue')), { maxLength: 3 }).map(
    (entries) => `{${entries.map(([name, value]) => `${name}: ${value}`).join(', ')}}`,
  ),
}));
const document = fc.oneof(
  fc.tuple(fc.constantFrom('posts', 'authors', 'nope'), gqlValue, gqlValue, gqlValue).map(([root, where, sort, limit]) => `{ ${root}(filter: ${where}, sort: ${sort}, limit: ${limit}) { id title author { name } } }`),
  fc.tuple(gqlValue, gqlValue).map(([groupBy, where]) => `{ posts_aggregated(groupBy: ${groupBy}, filter: ${where}) { group countAll sum { qty score } avg { score big } min { qty } max { big } } }`),
  fc.tuple(fc.constantFrom('create_posts_item', 'update_posts_item', 'delete_posts_item', 'create_posts_items'), gqlValue, gqlValue).map(([name, id, data]) => `mutation { ${name}(id: ${id}, data: ${data}) { id } }`),
  gqlValue.map((id) => `{ posts_by_id(id: ${id}) { id details } }`),
  fc.constantFrom('subscription { posts_mutated { key } }', '{ __schema { types { name } } }', 'query Q($f: posts_Filter, $n: Int) { posts(filter: $f, limit: $n) { id } }', '{ a: posts { id } b: posts { id } }'),
  fc.integer({ min: 10, max: 10_000 }).map((depth) => `{ ${'posts { '.repeat(depth)}id${' }'.repeat(depth)} }`),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => '{'.repeat(depth)),
  text,
);
const graphqlBody = fc
  .record({
    query: document,
    variables: fc.option(fc.oneof({ weight: 4, arbitrary: fc.record({ f: filter, n: numberText }).map(({ f, n }) => objectText([['f', f], ['n', n]])) }, json)),
    extensions: rarely(json),
    operationName: rarely(text),
  })
  .map(({ query, variables, extensions, operationName }) =>
    objectText([['query', JSON.stringify(query)], ...(variables === null ? [] : [['variables', variables] as [string, string]]), ...(extensions === null ? [] : [['extensions', extensions] as [string, string]]), ...(operationName === null ? [] : [['operationName', JSON.stringify(operationName)] as [string, string]])]),
  );

// ---------------------------------------------------------------------------------------------------
// Requests

/** A request as the property sends it; `auth` is resolved when it runs (the owner's token exists only then). */
interface HostileRequest {
  method: string;
  /** The path under the workspace's `/api/v1/w/{ws}` when it starts with `/items` or `/graphql`; else absolute. */
  path: string;
  auth: 'owner' | 'none' | { header: string };
  contentType: string | null;
  requestId: string | null;
  body: string | null;
}

/** Header values fetch can send: Latin-1 without control characters. */
const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code)), maxLength: 200 }),
  fc.constantFrom('Bearer', 'Bearer ', 'Bearer cairn_', 'Bearer cairn_x', 'Basic dXNlcjpwYXNz', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Bearer a.b.c', 'bearer  x  y'),
);
const requestId = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, headerText);
const auth = fc.oneof({ weight: 8, arbitrary: fc.constant<'owner'>('owner') }, fc.constant<'none'>('none'), headerText.map((header) => ({ header })));
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/xml', 'application/json; charset=latin1', 'application/jsonx'];
const contentType = fc.oneof({ weight: 12, arbitrary: fc.constant('application/json') }, fc.constantFrom(...CONTENT_TYPES), headerText, fc.constant(null));
const pathSegment = fc.oneof(fc.constantFrom('%00', 'a%00b', '%ED%A0%80', '%C0%AF', '..', '%2F', '%2e%2e', 'x'.repeat(101), '1', '0', '-1', '99999999999', '2147483648', '1.5', 'posts', 'authors', 'nope'), text.map(percentEncode));

const WRITABLE = ['title', 'body', 'qty', 'big', 'score', 'price', 'flag', 'day', 'at', 'moment', 'details', 'kind', 'ref', 'author'];
/** An item: mostly fields it has, holding hostile values. */
const item = fc.array(fc.tuple(mostly(fc.constantFrom(...WRITABLE), key), fc.oneof({ weight: 5, arbitrary: scalarJson }, json)), { maxLength: 5 }).map((entries) => objectText(entries));
const keys = fc.array(fc.oneof(fc.constantFrom('1', '2', '3', '4'), scalarJson), { maxLength: 4 }).map((items) => `[${items.join(',')}]`);
const itemBody = fc.oneof(
  { weight: 6, arbitrary: item },
  { weight: 2, arbitrary: fc.array(item, { maxLength: 3 }).map((items) => `[${items.join(',')}]`) },
  { weight: 2, arbitrary: fc.tuple(mostly(keys, json), mostly(item, json)).map(([ids, data]) => objectText([['keys', ids], ['data', data]])) },
  { weight: 2, arbitrary: keys },
  json,
  deepJson,
  fc.constantFrom('', '{', '{"title":', 'null', '"text"', '[]', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', 'title=x&qty=1'),
);
const authBody = fc
  .record({ email: fc.oneof(text, fc.constantFrom('owner@example.com', 'a@b.co', 'A@B.CO ', 'a\u0000@b.co')), password: fc.oneof(text, fc.constant('password-123')), extra: fc.array(fc.tuple(key, json), { maxLength: 2 }), token: fc.oneof(text, fc.constant('x.y.z')), mode: fc.oneof(text, fc.constantFrom('json', 'cookie')) })
  .map(({ email, password, extra, token, mode }) => objectText([['email', JSON.stringify(email)], ['password', JSON.stringify(password)], ['refresh_token', JSON.stringify(token)], ['mode', JSON.stringify(mode)], ...extra]));

const itemsRequest = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'PATCH', 'DELETE', 'PUT'),
  path: fc.tuple(fc.constantFrom('posts', 'posts', 'authors'), rarely(mostly(fc.constantFrom('1', '2', '3'), pathSegment)), queryString).map(
    ([collection, id, query]) => `/items/${collection}${id === null ? '' : `/${id}`}?${query}`,
  ),
  auth,
  contentType,
  requestId,
  body: fc.option(itemBody, { freq: 8 }),
});
const graphqlPost = fc.record({ method: fc.constant('POST'), path: fc.constant('/graphql'), auth, contentType, requestId, body: fc.option(graphqlBody, { freq: 8 }) });
const graphqlGet = fc.record({
  method: fc.constant('GET'),
  path: fc
    .tuple(document, rarely(json), rarely(json))
    .map(([query, variables, extensions]) => `/graphql?query=${percentEncode(query)}${variables === null ? '' : `&variables=${percentEncode(variables)}`}${extensions === null ? '' : `&extensions=${percentEncode(extensions)}`}`)
    .filter((path) => path.length < 12_000),
  auth,
  contentType: fc.constant(null),
  requestId,
  body: fc.constant(null),
});
/** The auth routes, the platform's and a workspace's. */
const authRequest = fc.record({
  method: fc.constant('POST'),
  path: fc.tuple(fc.constantFrom('/api/v1/auth', '/api/v1/auth', '/api/v1/w/{ws}/auth', '/api/v1/w/%00/auth'), fc.constantFrom('register', 'login', 'refresh', 'logout')).map(([prefix, route]) => `${prefix}/${route}`),
  auth,
  contentType,
  requestId,
  body: fc.option(fc.oneof(authBody, itemBody)),
});
/** Hostile segments anywhere in a workspace's routes. */
const segmentsRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
  path: fc.tuple(pathSegment, pathSegment, fc.option(pathSegment), fc.constantFrom('items', 'graphql', 'auth')).map(([ws, collection, id, route]) => `/api/v1/w/${ws}/${route}/${collection}${id === null ? '' : `/${id}`}`),
  auth,
  contentType,
  requestId,
  body: fc.option(itemBody),
});
const request: fc.Arbitrary<HostileRequest> = fc.oneof(
  { weight: 5, arbitrary: itemsRequest },
  { weight: 3, arbitrary: graphqlPost },
  { weight: 1, arbitrary: graphqlGet },
  { weight: 1, arbitrary: authRequest },
  { weight: 1, arbitrary: segmentsRequest },
);

/** What the property found wrong with an answer, or null: a 5xx, a hidden one, or an error outside the envelope. */
function fault(status: number, contentType: string, body: string): string | null {
  if (status >= 500) return `status ${status}`;
  if (body.includes('"INTERNAL_SERVER_ERROR"')) return 'an INTERNAL_SERVER_ERROR in the answer';
  if (status >= 400 && !contentType.startsWith('text/event-stream') && !isEnvelope(body)) return `a ${status} outside the error envelope`;
  return null;
}

function isEnvelope(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0 && parsed.errors.every((error) => typeof error.message === 'string' && typeof error.extensions?.code === 'string');
  } catch {
    return false;
  }
}

describeEachDatabase('hostile requests, generated', {}, (suite) => {
  let token: string;
  let base: string;

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    token = owned.owner.accessToken;
    base = owned.base;
    const { api } = owned;
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string', length: 100 },
        { field: 'body', type: 'text' },
        { field: 'qty', type: 'integer' },
        { field: 'big', type: 'bigint' },
        { field: 'score', type: 'float' },
        { field: 'price', type: 'decimal', precision: 8, scale: 2 },
        { field: 'flag', type: 'boolean' },
        { field: 'day', type: 'date' },
        { field: 'at', type: 'datetime' },
        { field: 'moment', type: 'time' },
        { field: 'details', type: 'json' },
        { field: 'kind', type: 'enum', values: ['draft', 'published'] },
        { field: 'ref', type: 'uuid' },
        { field: 'code', type: 'autocode', autocode: { prefix: 'P-', padding: 4 } },
      ],
    });
    const steps = [
      await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'RESTRICT', one_field: 'posts' }),
      await api.post(`${base}/items/authors`, [{ name: 'Ann' }, { name: 'Bob' }]),
      await api.post(`${base}/items/posts`, [
        { title: 'first', qty: 5, big: '9007199254740993', score: 1e308, price: 12.5, flag: true, day: '2024-02-29', at: '2024-02-29T12:00:00Z', moment: '12:30', details: { a: [1, 'x'] }, kind: 'draft', author: 1 },
        { title: 'second', qty: -3, score: 1e308, author: 2 },
        { title: 'third' },
      ]),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  it(`answers ${RUNS} generated hostile requests without a 5xx (seed ${SEED})`, async () => {
    const send = async (hostile: HostileRequest) => {
      const headers: Record<string, string> = {};
      if (hostile.auth === 'owner') headers.authorization = `Bearer ${token}`;
      else if (hostile.auth !== 'none') headers.authorization = hostile.auth.header;
      if (hostile.contentType !== null) headers['content-type'] = hostile.contentType;
      if (hostile.requestId !== null) headers['x-request-id'] = hostile.requestId;
      const path = hostile.path.startsWith('/api/') ? hostile.path.replace('{ws}', base.split('/').pop()!) : `${base}${hostile.path}`;
      const withBody = hostile.body !== null && hostile.method !== 'GET';
      const response = await fetch(`${suite.app.url}${path}`, { method: hostile.method, headers, body: withBody ? hostile.body : undefined, signal: AbortSignal.timeout(20_000) });
      const body = await response.text();
      const problem = fault(response.status, response.headers.get('content-type') ?? '', body);
      if (problem) throw new Error(`${problem}: ${hostile.method} ${path}\n${body.slice(0, 500)}`);
    };
    await fc.assert(fc.asyncProperty(request, send), { seed: SEED, numRuns: RUNS });
  });
});
