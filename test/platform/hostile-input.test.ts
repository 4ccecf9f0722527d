import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import { graphql } from '../support/graphql';
import type { Api, ApiResponse } from '../support/http';
import { RealtimeClient } from '../support/realtime';

/** What every case reaches: the owner's client, an anonymous one, and the workspace's paths. */
interface Context {
  token: string;
  api: Api;
  anonymous: Api;
  base: string;
  /** The items path of `posts`. */
  posts: string;
}

/** A request Cairn must refuse: with this status and code, and a message that names the culprit. */
interface Refusal {
  name: string;
  send: (ctx: Context) => Promise<ApiResponse>;
  status: number;
  code: string;
  /** What the first error's message must name. */
  names: RegExp;
  /** The first error's `extensions.field`, when it has one. */
  field?: string;
  /** Other extensions the first error must carry. */
  extensions?: Record<string, unknown>;
}

/** A JSON body sent as this exact text, so it can hold escapes (lone surrogates) that JSON.stringify would not write. */
const rawJson = (content: string) => ({ raw: { content, contentType: 'application/json' } });
/** JSON text of arrays (or other openers and closers) nested `depth` levels deep. */
const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
/** A filter of `_and`/`_or` groups nested `levels` deep, each holding the next and one comparison: 2 JSON levels each, 2 more for the last. */
function deepFilter(levels: number, logical: '_and' | '_or'): unknown {
  let filter: unknown = { title: { _eq: 'first' } };
  for (let level = 0; level < levels; level++) filter = { [logical]: [filter, { title: { _neq: 'none' } }] };
  return filter;
}
const filterOf = (filter: unknown) => `filter=${encodeURIComponent(typeof filter === 'string' ? filter : JSON.stringify(filter))}`;

