import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { Account, addMember, newAccount, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';
import { Message, RealtimeClient } from '../support/realtime';

/**
 * Directus's `items` messages over the realtime WebSocket: each goes through the items door as the
 * connection's caller, so it is refused, validated and heard by subscribers exactly as REST would be.
 */
describeEachDatabase('realtime items actions', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;
  let url: string;
  const clients: RealtimeClient[] = [];

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    url = `${suite.app.url.replace('http', 'ws')}${base}/realtime`;
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string', required: true }, { field: 'rating', type: 'integer' }] });
  });

  after(() => {
    for (const client of clients) client.close();
  });

  async function as(token: string): Promise<RealtimeClient> {
    const client = await RealtimeClient.connect(url);
    clients.push(client);
    client.send({ type: 'auth', access_token: token });
    assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    return client;
  }

  async function ask(client: RealtimeClient, message: Message): Promise<Message> {
    const uid = `q${Math.random().toString(36).slice(2)}`;
    client.send({ type: 'items', uid, ...message });
    return client.next((answer) => answer.uid === uid);
  }

  it('creates, reads, updates and deletes items as the connection\'s caller', async () => {
    const client = await as(owner.accessToken);
    const created = await ask(client, { action: 'create', collection: 'posts', data: { title: 'Hello', rating: 3 } });
    assert.equal(created.type, 'items');
    assert.equal(created.status, 'ok', JSON.stringify(created));
    assert.equal(created.data.title, 'Hello');
    const id = created.data.id;
    const many = await ask(client, { action: 'create', collection: 'posts', data: [{ title: 'Two' }, { title: 'Three' }], query: { fields: ['title'] } });
    assert.deepEqual(many.data.map((item: Message) => item.title), ['Two', 'Three']);
    assert.ok(many.data.every((item: Message) => item.rating === undefined), 'answered with the fields asked for');

    const one = await ask(client, { action: 'read', collection: 'posts', id, query: { fields: ['id', 'title', 'rating'] } });
    assert.deepEqual(one.data, { id, title: 'Hello', rating: 3 });
    const list = await ask(client, { action: 'read', collection: 'posts', query: { fields: ['title'], filter: { title: { _in: ['Hello', 'Three'] } }, sort: ['-title'], limit: 5 } });
    assert.deepEqual(list.data.map((item: Message) => item.title), ['Three', 'Hello']);
    const rest = await api.get(`${base}/items/posts?fields=title&filter=${encodeURIComponent(JSON.stringify({ title: { _in: ['Hello', 'Three'] } }))}&sort=-title&limit=5`);
    assert.deepEqual(list.data, rest.body.data, 'the same rows and fields as REST answers');

    const updated = await ask(client, { action: 'update', collection: 'posts', id, data: { rating: 5 } });
    assert.equal(updated.status, 'ok', JSON.stringify(updated));
    assert.equal(updated.data.rating, 5);
    assert.equal((await api.get(`${base}/items/posts/${id}`)).body.data.rating, 5);

    const deleted = await ask(client, { action: 'delete', collection: 'posts', ids: [id] });
    assert.deepEqual(deleted, { type: 'items', status: 'ok', data: null, uid: deleted.uid });
    assert.equal((await api.get(`${base}/items/posts/${id}`)).status, 404);
    const missing = await ask(client, { action: 'read', collection: 'posts', id });
    assert.equal(missing.status, 'error');
    assert.equal(missing.error.code, 'NOT_FOUND');
  });

  it('logs a write over the socket as the caller\'s, with the handshake\'s user agent', async () => {
    const client = await RealtimeClient.connect(url, { headers: { 'user-agent': 'socket-writer/1' } });
    clients.push(client);
    client.send({ type: 'auth', access_token: owner.accessToken });
    assert.equal((await client.next()).status, 'ok');
    const created = await ask(client, { action: 'create', collection: 'posts', data: { title: 'Logged' } });
    const logged = await api.get(`${base}/activity?filter[collection][_eq]=posts&filter[item][_eq]=${created.data.id}&fields=action,actor_type,actor_id,user_agent`);
    assert.deepEqual(logged.body.data.map(({ id: _id, ...entry }: Message) => entry), [{ action: 'create', actor_type: 'user', actor_id: owner.id, user_agent: 'socket-writer/1' }], logged.text);
  });

  it('answers an items message on /websocket before any auth with the credentials error', async () => {
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}/websocket`);
    clients.push(client);
    const answer = await ask(client, { action: 'read', collection: 'posts' });
    assert.deepEqual([answer.type, answer.status, answer.error.code], ['items', 'error', 'INVALID_CREDENTIALS']);
  });

  it('refuses an app user without a policy, and a viewer member\'s writes, with the codes REST gives', async () => {
    const appUser = await newAppUser(suite.api, base);
    const app = await as(appUser.accessToken);
    const read = await ask(app, { action: 'read', collection: 'posts' });
    assert.equal(read.status, 'error');
    assert.equal(read.error.code, 'FORBIDDEN');
    const write = await ask(app, { action: 'create', collection: 'posts', data: { title: 'No' } });
    assert.equal(write.error.code, 'FORBIDDEN');

    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, workspace, owner, viewer, 'viewer');
    const member = await as(viewer.accessToken);
    assert.equal((await ask(member, { action: 'read', collection: 'posts' })).status, 'ok');
    const refused = await ask(member, { action: 'create', collection: 'posts', data: { title: 'No' } });
    assert.equal(refused.status, 'error');
    assert.equal(refused.error.code, 'FORBIDDEN');
    const viaRest = await suite.api.as(viewer.accessToken).post(`${base}/items/posts`, { title: 'No' });
    assert.equal(viaRest.body.errors[0].extensions.code, refused.error.code);
    assert.equal((await api.get(`${base}/items/posts?filter[title][_eq]=No`)).body.data.length, 0);
  });

  it('answers a bad message with an error naming what is wrong, and keeps the connection', async () => {
    const client = await as(owner.accessToken);
    const cases: [Message, string, RegExp][] = [
      [{ action: 'upsert', collection: 'posts' }, 'INVALID_PAYLOAD', /"action"/],
      [{ action: 'read' }, 'INVALID_PAYLOAD', /"collection"/],
      [{ action: 'read', collection: 42 }, 'INVALID_PAYLOAD', /"collection"/],
      [{ action: 'read', collection: 'posts', query: 'all' }, 'INVALID_PAYLOAD', /"query"/],
      [{ action: 'create', collection: 'posts', data: 'x' }, 'INVALID_PAYLOAD', /"data"/],
      [{ action: 'update', collection: 'posts', data: { title: 'x' } }, 'INVALID_PAYLOAD', /"id" or "ids"/],
      [{ action: 'delete', collection: 'posts', id: { x: 1 } }, 'INVALID_PAYLOAD', /"id"/],
      [{ action: 'create', collection: 'posts', data: { title: 'x', rating: 'many' } }, 'INVALID_PAYLOAD', /rating/],
      [{ action: 'create', collection: 'posts', data: { rating: 1 } }, 'VALIDATION_FAILED', /title/],
      [{ action: 'read', collection: 'nothing_here' }, 'NOT_FOUND', /./],
    ];
    for (const [message, code, names] of cases) {
      const answer = await ask(client, message);
      assert.equal(answer.type, 'items', JSON.stringify(answer));
      assert.equal(answer.status, 'error', JSON.stringify(answer));
      assert.equal(answer.error.code, code, JSON.stringify({ message, answer }));
      assert.match(answer.error.message, names, JSON.stringify({ message, answer }));
    }
    for (const data of [{ title: 'x', rating: 'many' }, { rating: 1 }]) {
      const rest = await api.post(`${base}/items/posts`, data);
      const answer = await ask(client, { action: 'create', collection: 'posts', data });
      assert.deepEqual(answer.error, { code: rest.body.errors[0].extensions.code, message: rest.body.errors[0].message }, 'the error REST gives');
    }
    client.send({ type: 'ping' });
    assert.deepEqual(await client.next(), { type: 'pong' });
  });

  it('tells subscribers of a create made over the socket, as of a REST one', async () => {
    const subscriber = await as(owner.accessToken);
    const init = await subscriber.subscribe('posts', { fields: ['id', 'title'] });
    assert.equal(init.event, 'init');
    const writer = await as(owner.accessToken);
    const created = await ask(writer, { action: 'create', collection: 'posts', data: { title: 'Heard' } });
    assert.equal(created.status, 'ok', JSON.stringify(created));
    assert.deepEqual(await subscriber.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: created.data.id, title: 'Heard' }] });
  });
});
