import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

/**
 * `Authorization` values that are given but are no `Bearer <token>`. fetch and the HTTP parser trim a
 * value's spaces, so "Bearer" followed by spaces arrives as a bare "Bearer"; it is sent anyway.
 */
const MALFORMED_HEADERS = ['Basic dXNlcjpwYXNzd29yZA==', 'Bearer', 'Bearer     ', 'Token abc', 'Bearer two tokens', ''];
/** `?access_token=` values that are given but hold no token: empty, spaces, repeated. */
const MALFORMED_QUERIES = ['access_token=', 'access_token', 'access_token=%20', 'access_token=%20%20%20', 'access_token=a&access_token=b'];

/**
 * A credential that is given but malformed is an invalid credential (401 INVALID_TOKEN) wherever a
 * caller may be anonymous, never taken as anonymous: on items routes (where a public create policy
 * would otherwise let the write through), GraphQL, custom endpoints and the WebSocket handshakes. On
 * public routes it is ignored, as any bad credential is.
 */
describeEachDatabase('malformed credentials', {}, (suite) => {
  let api: Api;
  let base: string;
  let wsBase: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    wsBase = `${suite.app.url.replace('http', 'ws')}${base}`;
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
    for (const step of [
      await api.post(`${base}/policies`, { role: 'public', collection: 'notes', action: 'create', fields: ['body'] }),
      await api.post(`${base}/policies`, { role: 'public', collection: 'notes', action: 'read' }),
      await api.post(`${base}/handlers`, { name: 'hello', kind: 'endpoint', method: 'GET', path: '/hello', code: 'module.exports = (ctx) => ctx.principal.kind;' }),
    ]) {
      assert.ok(step.status < 300, step.text);
    }
    // The public role writes and reads: an anonymous caller's create goes through.
    assert.equal((await suite.api.post(`${base}/items/notes`, { body: 'anonymous' })).status, 200);
  });

  async function notesCount(): Promise<number> {
    return (await api.get(`${base}/items/notes?aggregate[count]=*`)).body.data[0].count;
  }

  it('refuses a malformed Authorization header on an items route, writing nothing', async () => {
    const before = await notesCount();
    for (const authorization of MALFORMED_HEADERS) {
      const anonymous = suite.api.as(null);
      assertError(await anonymous.post(`${base}/items/notes`, { body: `as ${authorization}` }, { headers: { authorization } }), 401, 'INVALID_TOKEN');
      assertError(await anonymous.get(`${base}/items/notes`, { headers: { authorization } }), 401, 'INVALID_TOKEN');
    }
    assert.equal(await notesCount(), before);
  });

  it('refuses an access_token parameter that holds no token, writing nothing', async () => {
    const before = await notesCount();
    for (const query of MALFORMED_QUERIES) {
      const anonymous = suite.api.as(null);
      assertError(await anonymous.post(`${base}/items/notes?${query}`, { body: `as ${query}` }), 401, 'INVALID_TOKEN');
      assertError(await anonymous.get(`${base}/items/notes?${query}`), 401, 'INVALID_TOKEN');
    }
    assert.equal(await notesCount(), before);
  });

  it('refuses them on GraphQL and custom endpoints too', async () => {
    const anonymous = suite.api.as(null);
    assert.equal((await anonymous.get(`${base}/custom/hello`)).body.data, 'anonymous');
    for (const authorization of MALFORMED_HEADERS) {
      const headers = { authorization };
      assertError(await anonymous.post(`${base}/graphql`, { query: 'mutation { create_notes_item(data: {body: "x"}) { id } }' }, { headers }), 401, 'INVALID_TOKEN');
      assertError(await anonymous.get(`${base}/custom/hello`, { headers }), 401, 'INVALID_TOKEN');
    }
    for (const query of MALFORMED_QUERIES) assertError(await anonymous.post(`${base}/graphql?${query}`, { query: '{ notes { id } }' }), 401, 'INVALID_TOKEN');
  });

  it('refuses them on protected routes as invalid tokens, not as missing ones', async () => {
    assertError(await suite.api.as(null).get('/api/v1/auth/me'), 401, 'INVALID_CREDENTIALS');
    for (const authorization of MALFORMED_HEADERS) assertError(await suite.api.as(null).get('/api/v1/auth/me', { headers: { authorization } }), 401, 'INVALID_TOKEN');
    for (const query of MALFORMED_QUERIES) assertError(await suite.api.as(null).get(`/api/v1/auth/me?${query}`), 401, 'INVALID_TOKEN');
  });

  it('ignores them on public routes', async () => {
    for (const authorization of MALFORMED_HEADERS) {
      assert.equal((await suite.api.as(null).get('/api/v1/health', { headers: { authorization } })).status, 200);
      const login = await suite.api.as(null).post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'not a password' }, { headers: { authorization } });
      assertError(login, 401, 'INVALID_CREDENTIALS');
    }
  });

  it('refuses them in a realtime handshake with INVALID_TOKEN and 4401', async () => {
    const refused = async (client: RealtimeClient) => {
      const answer = await client.next();
      assert.equal(answer.error?.code, 'INVALID_TOKEN', JSON.stringify(answer));
      assert.equal((await client.closed()).code, 4401);
    };
    for (const authorization of MALFORMED_HEADERS) await refused(await RealtimeClient.connect(`${wsBase}/realtime`, { headers: { authorization } }));
    for (const query of MALFORMED_QUERIES) await refused(await RealtimeClient.connect(`${wsBase}/realtime?${query}`));
    const anonymous = await RealtimeClient.connect(`${wsBase}/realtime`);
    assert.equal((await anonymous.subscribe('notes')).event, 'init');
    anonymous.close();
  });

  it('refuses them in a graphql-ws handshake or connection_init with 4403', async () => {
    const closeCode = (client: Client) =>
      new Promise<number | undefined>((resolve) => {
        client.subscribe({ query: '{ notes { id } }' }, { next: () => resolve(undefined), error: (error) => resolve((error as { code?: number }).code), complete: () => resolve(undefined) });
      }).finally(() => client.dispose());
    const withHeaders = (headers: Record<string, string>) =>
      class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      };
    const connect = (options: { url?: string; params?: Record<string, unknown>; headers?: Record<string, string> }) =>
      createClient({ url: options.url ?? `${wsBase}/graphql`, webSocketImpl: withHeaders(options.headers ?? {}), connectionParams: options.params, retryAttempts: 0, lazy: true });
    for (const authorization of MALFORMED_HEADERS) {
      assert.equal(await closeCode(connect({ headers: { authorization } })), 4403, `header ${authorization}`);
      assert.equal(await closeCode(connect({ params: { authorization } })), 4403, `authorization ${authorization}`);
    }
    for (const query of MALFORMED_QUERIES) assert.equal(await closeCode(connect({ url: `${wsBase}/graphql?${query}` })), 4403, query);
    for (const token of ['', '   ', 7]) assert.equal(await closeCode(connect({ params: { access_token: token } })), 4403, `access_token ${String(token)}`);
    assert.equal(await closeCode(connect({})), undefined);
  });
});