const REFUSALS: Refusal[] = [
  // A NUL character or a lone surrogate: PostgreSQL stores neither, and the others would store them
  // altered, so they are refused everywhere, naming where they are.
  { name: 'a NUL in a written string value', send: (c) => c.api.post(c.posts, { title: 'a\u0000b' }), status: 400, code: 'INVALID_PAYLOAD', names: /"title".*NUL/, field: 'title' },
  { name: 'a NUL in a written text value', send: (c) => c.api.post(c.posts, { body: 'a\u0000b' }), status: 400, code: 'INVALID_PAYLOAD', names: /"body".*NUL/, field: 'body' },
  { name: 'a NUL in a batch item', send: (c) => c.api.post(c.posts, [{ title: 'fine' }, { title: '\u0000' }]), status: 400, code: 'INVALID_PAYLOAD', names: /"title".*NUL/, field: '1.title' },
  { name: 'a NUL inside a json value', send: (c) => c.api.post(c.posts, { details: { list: ['a\u0000b'] } }), status: 400, code: 'INVALID_PAYLOAD', names: /"details".*NUL.*list\.0/, field: 'details' },
  { name: 'a NUL in a key of a json value', send: (c) => c.api.post(c.posts, { details: { 'a\u0000b': 1 } }), status: 400, code: 'INVALID_PAYLOAD', names: /"details".*NUL/, field: 'details' },
  { name: 'a lone surrogate inside a json value', send: (c) => c.api.post(c.posts, undefined, rawJson('{"details":{"k":"\\ud800"}}')), status: 400, code: 'INVALID_PAYLOAD', names: /"details".*surrogate/, field: 'details' },
  { name: 'a lone surrogate in a written string value', send: (c) => c.api.post(c.posts, undefined, rawJson('{"title":"x\\udc00"}')), status: 400, code: 'INVALID_PAYLOAD', names: /"title".*surrogate/, field: 'title' },
  { name: 'a NUL in an update', send: (c) => c.api.patch(`${c.posts}/1`, { title: '\u0000' }), status: 400, code: 'INVALID_PAYLOAD', names: /"title".*NUL/, field: 'title' },
  { name: 'a NUL in a filter value', send: (c) => c.api.get(`${c.posts}?${filterOf({ title: { _eq: 'a\u0000b' } })}`), status: 400, code: 'INVALID_QUERY', names: /"title".*NUL/, field: 'title' },
  { name: 'a NUL in a filter list', send: (c) => c.api.get(`${c.posts}?${filterOf({ title: { _in: ['a', '\u0000'] } })}`), status: 400, code: 'INVALID_QUERY', names: /"title".*NUL/, field: 'title' },
  { name: 'a lone surrogate in a filter value', send: (c) => c.api.get(`${c.posts}?${filterOf('{"title":{"_contains":"\\ud800"}}')}`), status: 400, code: 'INVALID_QUERY', names: /"title".*surrogate/, field: 'title' },
  { name: 'a NUL in search', send: (c) => c.api.get(`${c.posts}?search=a%00b`), status: 400, code: 'INVALID_QUERY', names: /search.*NUL/ },
  { name: 'a NUL in a shorthand filter', send: (c) => c.api.get(`${c.posts}?title=a%00b`), status: 400, code: 'INVALID_QUERY', names: /"title".*NUL/, field: 'title' },
  { name: 'a NUL in the workspace segment, without credentials', send: (c) => c.anonymous.get('/api/v1/w/%00/items/x'), status: 404, code: 'NOT_FOUND', names: /path segment/ },
  { name: 'a NUL in the workspace segment, signed in', send: (c) => c.api.get('/api/v1/w/a%00b/items/posts'), status: 404, code: 'NOT_FOUND', names: /path segment/ },
  { name: 'a NUL in an id segment of a platform route', send: (c) => c.api.get('/api/v1/users/%00'), status: 404, code: 'NOT_FOUND', names: /path segment/ },
  { name: 'a path segment that is not UTF-8', send: (c) => c.anonymous.get('/api/v1/w/%ED%A0%80/items/x'), status: 404, code: 'NOT_FOUND', names: /path/ },
  { name: 'a path segment longer than any name', send: (c) => c.anonymous.get(`/api/v1/w/${'a'.repeat(101)}/items/x`), status: 404, code: 'NOT_FOUND', names: /path segment/ },
  // Aggregates a type has no answer for, and sums beyond what a JSON number holds (readings has two rows of 1e308).
  { name: 'min of a json field', send: (c) => c.api.get(`${c.posts}?aggregate[min]=details`), status: 400, code: 'INVALID_QUERY', names: /min.*"details".*json/, field: 'details', extensions: { parameter: 'aggregate', function: 'min' } },
  { name: 'max of a json field', send: (c) => c.api.get(`${c.posts}?aggregate=${encodeURIComponent('{"max":["details"]}')}`), status: 400, code: 'INVALID_QUERY', names: /max.*"details".*json/, field: 'details', extensions: { parameter: 'aggregate', function: 'max' } },
  { name: 'min of a boolean field', send: (c) => c.api.get(`${c.posts}?aggregate[min]=flag`), status: 400, code: 'INVALID_QUERY', names: /min.*"flag".*boolean/, field: 'flag', extensions: { parameter: 'aggregate', function: 'min' } },
  { name: 'a float sum beyond the largest number', send: (c) => c.api.get(`${c.base}/items/readings?aggregate[sum]=value`), status: 400, code: 'INVALID_QUERY', names: /sum.*"value"/, field: 'value', extensions: { parameter: 'aggregate', function: 'sum' } },
  { name: 'a float average whose sum is beyond the largest number', send: (c) => c.api.get(`${c.base}/items/readings?aggregate[avg]=value&groupBy=label`), status: 400, code: 'INVALID_QUERY', names: /avg.*"value"/, field: 'value', extensions: { parameter: 'aggregate', function: 'avg' } },
  { name: 'the float sum of several that goes beyond the largest number', send: (c) => c.api.get(`${c.base}/items/readings?aggregate[sum]=small,value`), status: 400, code: 'INVALID_QUERY', names: /sum.*"value"/, field: 'value', extensions: { parameter: 'aggregate', function: 'sum' } },
  // Subscriptions belong on the WebSocket (graphql-ws); over HTTP they are refused, saying so.
  { name: 'a GraphQL subscription sent by POST', send: (c) => c.api.post(`${c.base}/graphql`, { query: 'subscription { posts_mutated { key } }' }), status: 400, code: 'INVALID_QUERY', names: /WebSocket.*graphql-ws/ },
  { name: 'a GraphQL subscription sent by GET', send: (c) => c.api.get(`${c.base}/graphql?query=${encodeURIComponent('subscription Watch { posts_mutated { key } }')}`), status: 400, code: 'INVALID_QUERY', names: /WebSocket.*graphql-ws/ },
  // Nesting beyond the documented limits, refused before anything recurses through it.
  { name: 'a JSON body 4,119 levels deep', send: (c) => c.api.post(c.posts, undefined, rawJson(`{"details":${nested(4119)}}`)), status: 400, code: 'INVALID_PAYLOAD', names: /body.*64/ },
  { name: 'a json value deeper than every database stores', send: (c) => c.api.post(c.posts, { details: JSON.parse(nested(31)) }), status: 400, code: 'INVALID_PAYLOAD', names: /"details".*30/, field: 'details' },
  { name: 'a bracket filter 817 levels deep', send: (c) => c.api.get(`${c.posts}?filter${'[_and][0]'.repeat(817)}[title][_eq]=x`), status: 400, code: 'INVALID_QUERY', names: /filter.*64/, extensions: { parameter: 'filter' } },
  { name: 'a JSON filter 101 levels deep', send: (c) => c.api.get(`${c.posts}?${filterOf(deepFilter(50, '_and'))}`), status: 400, code: 'INVALID_QUERY', names: /filter.*64/, extensions: { parameter: 'filter' } },
  { name: 'a deep parameter 100 levels deep', send: (c) => c.api.get(`${c.posts}?deep=${encodeURIComponent(nested(100, '{"x":', '}'))}`), status: 400, code: 'INVALID_QUERY', names: /deep.*64/, extensions: { parameter: 'deep' } },
  { name: 'a GraphQL document 10,000 levels deep', send: (c) => c.api.post(`${c.base}/graphql`, { query: `{ ${'posts { '.repeat(10000)}id${' }'.repeat(10000)} }` }), status: 400, code: 'INVALID_QUERY', names: /nest.*64/ },
  { name: 'GraphQL variables 10,000 levels deep', send: (c) => c.api.post(`${c.base}/graphql`, undefined, rawJson(`{"query":"{ posts { id } }","variables":{"x":${nested(10000)}}}`)), status: 400, code: 'INVALID_PAYLOAD', names: /body.*64/ },
  { name: 'GraphQL extensions 10,000 levels deep', send: (c) => c.api.post(`${c.base}/graphql`, undefined, rawJson(`{"query":"{ posts { id } }","extensions":{"x":${nested(10000, '{"a":', '}')}}}`)), status: 400, code: 'INVALID_PAYLOAD', names: /body.*64/ },
  { name: 'GraphQL variables 1,000 levels deep by GET', send: (c) => c.api.get(`${c.base}/graphql?query=${encodeURIComponent('{ posts { id } }')}&variables=${encodeURIComponent(`{"x":${nested(1000)}}`)}`), status: 400, code: 'INVALID_QUERY', names: /variables.*64/ },
  // A foreign key that refuses a write: the message says which field, which key and which collection.
  { name: 'a many-to-one key that names no item', send: (c) => c.api.post(c.posts, { title: 'orphan', author: 999 }), status: 409, code: 'CONFLICT', names: /"author": no item 999 in "authors"/, field: 'author' },
  { name: 'a many-to-one key that names no item, in a batch', send: (c) => c.api.post(c.posts, [{ title: 'fine', author: 1 }, { author: 998 }]), status: 409, code: 'CONFLICT', names: /"author": no item 998 in "authors"/, field: '1.author' },
  { name: 'a many-to-one key that names no item, in an update', send: (c) => c.api.patch(`${c.posts}/2`, { author: 997 }), status: 409, code: 'CONFLICT', names: /"author": no item 997 in "authors"/, field: 'author' },
  { name: 'a many-to-one key that names no item, in a batch update', send: (c) => c.api.patch(c.posts, { keys: [1, 2], data: { author: 996 } }), status: 409, code: 'CONFLICT', names: /"author": no item 996 in "authors"/, field: 'data.author' },
  { name: 'a delete that a restricting relation refuses', send: (c) => c.api.delete(`${c.base}/items/authors/1`), status: 409, code: 'CONFLICT', names: /Item 1 of "authors" is still referred to by "posts" through "author"/, field: 'author', extensions: { collection: 'posts' } },
  { name: 'a batch delete that a restricting relation refuses', send: (c) => c.api.delete(`${c.base}/items/authors`, [2, 1]), status: 409, code: 'CONFLICT', names: /Item 1 of "authors" is still referred to by "posts" through "author"/, field: 'author', extensions: { collection: 'posts' } },
  // Bodies Cairn does not read: the answer says what to send instead.
  { name: 'a form-encoded item body', send: (c) => c.api.post(c.posts, undefined, { raw: { content: 'title=x', contentType: 'application/x-www-form-urlencoded' } }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', names: /form.*content-type: application\/json/ },
  { name: 'a form-encoded login', send: (c) => c.anonymous.post('/api/v1/auth/login', undefined, { raw: { content: 'email=a%40b.co&password=x', contentType: 'application/x-www-form-urlencoded; charset=utf-8' } }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', names: /form.*content-type: application\/json/ },
  { name: 'a multipart body on a route that takes no upload', send: (c) => c.api.post(c.posts, undefined, { raw: { content: '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--x--\r\n', contentType: 'multipart/form-data; boundary=x' } }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', names: /POST \/api\/v1\/w\/\{ws\}\/files.*content-type: application\/json/ },
  { name: 'a body of a type Cairn does not read', send: (c) => c.anonymous.post('/api/v1/auth/login', undefined, { raw: { content: '<login/>', contentType: 'application/xml' } }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', names: /application\/xml.*content-type: application\/json/ },
  // Keys beyond an integer primary key's 32 bits name no item.
  { name: 'an item key beyond 32 bits in the path', send: (c) => c.api.get(`${c.posts}/99999999999`), status: 404, code: 'NOT_FOUND', names: /Item/ },
  { name: 'an item key beyond 32 bits in an update', send: (c) => c.api.patch(`${c.posts}/2147483648`, { title: 'x' }), status: 404, code: 'NOT_FOUND', names: /Item/ },
  { name: 'an item key beyond 32 bits in a batch delete', send: (c) => c.api.delete(c.posts, { keys: [1, 99999999999] }), status: 400, code: 'INVALID_PAYLOAD', names: /99999999999/, field: 'keys.1' },
  // Found by the generated requests (hostile-fuzz.test.ts).
  { name: 'an object that can not be a string where a key is expected', send: (c) => c.api.delete(c.posts, [{ toString: '' }]), status: 400, code: 'INVALID_PAYLOAD', names: /toString.*not a valid key/, field: 'keys.0' },
  // GraphQL over HTTP answers a request it can not run with 200 and its errors when the client accepts JSON.
  { name: 'a GraphQL request without a body', send: (c) => c.api.request('POST', `${c.base}/graphql`), status: 200, code: 'INVALID_QUERY', names: /query/ },
  { name: 'a GraphQL request as text/plain', send: (c) => c.api.post(`${c.base}/graphql`, undefined, { raw: { content: '{"query":"{ posts { id } }"}', contentType: 'text/plain' } }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', names: /text\/plain.*application\/json/ },
  { name: 'a NUL in a platform body', send: (c) => c.anonymous.post('/api/v1/auth/register', { email: 'nul@example.com', password: 'password-123', name: 'a\u0000b' }), status: 400, code: 'INVALID_PAYLOAD', names: /"name".*NUL/, field: 'name' },
  { name: 'a NUL in the email of a login', send: (c) => c.anonymous.post('/api/v1/auth/login', { email: 'own\u0000er@example.com', password: 'password-123' }), status: 400, code: 'INVALID_PAYLOAD', names: /"email".*NUL/, field: 'email' },
  { name: 'a lone surrogate in a platform body', send: (c) => c.anonymous.post('/api/v1/auth/register', undefined, rawJson('{"email":"lone@example.com","password":"password-123","name":"\\ud83d"}')), status: 400, code: 'INVALID_PAYLOAD', names: /"name".*surrogate/, field: 'name' },
];

/** A read Cairn must answer correctly: the ids of the posts it finds. */
interface Answer {
  name: string;
  query: string;
  ids: number[];
}

/**
 * Numbers beyond an integer column's range compare as mathematics says, on every database (PostgreSQL
 * refused them as parameters): nothing is above the column's largest value, everything not null is below.
 * Post 1 has qty 5 and big 5, post 2 no qty and big -7.
 */
const ANSWERS: Answer[] = [
  { name: 'an integer key equal to a number beyond 32 bits', query: filterOf({ id: { _eq: 2147483648 } }), ids: [] },
  { name: 'an integer key not equal to a number beyond 32 bits', query: filterOf({ id: { _neq: 2147483648 } }), ids: [1, 2] },
  { name: 'an integer above 1e20', query: filterOf({ qty: { _gt: 1e20 } }), ids: [] },
  { name: 'an integer below 1e20', query: filterOf({ qty: { _lt: 1e20 } }), ids: [1] },
  { name: 'an integer at least -1e20', query: filterOf({ qty: { _gte: -1e20 } }), ids: [1] },
  { name: 'an integer at most -1e20', query: filterOf({ qty: { _lte: -1e20 } }), ids: [] },
  { name: 'an integer in a list with a number beyond its range', query: filterOf({ qty: { _in: [5, 3000000000] } }), ids: [1] },
  { name: 'an integer not in a list of numbers beyond its range', query: filterOf({ qty: { _nin: [3000000000] } }), ids: [1] },
  { name: 'an integer between bounds beyond its range', query: filterOf({ qty: { _between: [-1e20, 1e20] } }), ids: [1] },
  { name: 'an integer not between bounds above its range', query: filterOf({ qty: { _nbetween: [1e20, 2e20] } }), ids: [1] },
  { name: 'a bigint above 2^63', query: filterOf({ big: { _gt: '9223372036854775808' } }), ids: [] },
  { name: 'a bigint below 10^23', query: filterOf({ big: { _lt: '99999999999999999999999' } }), ids: [1, 2] },
  { name: 'a bigint equal to 1e20', query: filterOf({ big: { _eq: 1e20 } }), ids: [] },
  { name: 'a many-to-one key beyond 32 bits', query: filterOf({ author: { _eq: 99999999999 } }), ids: [] },
  { name: 'a shorthand filter beyond an integer range', query: 'qty__gt=100000000000000000000', ids: [] },
  { name: 'a search for an integer beyond the key range', query: 'search=99999999999', ids: [] },
];

/** A GraphQL operation Cairn must answer with an error of this code, naming the culprit. */
interface GraphQLRefusal {
  name: string;
  query: string;
  code: string;
  names: RegExp;
}

const GRAPHQL_REFUSALS: GraphQLRefusal[] = [
  { name: 'a many-to-one key that names no item', query: 'mutation { create_posts_item(data: {author: 995}) { id } }', code: 'CONFLICT', names: /"author": no item 995 in "authors"/ },
  { name: 'a float sum beyond the largest number', query: '{ readings_aggregated { sum { value } } }', code: 'INVALID_QUERY', names: /sum.*"value"/ },
  { name: 'a NUL in a written value', query: 'mutation { create_posts_item(data: {title: "a\\u0000b"}) { id } }', code: 'INVALID_PAYLOAD', names: /"title".*NUL/ },
  { name: 'a NUL in a filter value', query: '{ posts(filter: {title: {_eq: "a\\u0000b"}}) { id } }', code: 'INVALID_QUERY', names: /"title".*NUL/ },
];

/**
 * Hostile input, case by case: every request here once answered 500. Each must be refused with a 4xx
 * in the contract's envelope naming its culprit, or answered correctly, on every database.
 */
describeEachDatabase('hostile input', {}, (suite) => {
  const ctx = {} as Context;

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    Object.assign(ctx, { token: owned.owner.accessToken, api: owned.api, anonymous: suite.api.as(null), base: owned.base, posts: `${owned.base}/items/posts` });
    const { api, base } = owned;
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string' },
        { field: 'body', type: 'text' },
        { field: 'qty', type: 'integer' },
        { field: 'big', type: 'bigint' },
        { field: 'score', type: 'float' },
        { field: 'flag', type: 'boolean' },
        { field: 'details', type: 'json' },
      ],
    });
    await newCollection(api, base, {
      collection: 'readings',
      fields: [
        { field: 'label', type: 'string' },
        { field: 'value', type: 'float' },
        { field: 'small', type: 'float' },
        { field: 'big', type: 'bigint' },
      ],
    });
    const steps = [
      await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'RESTRICT' }),
      await api.post(`${base}/items/authors`, [{ name: 'Ann' }, { name: 'Bob' }]),
      await api.post(`${base}/items/readings`, [
        { label: 'a', value: 1e308, small: 1, big: '9000000000000000000' },
        { label: 'a', value: 1e308, small: 2, big: '9000000000000000000' },
      ]),
      await api.post(`${base}/items/posts`, [{ title: 'first', qty: 5, big: 5, score: 1.5, flag: true, details: { a: 1 }, author: 1 }, { title: 'second', big: -7 }]),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  describe('answered correctly', () => {
    for (const answer of ANSWERS) {
      it(answer.name, async () => {
        const response = await ctx.api.get(`${ctx.posts}?fields=id&sort=id&${answer.query}`);
        assert.equal(response.status, 200, response.text);
        assert.deepEqual(response.body.data.map((item: { id: number }) => item.id), answer.ids);
      });
    }
  });

  it('reads filters and json values as deep as the limits allow, on every database', async () => {
    const filter = await ctx.api.get(`${ctx.posts}?fields=id&${filterOf(deepFilter(31, '_or'))}`);
    assert.equal(filter.status, 200, filter.text);
    assert.deepEqual(filter.body.data, [{ id: 1 }, { id: 2 }]);
    const details = JSON.parse(nested(30, '{"k":', '}'));
    const created = await ctx.api.post(ctx.posts, { title: 'deep', details });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual((await ctx.api.get(`${ctx.posts}/${created.body.data.id}`)).body.data.details, details);
    assert.equal((await ctx.api.delete(`${ctx.posts}/${created.body.data.id}`)).status, 204);
  });

  it('sums bigints beyond 64 bits as numbers', async () => {
    const response = await ctx.api.get(`${ctx.base}/items/readings?aggregate[sum]=big&aggregate[avg]=big`);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.data, [{ sum: { big: 18000000000000000000 }, avg: { big: 9000000000000000000 } }]);
  });

  describe('refused with a 4xx naming the culprit', () => {
    for (const refusal of REFUSALS) {
      it(refusal.name, async () => {
        const response = await refusal.send(ctx);
        assertError(response, refusal.status, refusal.code);
        assert.match(response.body.errors[0].message, refusal.names, response.text);
        if (refusal.field !== undefined) assert.equal(response.body.errors[0].extensions.field, refusal.field, response.text);
        for (const [name, value] of Object.entries(refusal.extensions ?? {})) assert.equal(response.body.errors[0].extensions[name], value, response.text);
      });
    }
  });

  describe('refused over GraphQL with the code REST answers', () => {
    for (const refusal of GRAPHQL_REFUSALS) {
      it(refusal.name, async () => {
        const response = await graphql(ctx.api, ctx.base, refusal.query);
        assert.ok(response.status < 500, response.text);
        assert.equal(response.body.errors?.[0]?.extensions?.code, refusal.code, response.text);
        assert.match(response.body.errors[0].message, refusal.names, response.text);
      });
    }
  });

  it('answers a NUL workspace segment on a socket as an unknown workspace', async () => {
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}/api/v1/w/%00/realtime`);
    client.send({ type: 'auth', access_token: ctx.token });
    const answer = await client.next();
    assert.equal(answer.error?.code, 'NOT_FOUND', JSON.stringify(answer));
    client.socket.close();
  });

  it('refuses a GraphQL subscription asked for as server-sent events in the stream it asked for', async () => {
    const response = await ctx.api.post(`${ctx.base}/graphql`, { query: 'subscription { posts_mutated { key } }' }, { headers: { accept: 'text/event-stream' } });
    assert.equal(response.status, 400, response.text);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const event = JSON.parse(/^data: (\{.*\})$/m.exec(response.text)?.[1] ?? 'null');
    assert.equal(event?.errors?.[0]?.extensions?.code, 'INVALID_QUERY', response.text);
    assert.match(event.errors[0].message, /WebSocket.*graphql-ws/);
  });

  it('stores nothing of a refused write', async () => {
    const stored = await ctx.api.get(`${ctx.posts}?meta=total_count&limit=1`);
    assert.equal(stored.body.meta.total_count, 2, stored.text);
    const authors = await ctx.api.get(`${ctx.base}/items/authors?meta=total_count&limit=1`);
    assert.equal(authors.body.meta.total_count, 2, authors.text);
  });
});
