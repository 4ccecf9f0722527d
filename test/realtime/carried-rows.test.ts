import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { MESSAGE_BUS, MessageBus } from '../../src/common/bus/bus';
import { ITEMS_CHANGED, ItemsChanged } from '../../src/common/bus/items-changed';
import { describeEachDatabase } from '../support/app';
import { Account, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

/**
 * A create's event carries the stored rows, and subscribers whose read would only pick their columns
 * are sent them without reading the items again. What they are sent must be what a read answers, and
 * the rows must never stand in for a read that filters, nor arrive after a newer version of an item.
 */
describeEachDatabase('realtime events from the rows a create carries', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;
  let url: string;
  let bus: MessageBus;
  const heard: ItemsChanged[] = [];
  const clients: RealtimeClient[] = [];

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    url = `${suite.app.url.replace('http', 'ws')}${base}/realtime`;
    bus = suite.app.nest.get<MessageBus>(MESSAGE_BUS);
    await bus.subscribe(ITEMS_CHANGED, (payload) => void heard.push(payload as ItemsChanged));
    await newCollection(api, base, {
      collection: 'typed',
      fields: [
        { field: 'label', type: 'string' },
        { field: 'body', type: 'text' },
        { field: 'kind', type: 'enum', values: ['a', 'b'] },
        { field: 'ref', type: 'uuid' },
        { field: 'count', type: 'integer' },
        { field: 'big', type: 'bigint' },
        { field: 'ratio', type: 'float' },
        { field: 'price', type: 'decimal', precision: 8, scale: 2 },
        { field: 'flag', type: 'boolean' },
        { field: 'extra', type: 'json' },
        { field: 'at', type: 'datetime' },
        { field: 'day', type: 'date' },
        { field: 'clock', type: 'time' },
        { field: 'secret', type: 'string' },
      ],
    });
    const steps = [
      // The public role reads every row but not every field: no filter, so it is sent the carried rows.
      await api.post(`${base}/policies`, { role: 'public', collection: 'typed', action: 'read', fields: ['id', 'label', 'count'] }),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  after(() => {
    for (const client of clients) client.close();
  });

  async function connect(token: string | null): Promise<RealtimeClient> {
    const client = await RealtimeClient.connect(url);
    clients.push(client);
    if (token) {
      client.send({ type: 'auth', access_token: token });
      assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    }
    return client;
  }

  const item = {
    label: 'Ünïcode ✓',
    body: 'x'.repeat(300),
    kind: 'b',
    ref: '6f1c2f3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f',
    count: 42,
    big: '9007199254740993',
    ratio: 0.25,
    price: '12.50',
    flag: true,
    extra: { nested: [1, 'two', { three: null }] },
    at: '2026-03-04T05:06:07.000Z',
    day: '2026-03-04',
    clock: '05:06:07',
    secret: 'hidden',
  };

  it('sends a create exactly as a read answers it, for every field type and both kinds of caller', async () => {
    const ownerClient = await connect(owner.accessToken);
    const anonymous = await connect(null);
    await ownerClient.subscribe('typed', { fields: ['*'] });
    await anonymous.subscribe('typed', { fields: ['*'] });
    heard.length = 0;
    const created = await api.post(`${base}/items/typed`, item);
    assert.equal(created.status, 200, created.text);
    const id = created.body.data.id;
    assert.deepEqual(heard[0].rows?.map((row) => row.id), [id], 'the event carries the stored row');

    const read = await api.get(`${base}/items/typed/${id}`);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(await ownerClient.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [read.body.data] });
    const publicRead = await suite.api.get(`${base}/items/typed/${id}`);
    assert.equal(publicRead.status, 200, publicRead.text);
    assert.deepEqual(Object.keys(publicRead.body.data).sort(), ['count', 'id', 'label']);
    assert.deepEqual(await anonymous.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [publicRead.body.data] });
  });

  it('leaves large rows out of the event, and its subscribers read them', async () => {
    const client = await connect(owner.accessToken);
    await client.subscribe('typed', { fields: ['id', 'body'] });
    heard.length = 0;
    const created = await api.post(`${base}/items/typed`, { ...item, body: 'y'.repeat(20_000) });
    assert.equal(created.status, 200, created.text);
    assert.equal(heard[0].rows, undefined);
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: created.body.data.id, body: 'y'.repeat(20_000) }] });
  });

  /** Announces a create of `id` whose carried row says `label`, as another instance would. */
  const announce = (id: unknown, label: string) =>
    bus.publish(ITEMS_CHANGED, { workspaceId: workspace.id, collection: 'typed', action: 'create', keys: [id], rows: [{ ...item, id, label }] } satisfies ItemsChanged);

  it('sends the carried rows without a read, but reads when the subscription filters', async () => {
    const plain = await connect(owner.accessToken);
    const filtered = await connect(owner.accessToken);
    await plain.subscribe('typed', { fields: ['id', 'label'] });
    await filtered.subscribe('typed', { fields: ['id', 'label'], filter: { count: { _eq: 42 } } });
    // No such row exists: only the carried row can be what is sent, and a read finds nothing.
    await announce(999_999, 'Only in the event');
    assert.deepEqual(await plain.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: 999_999, label: 'Only in the event' }] });
    const created = await api.post(`${base}/items/typed`, { ...item, label: 'Stored' });
    // Events of a collection arrive in order: the filtered subscriber's first is the real create.
    assert.deepEqual(await filtered.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: created.body.data.id, label: 'Stored' }] });
    assert.deepEqual(await plain.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: created.body.data.id, label: 'Stored' }] });
  });

  it('reads afresh a create that arrives after its item was sent, rather than send the older version', async () => {
    const created = await api.post(`${base}/items/typed`, { ...item, label: 'First' });
    const id = created.body.data.id;
    assert.equal((await api.patch(`${base}/items/typed/${id}`, { label: 'Updated' })).status, 200);
    const client = await connect(owner.accessToken);
    const init = await client.subscribe('typed', { fields: ['id', 'label'], sort: ['-id'], limit: 1 });
    assert.deepEqual(init.data, [{ id, label: 'Updated' }]);
    // The create's event, late: its row is older than what the subscriber was sent.
    await announce(id, 'First');
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id, label: 'Updated' }] });
  });

  it('reads for a subscription that searches, rather than send the carried rows', async () => {
    const client = await connect(owner.accessToken);
    await client.subscribe('typed', { fields: ['id', 'label'], search: 'Findable' });
    await announce(999_998, 'Findable but not stored');
    const created = await api.post(`${base}/items/typed`, { ...item, label: 'Findable' });
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: created.body.data.id, label: 'Findable' }] });
    client.send({ type: 'ping' });
    assert.deepEqual(await client.next(), { type: 'pong' });
  });
});
