import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newOwnedWorkspace } from '../support/factories';
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
}

/** A JSON body sent as this exact text, so it can hold escapes (lone surrogates) that JSON.stringify would not write. */
const rawJson = (content: string) => ({ raw: { content, contentType: 'application/json' } });
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
  { name: 'a NUL in a platform body', send: (c) => c.anonymous.post('/api/v1/auth/register', { email: 'nul@example.com', password: 'password-123', name: 'a\u0000b' }), status: 400, code: 'INVALID_PAYLOAD', names: /"name".*NUL/, field: 'name' },
  { name: 'a NUL in the email of a login', send: (c) => c.anonymous.post('/api/v1/auth/login', { email: 'own\u0000er@example.com', password: 'password-123' }), status: 400, code: 'INVALID_PAYLOAD', names: /"email".*NUL/, field: 'email' },
  { name: 'a lone surrogate in a platform body', send: (c) => c.anonymous.post('/api/v1/auth/register', undefined, rawJson('{"email":"lone@example.com","password":"password-123","name":"\\ud83d"}')), status: 400, code: 'INVALID_PAYLOAD', names: /"name".*surrogate/, field: 'name' },
];

/** A GraphQL operation Cairn must answer with an error of this code, naming the culprit. */
interface GraphQLRefusal {
  name: string;
  query: string;
  code: string;
  names: RegExp;
}

const GRAPHQL_REFUSALS: GraphQLRefusal[] = [
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
    const steps = [
      await api.post(`${base}/collections`, { collection: 'authors', fields: [{ field: 'name', type: 'string' }] }),
      await api.post(`${base}/collections`, {
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
      }),
      await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'RESTRICT' }),
      await api.post(`${base}/items/posts`, { title: 'first', qty: 5, big: 5, score: 1.5, flag: true, details: { a: 1 } }),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  describe('refused with a 4xx naming the culprit', () => {
    for (const refusal of REFUSALS) {
      it(refusal.name, async () => {
        const response = await refusal.send(ctx);
        assertError(response, refusal.status, refusal.code);
        assert.match(response.body.errors[0].message, refusal.names, response.text);
        if (refusal.field !== undefined) assert.equal(response.body.errors[0].extensions.field, refusal.field, response.text);
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

  it('stores nothing of a refused write', async () => {
    const stored = await ctx.api.get(`${ctx.posts}?meta=total_count&limit=1`);
    assert.equal(stored.body.meta.total_count, 1, stored.text);
  });
});
