import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Account, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';
import { Message, RealtimeClient } from '../support/realtime';

/**
 * The realtime protocol (Directus's) on /api/v1/w/{ws}/realtime: auth, subscribe with fields and a
 * filter, init/create/update/delete events as each subscriber's policy lets it see them, unsubscribe,
 * ping/pong. Events of one collection arrive in order, so "B arrived first" proves "A never came".
 */
describeEachDatabase('realtime subscriptions', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;
  let url: string;
  const clients: RealtimeClient[] = [];

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    url = `${suite.app.url.replace('http', 'ws')}${base}/realtime`;
    await newCollection(api, base, {
      collection: 'posts',
      fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'rating', type: 'integer' }, { field: 'secret', type: 'string' }],
    });
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
    const steps = [
      await api.post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status', 'rating'] }),
      await api.post(`${base}/items/posts`, [{ title: 'Old', status: 'published', rating: 1, secret: 's0' }, { title: 'Old draft', status: 'draft', rating: 1, secret: 's1' }]),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  after(() => {
    for (const client of clients) client.close();
  });

  async function connect(path = url): Promise<RealtimeClient> {
    const client = await RealtimeClient.connect(path);
    clients.push(client);
    return client;
  }

  async function asOwner(): Promise<RealtimeClient> {
    const client = await connect();
    client.send({ type: 'auth', access_token: owner.accessToken });
    assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    return client;
  }

  const create = async (item: Message) => (await api.post(`${base}/items/posts`, item)).body.data as Message;

  it('authenticates, sends the init rows, then each change with the fields asked for', async () => {
    const client = await asOwner();
    const init = await client.subscribe('posts', { fields: ['id', 'title', 'secret'], sort: ['id'] });
    assert.deepEqual(init, { type: 'subscription', event: 'init', uid: 'sub', data: [{ id: 1, title: 'Old', secret: 's0' }, { id: 2, title: 'Old draft', secret: 's1' }] });
    const post = await create({ title: 'New', status: 'draft', secret: 's2' });
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: post.id, title: 'New', secret: 's2' }] });
    await api.patch(`${base}/items/posts/${post.id}`, { title: 'Renamed' });
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: post.id, title: 'Renamed', secret: 's2' }] });
    await api.delete(`${base}/items/posts/${post.id}`);
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'delete', uid: 'sub', data: [post.id] });
    client.send({ type: 'unsubscribe', uid: 'sub' });
    client.send({ type: 'ping' });
    assert.deepEqual(await client.next(), { type: 'pong' });
    await create({ title: 'Unheard', status: 'draft' });
    client.send({ type: 'ping' });
    assert.deepEqual(await client.next(), { type: 'pong' });
    assert.deepEqual(client.pending, []);
  });

  it('sends an anonymous subscriber only the rows and fields of its policy, and a delete when a row leaves its view', async () => {
    const anonymous = await connect();
    const member = await asOwner();
    const init = await anonymous.subscribe('posts', { fields: ['*'] });
    assert.deepEqual(init.data.map((p: Message) => p.title), ['Old']);
    assert.deepEqual(Object.keys(init.data[0]).sort(), ['id', 'rating', 'status', 'title']);
    await member.subscribe('posts', { fields: ['id', 'status'] });

    await create({ title: 'Secret draft', status: 'draft', secret: 'x' });
    const published = await create({ title: 'Public', status: 'published', rating: 4, secret: 'y' });
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: published.id, title: 'Public', status: 'published', rating: 4 }] });
    assert.equal((await member.next()).event, 'create');
    assert.equal((await member.next()).event, 'create');

    await api.patch(`${base}/items/posts/${published.id}`, { status: 'draft' });
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'delete', uid: 'sub', data: [published.id] });
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: published.id, status: 'draft' }] });
    // Back in view: the anonymous subscriber hears of it again, as an update.
    await api.patch(`${base}/items/posts/${published.id}`, { status: 'published' });
    assert.equal((await anonymous.next()).event, 'update');
  });

  it('applies the subscription filter, given as an object or as a JSON string', async () => {
    const client = await asOwner();
    await client.subscribe('posts', { fields: ['title'], filter: JSON.stringify({ rating: { _gte: 3 } }) }, 'high');
    await client.subscribe('posts', { fields: ['title'], filter: { rating: { _lt: 3 } } }, 'low');
    await create({ title: 'Five', status: 'draft', rating: 5 });
    await create({ title: 'Two', status: 'draft', rating: 2 });
    const high = await client.next((m) => m.uid === 'high');
    const low = await client.next((m) => m.uid === 'low');
    assert.deepEqual([high.event, high.data.map((p: Message) => p.title)], ['create', ['Five']]);
    assert.deepEqual([low.event, low.data.map((p: Message) => p.title)], ['create', ['Two']]);
  });

  it('follows a view: changes of its source arrive as the view shows them to each caller, and an item leaving it as a delete', async () => {
    const view = await api.post(`${base}/views`, {
      name: 'rated_posts',
      source: 'posts',
      fields: ['id', 'title', 'rating'],
      filter: { rating: { _gte: 3 } },
      computed: { label: 'upper(title)' },
    });
    assert.ok(view.status < 300, view.text);
    const member = await asOwner();
    const anonymous = await connect();
    assert.equal((await member.subscribe('rated_posts', { fields: ['id', 'title', 'label'] })).event, 'init');
    assert.equal((await anonymous.subscribe('rated_posts', { fields: ['id', 'rating'] })).event, 'init');

    const draft = await create({ title: 'Good draft', status: 'draft', rating: 4 });
    await create({ title: 'Poor', status: 'draft', rating: 1 });
    const published = await create({ title: 'Good', status: 'published', rating: 5 });
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: draft.id, title: 'Good draft', label: 'GOOD DRAFT' }] });
    // Nothing for the post outside the view: the next event is the one after it.
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: published.id, title: 'Good', label: 'GOOD' }] });
    // The anonymous caller's policy reads published posts only, through the view as anywhere.
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: published.id, rating: 5 }] });

    await api.patch(`${base}/items/posts/${published.id}`, { title: 'Better' });
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: published.id, title: 'Better', label: 'BETTER' }] });
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: published.id, rating: 5 }] });
    // Out of the view's filter for both; out of the anonymous caller's policy alone.
    await api.patch(`${base}/items/posts/${published.id}`, { rating: 2 });
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'delete', uid: 'sub', data: [published.id] });
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'delete', uid: 'sub', data: [published.id] });
    await api.patch(`${base}/items/posts/${draft.id}`, { status: 'published' });
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: draft.id, title: 'Good draft', label: 'GOOD DRAFT' }] });
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: draft.id, rating: 4 }] });
    await api.patch(`${base}/items/posts/${draft.id}`, { status: 'draft' });
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'delete', uid: 'sub', data: [draft.id] });
    assert.equal((await member.next()).event, 'update');
    await api.delete(`${base}/items/posts/${draft.id}`);
    assert.deepEqual(await member.next(), { type: 'subscription', event: 'delete', uid: 'sub', data: [draft.id] });
    // Sent to neither any more: its deletion is neither's to hear of.
    await api.delete(`${base}/items/posts/${published.id}`);
    member.send({ type: 'ping' });
    anonymous.send({ type: 'ping' });
    assert.deepEqual(await member.next(), { type: 'pong' });
    assert.deepEqual(await anonymous.next(), { type: 'pong' });
    assert.deepEqual([member.pending, anonymous.pending], [[], []]);
  });

  it('sends only the events asked for', async () => {
    const client = await asOwner();
    await client.subscribe('posts', { fields: ['id'] }, 'deletes', { event: 'delete' });
    const post = await create({ title: 'Short-lived', status: 'draft' });
    await api.patch(`${base}/items/posts/${post.id}`, { title: 'Still short-lived' });
    await api.delete(`${base}/items/posts/${post.id}`);
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'delete', uid: 'deletes', data: [post.id] });
  });

  it('refuses a subscription to what the caller may not read, and bad messages, without closing', async () => {
    const anonymous = await connect();
    const refusals: Array<[Message | string, string]> = [
      [{ type: 'subscribe', collection: 'notes', uid: 'a' }, 'FORBIDDEN'],
      [{ type: 'subscribe', collection: 'posts', query: { fields: ['secret'] }, uid: 'b' }, 'INVALID_QUERY'],
      [{ type: 'subscribe', collection: 'posts', query: { filter: { secret: { _eq: 's0' } } }, uid: 'c' }, 'INVALID_QUERY'],
      [{ type: 'subscribe', collection: 'posts', query: { aggregate: { count: '*' } }, uid: 'd' }, 'INVALID_PAYLOAD'],
      [{ type: 'subscribe', uid: 'e' }, 'INVALID_PAYLOAD'],
      ['not json', 'INVALID_PAYLOAD'],
      [{ type: 'dance' }, 'INVALID_PAYLOAD'],
    ];
    for (const [message, code] of refusals) {
      anonymous.send(message);
      const answer = await anonymous.next();
      assert.equal(answer.status, 'error', JSON.stringify(answer));
      assert.equal(answer.error.code, code, JSON.stringify(answer));
      assert.doesNotMatch(JSON.stringify(answer), /s0/);
    }
    anonymous.send({ type: 'auth', access_token: 'not-a-token' });
    assert.deepEqual((await anonymous.next()).error.code, 'INVALID_TOKEN');
    assert.equal((await anonymous.subscribe('posts', { fields: ['title'] }, 'ok')).event, 'init');
  });

  it('takes the credential of the handshake, and refuses a bad one or another workspace\'s with a close code', async () => {
    const byQuery = await connect(`${url}?access_token=${owner.accessToken}`);
    assert.equal((await byQuery.subscribe('notes')).event, 'init');
    const bad = await connect(`${url}?access_token=nope`);
    assert.equal((await bad.next()).error.code, 'INVALID_TOKEN');
    assert.equal((await bad.closed()).code, 4401);
    const other = await newOwnedWorkspace(suite.api);
    // Not a member here (the suite's first account, the superadmin, would be one everywhere).
    const stranger = await connect(`${url}?access_token=${other.owner.accessToken}`);
    assert.equal((await stranger.closed()).code, 4404);
    const nowhere = await connect(`${suite.app.url.replace('http', 'ws')}/api/v1/w/no-such-workspace/realtime`);
    assert.equal((await nowhere.closed()).code, 4404);
  });

  it('serves /websocket too, with the workspace from an API key or ?workspace=', async () => {
    const root = suite.app.url.replace('http', 'ws');
    const key = await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: 'rt', role: 'viewer' });
    const byKey = await connect(`${root}/websocket`);
    byKey.send({ type: 'auth', access_token: key.body.data.key });
    assert.deepEqual(await byKey.next(), { type: 'auth', status: 'ok' });
    assert.equal((await byKey.subscribe('notes')).event, 'init');
    const byParam = await connect(`${root}/websocket?workspace=${workspace.slug}`);
    assert.equal((await byParam.subscribe('posts', { fields: ['title'] })).data.length, 2);
    const unnamed = await connect(`${root}/websocket?access_token=${owner.accessToken}`);
    assert.equal((await unnamed.closed()).code, 4404);
  });
});
