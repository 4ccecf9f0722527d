import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Account, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

/** Each connection's limits: subscriptions, message size and rate, heartbeats. */
describeEachDatabase(
  'realtime connection limits',
  { env: { REALTIME_MAX_SUBSCRIPTIONS: '2', REALTIME_MAX_MESSAGE_SIZE: '2kb', REALTIME_MESSAGES_PER_SECOND: '10', REALTIME_HEARTBEAT: '300ms' } },
  (suite) => {
    let owner: Account;
    let api: Api;
    let base: string;
    let url: string;
    const clients: RealtimeClient[] = [];

    before(async () => {
      ({ owner, api, base } = await newOwnedWorkspace(suite.api));
      url = `${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${owner.accessToken}`;
      await newCollection(api, base, { collection: 'docs', fields: [{ field: 'body', type: 'text' }] });
    });

    after(() => {
      for (const client of clients) client.close();
    });

    async function connect(options = {}): Promise<RealtimeClient> {
      const client = await RealtimeClient.connect(url, options);
      clients.push(client);
      return client;
    }

    it('refuses a subscription beyond the limit, and takes a replaced uid as the same one', async () => {
      const client = await connect();
      assert.equal((await client.subscribe('docs', {}, 'a')).event, 'init');
      assert.equal((await client.subscribe('docs', {}, 'b')).event, 'init');
      assert.equal((await client.subscribe('docs', { fields: ['id'] }, 'b')).event, 'init');
      const refused = await client.subscribe('docs', {}, 'c');
      assert.deepEqual([refused.type, refused.status, refused.error.code], ['subscribe', 'error', 'INVALID_PAYLOAD']);
      client.send({ type: 'unsubscribe', uid: 'a' });
      assert.equal((await client.subscribe('docs', {}, 'c')).event, 'init');
    });

    it('closes a connection that sends a message over the size limit', async () => {
      const client = await connect();
      client.send({ type: 'subscribe', collection: 'docs', query: { filter: { body: { _eq: 'x'.repeat(4096) } } } });
      assert.equal((await client.closed()).code, 1009);
    });

    it('refuses messages beyond the rate, and closes a connection far beyond it', async () => {
      const client = await connect();
      for (let i = 0; i < 12; i += 1) client.send({ type: 'ping' });
      const answers = [];
      for (let i = 0; i < 12; i += 1) answers.push(await client.next());
      assert.equal(answers.filter((a) => a.type === 'pong').length, 10);
      assert.equal(answers.filter((a) => a.error?.code === 'RATE_LIMITED').length, 2);
      for (let i = 0; i < 30; i += 1) client.send({ type: 'ping' });
      assert.equal((await client.closed()).code, 4429);
    });

    it('holds items messages to the same rate and size limits, writing nothing it refuses', async () => {
      const client = await connect();
      for (let i = 0; i < 12; i += 1) client.send({ type: 'items', action: 'create', collection: 'docs', data: { body: `rated ${i}` }, uid: `w${i}` });
      const answers = [];
      for (let i = 0; i < 12; i += 1) answers.push(await client.next());
      assert.equal(answers.filter((a) => a.type === 'items' && a.status === 'ok').length, 10);
      assert.equal(answers.filter((a) => a.error?.code === 'RATE_LIMITED').length, 2);
      const written = await api.get(`${base}/items/docs?filter[body][_starts_with]=rated&aggregate[count]=*`);
      assert.equal(Number(written.body.data[0].count), 10, written.text);

      const big = await connect();
      big.send({ type: 'items', action: 'create', collection: 'docs', data: { body: `big ${'x'.repeat(4096)}` } });
      assert.equal((await big.closed()).code, 1009);
      const none = await api.get(`${base}/items/docs?filter[body][_starts_with]=big&aggregate[count]=*`);
      assert.equal(Number(none.body.data[0].count), 0, none.text);
    });

    it('pings, keeps a connection that answers, and closes one that does not', async () => {
      const answering = await connect();
      const silent = await connect({ autoPong: false });
      // Two heartbeats pass before the silent one is closed; the answering one lived through them.
      assert.equal((await silent.closed()).code, 4408);
      answering.send({ type: 'ping' });
      assert.deepEqual(await answering.next(), { type: 'pong' });
    });
  },
);

/**
 * Unsent data, in a suite of its own with the default heartbeat: a paused socket answers no ping, and
 * with the short heartbeat above it could be closed for that (4408) before its data piled up (4413),
 * depending on how fast the writes run.
 */
describeEachDatabase('realtime slow consumers', { env: { REALTIME_MAX_BUFFER: '64kb' } }, (suite) => {
  let owner: Account;
  let api: Api;
  let base: string;
  let url: string;
  const clients: RealtimeClient[] = [];

  before(async () => {
    ({ owner, api, base } = await newOwnedWorkspace(suite.api));
    url = `${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${owner.accessToken}`;
    await newCollection(api, base, { collection: 'docs', fields: [{ field: 'body', type: 'text' }] });
  });

  after(() => {
    for (const client of clients) client.close();
  });

  async function connect(options = {}): Promise<RealtimeClient> {
    const client = await RealtimeClient.connect(url, options);
    clients.push(client);
    return client;
  }

  it('drops a subscriber that does not read what it is sent, and keeps serving others', async () => {
    const slow = await connect();
    const reader = await connect();
    await slow.subscribe('docs', { fields: ['body'] }, 'slow');
    await reader.subscribe('docs', { fields: ['id'] }, 'reader');
    slow.socket.pause();
    const body = 'y'.repeat(900_000);
    let closedCode: number | null = null;
    void slow.closed().then((c) => (closedCode = c.code), () => undefined);
    for (let i = 0; i < 40 && closedCode === null; i += 1) {
      assert.equal((await api.post(`${base}/items/docs`, { body })).status, 200);
      await reader.next((m) => m.event === 'create');
    }
    slow.socket.resume();
    assert.equal((await slow.closed()).code, 4413);
    const created = await api.post(`${base}/items/docs`, { body: 'small' });
    assert.deepEqual((await reader.next((m) => m.event === 'create')).data, [{ id: created.body.data.id }]);
  });
});

/** A connection lives no longer than its token. */
describeEachDatabase('realtime token expiry', { env: { ACCESS_TOKEN_TTL: '15m' } }, (suite) => {
  it('says the token expired and closes the connection when it does', async () => {
    const { base, owner } = await newOwnedWorkspace(suite.api);
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${owner.accessToken}`);
    client.send({ type: 'ping' });
    assert.equal((await client.next((m) => m.type === 'pong')).type, 'pong');
    suite.app.clock.advance(15 * 60 * 1000);
    const expired = await client.next((m) => m.type === 'auth');
    assert.deepEqual(expired, { type: 'auth', status: 'error', error: { code: 'TOKEN_EXPIRED', message: 'The access token has expired.' } });
    assert.equal((await client.closed()).code, 4401);
  });
});
