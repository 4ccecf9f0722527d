import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newAppUser } from '../support/app-users';
import { describeEachDatabase } from '../support/app';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { until } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

const ENV = { HANDLER_TIMEOUT: '2s', HANDLER_MEMORY_MB: '32', HANDLER_WORKERS: '1', WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', WEBHOOK_POLL_INTERVAL: '100ms', WEBHOOK_TIMEOUT: '1s' };

/** A handler that creates, reads back, updates and deletes orders, and logs as it goes. */
const WRITER = `module.exports = async (ctx) => {
  const orders = ctx.items('orders');
  const made = await orders.createOne({ total: ctx.request.body.total, status: 'new' });
  ctx.log('made', made.id);
  const seen = await orders.readOne(made.id);
  const changed = await orders.updateOne(ctx.request.params.id, { status: 'paid' });
  await orders.deleteOne(ctx.request.query.drop);
  const left = await orders.readByQuery({ sort: ['id'] });
  ctx.log('left', left.length);
  return { made, seen: seen.total, changed: changed.status, left: left.map((o) => o.status) };
};`;

describeEachDatabase('handler sample runs', { env: ENV }, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;
  let receiver: WebhookReceiver;
  let webhookId: string;
  let flowId: string;
  const ids: number[] = [];

  const orders = async () => (await api.get(`${base}/items/orders?sort=id`)).body.data as Array<Record<string, unknown>>;
  const activity = async () => (await api.get(`${base}/activity?filter[collection][_in]=orders,audits&limit=500`)).body.data as unknown[];
  const deliveries = async () => (await api.get(`${base}/webhooks/${webhookId}/deliveries`)).body.data as unknown[];
  const flowRuns = async () => (await api.get(`${base}/flows/${flowId}/runs`)).body.data as unknown[];

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await newCollection(api, base, { collection: 'orders', fields: [{ field: 'total', type: 'integer' }, { field: 'status', type: 'string' }] });
    await newCollection(api, base, { collection: 'audits', fields: [{ field: 'note', type: 'string' }] });
    for (const total of [10, 20]) {
      const created = await api.post(`${base}/items/orders`, { total, status: 'open' });
      assert.equal(created.status, 200, created.text);
      ids.push(created.body.data.id);
    }
    receiver = await WebhookReceiver.start();
    const webhook = await api.post(`${base}/webhooks`, { name: 'orders', url: receiver.url(), collections: ['orders', 'audits'], events: ['create', 'update', 'delete'] });
    assert.equal(webhook.status, 201, webhook.text);
    webhookId = webhook.body.data.id;
    const flow = await api.post(`${base}/flows`, { name: 'on orders', trigger: { type: 'event', collections: ['orders', 'audits'], events: ['create', 'update', 'delete'] }, operations: [{ key: 'note', type: 'log', options: { message: 'changed' } }], first: 'note' });
    assert.equal(flow.status, 201, flow.text);
    flowId = flow.body.data.id;
  });

  after(() => receiver?.close());

  async function saved(body: Record<string, unknown>): Promise<string> {
    const created = await api.post(`${base}/handlers`, { name: `h${Math.random().toString(36).slice(2, 8)}`, ...body });
    assert.equal(created.status, 201, created.text);
    return created.body.data.id;
  }

  it('runs an endpoint on a sample request that creates, updates and deletes, answering what it did and committing none of it', async () => {
    const id = await saved({ kind: 'endpoint', method: 'POST', path: '/orders/:id/settle', code: WRITER });
    const [first, second] = ids;
    const storedBefore = await orders();
    const activityBefore = (await activity()).length;

    const sample = await api.post(`${base}/handlers/${id}/sample`, { request: { path: `/orders/${first}/settle`, query: { drop: String(second) }, body: { total: 99 } } });
    assert.equal(sample.status, 200, sample.text);
    const result = sample.body.data;
    assert.equal(result.status, 'ok', sample.text);
    // Inside the run, its writes are visible to its own reads: the item made, the one changed, the one deleted.
    assert.equal(result.value.made.total, 99);
    assert.equal(result.value.seen, 99);
    assert.equal(result.value.changed, 'paid');
    assert.deepEqual(result.value.left, ['paid', 'new']);
    assert.deepEqual(result.logs, [`made ${result.value.made.id}`, 'left 2']);
    assert.equal(typeof result.duration_ms, 'number');
    assert.ok(result.memory.heap_used_bytes > 0 && result.memory.limit_mb === 32, sample.text);

    // None of it stayed: the table, the activity log, the webhook's deliveries and the flow's runs are as before.
    assert.deepEqual(await orders(), storedBefore);
    assert.equal((await activity()).length, activityBefore);
    // A real write afterwards is delivered and runs the flow: once it has, the sample's would have too.
    const real = await api.post(`${base}/items/audits`, { note: 'real' });
    assert.equal(real.status, 200, real.text);
    await until('the real write is delivered', deliveries, (list) => list.length >= 1);
    await until('the real write runs the flow', flowRuns, (list) => list.length >= 1);
    await receiver.waitFor(1);
    assert.equal((await deliveries()).length, 1);
    assert.equal((await flowRuns()).length, 1);
    assert.equal(receiver.received.length, 1);
    assert.equal(JSON.parse(receiver.received[0].body).type, 'items.create');
    assert.equal(JSON.parse(receiver.received[0].body).data.payload[0].note, 'real');
    assert.equal((await activity()).length, activityBefore + 1);
    // A sample run is not one of the handler's runs.
    assert.deepEqual((await api.get(`${base}/handlers/${id}/runs`)).body.data, []);
  });

  it('runs a before hook on a sample item event: its rewrite is answered, its own writes are not kept', async () => {
    const id = await saved({
      kind: 'before',
      collection: 'orders',
      events: ['create'],
      code: `module.exports = async (ctx) => {
        await ctx.items('audits').createOne({ note: ctx.event.action + ' ' + ctx.event.payload.total });
        ctx.log('audited');
        return { ...ctx.event.payload, status: 'checked' };
      };`,
    });
    const sample = await api.post(`${base}/handlers/${id}/sample`, { event: { action: 'create', payload: { total: 5 } } });
    assert.equal(sample.status, 200, sample.text);
    assert.deepEqual(sample.body.data.value, { total: 5, status: 'checked' });
    assert.deepEqual(sample.body.data.logs, ['audited']);
    assert.deepEqual((await api.get(`${base}/items/audits?filter[note][_eq]=create 5`)).body.data, []);
    // A disabled handler still runs as a sample: it can be tried before it goes live.
    assert.equal((await api.patch(`${base}/handlers/${id}`, { enabled: false })).status, 200);
    assertError(await api.post(`${base}/handlers/${id}/sample`, { request: { path: '/' } }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers/${id}/sample`, { event: { action: 'create', collection: 'audits' } }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers/${id}/sample`, { event: { action: 'explode' } }), 400, 'INVALID_PAYLOAD');
    assert.equal((await api.post(`${base}/handlers/${id}/sample`, { event: { action: 'create', payload: { total: 6 } } })).body.data.status, 'ok');
  });

  it('answers a failed run as data: what it threw, its logs; and a run that overruns its deadline', async () => {
    const thrower = await saved({ kind: 'endpoint', method: 'GET', path: '/boom', code: `module.exports = async (ctx) => { ctx.log('about to fail'); await ctx.items('orders').createOne({ total: 1 }); throw { status: 422, message: 'no, because' }; };` });
    const failed = await api.post(`${base}/handlers/${thrower}/sample`, { request: {} });
    assert.equal(failed.status, 200, failed.text);
    assert.equal(failed.body.data.status, 'error');
    assert.equal(failed.body.data.error.message, 'no, because');
    assert.equal(failed.body.data.error.status, 422);
    assert.deepEqual(failed.body.data.logs, ['about to fail']);
    assertError(await api.post(`${base}/handlers/${thrower}/sample`, { request: { path: '/other' } }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers/${thrower}/sample`, { event: { action: 'create' } }), 400, 'INVALID_PAYLOAD');

    const slow = await saved({ kind: 'endpoint', method: 'GET', path: '/slow', timeout_ms: 300, code: `module.exports = async (ctx) => { await ctx.items('orders').createOne({ total: 2 }); while (true) {} };` });
    const overran = await api.post(`${base}/handlers/${slow}/sample`, {});
    assert.equal(overran.status, 200, overran.text);
    assert.equal(overran.body.data.status, 'timeout');
    assert.match(overran.body.data.error.message, /300 ms/);
    const totals = (await orders()).map((order) => order.total);
    assert.ok(!totals.includes(1) && !totals.includes(2), JSON.stringify(totals));
    // Writes go on as usual after a sample.
    const real = await api.post(`${base}/items/orders`, { total: 3 });
    assert.equal(real.status, 200, real.text);
  });

  it('runs the before hooks its writes fire inside the same rehearsal: their writes are undone too', async () => {
    const hook = await saved({
      kind: 'before',
      collection: 'audits',
      events: ['create'],
      code: `module.exports = async (ctx) => {
        await ctx.items('orders').createOne({ total: 777, status: 'from hook' });
        return { note: ctx.event.payload.note.toUpperCase() };
      };`,
    });
    const writer = await saved({ kind: 'endpoint', method: 'POST', path: '/audit', code: `module.exports = async (ctx) => (await ctx.items('audits').createOne({ note: 'nested' })).note;` });
    const sample = await api.post(`${base}/handlers/${writer}/sample`, {});
    assert.deepEqual([sample.body.data.status, sample.body.data.value], ['ok', 'NESTED'], sample.text);
    assert.deepEqual((await api.get(`${base}/items/orders?filter[total][_eq]=777`)).body.data, []);
    assert.deepEqual((await api.get(`${base}/items/audits?filter[note][_eq]=NESTED`)).body.data, []);
    assert.equal((await api.patch(`${base}/handlers/${hook}`, { enabled: false })).status, 200);
  });

  it('lets other requests write while a sample runs, and keeps their writes when the sample is undone', async () => {
    const slow = await saved({
      kind: 'endpoint',
      method: 'POST',
      path: '/slow',
      code: `module.exports = async (ctx) => {
        const made = await ctx.items('audits').createOne({ note: 'sample' });
        for (let i = 0; i < 150; i++) await ctx.items('audits').readOne(made.id);
        return made.id;
      };`,
    });
    const other = await saved({ kind: 'endpoint', method: 'GET', path: '/other', code: 'module.exports = () => 1;' });
    const sample = api.post(`${base}/handlers/${slow}/sample`, {});
    // Meanwhile: an item written through the items door, and a handler changed (a write of Cairn's own tables).
    const [written, renamed] = await Promise.all([api.post(`${base}/items/audits`, { note: 'meanwhile' }), api.patch(`${base}/handlers/${other}`, { name: 'renamed meanwhile' })]);
    assert.equal(written.status, 200, written.text);
    assert.equal(renamed.status, 200, renamed.text);
    const answered = await sample;
    assert.equal(answered.body.data.status, 'ok', answered.text);
    const notes = (await api.get(`${base}/items/audits?fields=note&filter[note][_in]=sample,meanwhile`)).body.data.map((item: { note: string }) => item.note);
    assert.deepEqual(notes, ['meanwhile']);
    assert.equal((await api.get(`${base}/handlers/${other}`)).body.data.name, 'renamed meanwhile');
  });

  it('is for owners and admins only', async () => {
    const id = await saved({ kind: 'endpoint', method: 'GET', path: '/who', code: 'module.exports = (ctx) => ctx.principal.kind;' });
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, owned.workspace, owned.owner, viewer, 'viewer');
    const appUser = await newAppUser(suite.api, base);
    assertError(await suite.api.as(viewer.accessToken).post(`${base}/handlers/${id}/sample`, {}), 403, 'FORBIDDEN');
    assertError(await suite.api.as(appUser.accessToken).post(`${base}/handlers/${id}/sample`, {}), 403, 'FORBIDDEN');
    assertError(await suite.api.as(null).post(`${base}/handlers/${id}/sample`, {}), 401, 'INVALID_CREDENTIALS');
    assertError(await api.post(`${base}/handlers/00000000-0000-0000-0000-000000000000/sample`, {}), 404, 'NOT_FOUND');
    const mine = await api.post(`${base}/handlers/${id}/sample`, {});
    assert.deepEqual([mine.status, mine.body.data.value], [200, 'user']);
  });
});
