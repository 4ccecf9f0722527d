import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { Instance } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { newAppUser } from '../support/app-users';
import type { Api } from '../support/http';
import { WebhookReceiver } from '../support/webhook-receiver';
import { until } from '../support/wait';

/** Fast retries and a short timeout, and the loopback receiver allowed. */
const WEBHOOK_ENV = { WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms', WEBHOOK_POLL_INTERVAL: '100ms', WEBHOOK_TIMEOUT: '1s' };

type Delivery = {
  id: string;
  event: string;
  status: string;
  attempts: number;
  payload: any;
  log: Array<{ attempt: number; status_code: number | null; error: string | null; response: string | null; duration_ms: number; request_headers: Record<string, string> | null }>;
};

async function setUp(api: Api, base: string): Promise<void> {
  await newCollection(api, base, { collection: 'orders', fields: [{ field: 'total', type: 'integer' }] });
  await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
}

describeEachDatabase('webhooks', { env: WEBHOOK_ENV }, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;
  let receiver: WebhookReceiver;

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await setUp(api, base);
    receiver = await WebhookReceiver.start();
  });

  after(() => receiver.close());

  async function hook(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const created = await api.post(`${base}/webhooks`, { name: 'test', url: receiver.url(), ...body });
    assert.equal(created.status, 201, created.text);
    return created.body.data;
  }

  const deliveries = async (id: string): Promise<Delivery[]> => (await api.get(`${base}/webhooks/${id}/deliveries`)).body.data;

  it('retries a failing receiver until it answers, signing every attempt with the same id', async () => {
    receiver.answer({ status: 500 }, { status: 503 }, { status: 200 });
    const webhook = await hook({ collections: ['orders'], events: ['create'] });
    assert.match(webhook.secret, /^whsec_/);
    const order = await api.post(`${base}/items/orders`, { total: 42 });
    assert.equal(order.status, 200, order.text);
    const attempts = await receiver.waitFor(3);
    assert.deepEqual(new Set(attempts.map((a) => a.headers['webhook-id'])).size, 1);
    const verified = new Webhook(webhook.secret).verify(attempts[2].body, attempts[2].headers) as { type: string; data: { collection: string; keys: unknown[]; payload: unknown[] } };
    assert.deepEqual(verified.type, 'items.create');
    assert.deepEqual(verified.data, { collection: 'orders', keys: [order.body.data.id], payload: [{ total: 42 }] });
    const [delivery] = await until('the delivery is logged as delivered', () => deliveries(webhook.id), (list) => list[0]?.status === 'delivered');
    assert.deepEqual(delivery.log.map((entry) => entry.status_code), [500, 503, 200]);
    assert.equal(delivery.log[2].response, 'answer 200');
    assert.equal(delivery.id, attempts[0].headers['webhook-id']);
    await api.delete(`${base}/webhooks/${webhook.id}`);
  });

  it('sends only the events and collections a webhook asks for, with its own headers', async () => {
    receiver.answer({ status: 204 });
    const before = receiver.received.length;
    const webhook = await hook({ collections: ['notes'], events: ['delete'], headers: { 'x-team': 'ops' } });
    const note = await api.post(`${base}/items/notes`, { body: 'x' });
    await api.patch(`${base}/items/notes/${note.body.data.id}`, { body: 'y' });
    await api.post(`${base}/items/orders`, { total: 1 });
    await api.delete(`${base}/items/notes/${note.body.data.id}`);
    const [received] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(received.headers['x-team'], 'ops');
    assert.equal(JSON.parse(received.body).type, 'items.delete');
    assert.equal((await deliveries(webhook.id)).length, 1);
    await api.delete(`${base}/webhooks/${webhook.id}`);
  });

  it('disables a webhook whose receiver answers 410, does not follow redirects, and gives up on a hung receiver', async () => {
    receiver.answer({ status: 410 });
    const gone = await hook({ collections: ['orders'] });
    await api.post(`${base}/items/orders`, { total: 2 });
    await until('the webhook is disabled', async () => (await api.get(`${base}/webhooks/${gone.id}`)).body.data, (data) => data.enabled === false);
    assert.equal((await deliveries(gone.id))[0].status, 'failed');
    await api.delete(`${base}/webhooks/${gone.id}`);

    receiver.answer({ status: 302, headers: { location: receiver.url('/elsewhere') } }, { status: 200 });
    const redirected = await hook({ collections: ['orders'] });
    await api.post(`${base}/items/orders`, { total: 3 });
    const [delivery] = await until('the redirect is retried', () => deliveries(redirected.id), (list) => list[0]?.status === 'delivered');
    assert.deepEqual(delivery.log.map((entry) => entry.status_code), [302, 200]);
    assert.ok(!receiver.received.some((request) => request.path === '/elsewhere'));
    await api.delete(`${base}/webhooks/${redirected.id}`);

    receiver.answer('hang');
    const hung = await hook({ collections: ['orders'] });
    await api.post(`${base}/items/orders`, { total: 4 });
    const [timedOut] = await until('the hung attempt is logged', () => deliveries(hung.id), (list) => (list[0]?.log.length ?? 0) >= 1);
    assert.match(timedOut.log[0].error ?? '', /No answer within 1000 ms/);
    await api.delete(`${base}/webhooks/${hung.id}`);
  });

  it('signs with both secrets while a rotation overlaps, and redelivers with the same id', async () => {
    receiver.answer({ status: 200 });
    const webhook = await hook({ collections: ['orders'], events: ['create'] });
    const rotated = await api.post(`${base}/webhooks/${webhook.id}/rotate-secret`);
    assert.equal(rotated.status, 200, rotated.text);
    const before = receiver.received.length;
    await api.post(`${base}/items/orders`, { total: 5 });
    const [received] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(received.headers['webhook-signature'].split(' ').length, 2);
    for (const secret of [webhook.secret, rotated.body.data.secret]) assert.ok(new Webhook(secret).verify(received.body, received.headers));

    const [delivery] = await until('delivered', () => deliveries(webhook.id), (list) => list[0]?.status === 'delivered');
    assert.equal((await api.post(`${base}/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`)).status, 202);
    const [again] = (await receiver.waitFor(before + 2)).slice(before + 1);
    assert.equal(again.headers['webhook-id'], received.headers['webhook-id']);
    await api.delete(`${base}/webhooks/${webhook.id}`);
  });

  it('logs each attempt with the headers sent, the receiver\'s status, latency and answer, and replays the failed deliveries with their ids once the receiver is fixed', async () => {
    receiver.answer({ status: 500 });
    const webhook = await hook({ collections: ['orders'], events: ['create'] });
    const orders = [await api.post(`${base}/items/orders`, { total: 10 }), await api.post(`${base}/items/orders`, { total: 11 })];
    const failed = await until('both deliveries have failed', () => deliveries(webhook.id), (list) => list.length === 2 && list.every((d) => d.status === 'failed'));
    for (const delivery of failed) {
      // One attempt, then the three retries of the schedule.
      assert.equal(delivery.attempts, 4);
      assert.deepEqual(delivery.log.map((entry) => entry.status_code), [500, 500, 500, 500]);
      const first = delivery.log[0];
      assert.equal(first.response, 'answer 500');
      assert.ok(Number.isInteger(first.duration_ms) && first.duration_ms >= 0);
      assert.equal(first.request_headers?.['webhook-id'], delivery.id);
      assert.equal(first.request_headers?.['content-type'], 'application/json');
      assert.equal(first.request_headers?.['user-agent'], 'Cairn-Webhooks');
      assert.ok(new Webhook(webhook.secret).verify(JSON.stringify(delivery.payload), first.request_headers!));
    }

    receiver.answer({ status: 204 });
    const before = receiver.received.length;
    const replayed = await api.post(`${base}/webhooks/${webhook.id}/deliveries/replay-failed`);
    assert.equal(replayed.status, 202, replayed.text);
    assert.deepEqual(replayed.body.data, { replayed: 2 });
    const again = (await receiver.waitFor(before + 2)).slice(before);
    assert.deepEqual(new Set(again.map((request) => request.headers['webhook-id'])), new Set(failed.map((d) => d.id)));
    const keys = again.map((request) => (new Webhook(webhook.secret).verify(request.body, request.headers) as { data: { keys: unknown[] } }).data.keys[0]);
    assert.deepEqual(new Set(keys), new Set(orders.map((order) => order.body.data.id)));
    const delivered = await until('both are delivered', () => deliveries(webhook.id), (list) => list.every((d) => d.status === 'delivered'));
    assert.ok(delivered.every((d) => d.attempts === 5 && d.log.length === 5 && d.log[4].status_code === 204), JSON.stringify(delivered));
    assert.deepEqual(delivered[0].log.map((entry) => entry.attempt), [1, 2, 3, 4, 5]);
    assert.deepEqual((await api.post(`${base}/webhooks/${webhook.id}/deliveries/replay-failed`)).body.data, { replayed: 0 });
    assert.equal(receiver.received.length, before + 2);
    await api.delete(`${base}/webhooks/${webhook.id}`);
  });

  it('sends a signed test event now and answers its delivery with the receiver\'s status, latency and answer cut to 1 KiB', async () => {
    const webhook = await hook({ collections: ['orders'], headers: { 'x-team': 'ops' } });
    receiver.answer({ status: 200, body: 'x'.repeat(5000) });
    const before = receiver.received.length;
    const sent = await api.post(`${base}/webhooks/${webhook.id}/test`);
    assert.equal(sent.status, 200, sent.text);
    const delivery: Delivery = sent.body.data;
    assert.equal(delivery.event, 'test');
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.log[0].status_code, 200);
    assert.equal(delivery.log[0].response, 'x'.repeat(1024));
    assert.ok(delivery.log[0].duration_ms >= 0);
    // The request reached the receiver before the answer: nothing is left to wait for.
    assert.equal(receiver.received.length, before + 1);
    const received = receiver.received[before];
    assert.equal(received.headers['webhook-id'], delivery.id);
    assert.equal(received.headers['x-team'], 'ops');
    const verified = new Webhook(webhook.secret).verify(received.body, received.headers) as { type: string; data: { webhook: { id: string } } };
    assert.equal(verified.type, 'test');
    assert.equal(verified.data.webhook.id, webhook.id);
    assert.deepEqual(delivery.log[0].request_headers?.['webhook-signature'], received.headers['webhook-signature']);
    assert.deepEqual((await deliveries(webhook.id)).map((d) => [d.id, d.event, d.status]), [[delivery.id, 'test', 'delivered']]);

    // A failed test is logged as failed, is not retried and is not replayed with the failed events.
    receiver.answer({ status: 500 });
    const refused = await api.post(`${base}/webhooks/${webhook.id}/test`);
    assert.equal(refused.status, 200, refused.text);
    assert.equal(refused.body.data.status, 'failed');
    assert.equal(refused.body.data.log[0].status_code, 500);
    assert.deepEqual((await api.post(`${base}/webhooks/${webhook.id}/deliveries/replay-failed`)).body.data, { replayed: 0 });

    // A disabled webhook can still be tested, but not replayed.
    receiver.answer({ status: 204 });
    await api.patch(`${base}/webhooks/${webhook.id}`, { enabled: false });
    assert.equal((await api.post(`${base}/webhooks/${webhook.id}/test`)).body.data.status, 'delivered');
    assertError(await api.post(`${base}/webhooks/${webhook.id}/deliveries/replay-failed`), 409, 'CONFLICT');
    assert.equal(receiver.received.length, before + 3);
    assertError(await api.post(`${base}/webhooks/00000000-0000-0000-0000-000000000000/test`), 404, 'NOT_FOUND');
    await api.delete(`${base}/webhooks/${webhook.id}`);
  });

  it('lets no viewer, editor or app user replay deliveries or send a test event', async () => {
    const webhook = await hook({});
    const before = receiver.received.length;
    const routes = [`${base}/webhooks/${webhook.id}/test`, `${base}/webhooks/${webhook.id}/deliveries/replay-failed`];
    for (const role of ['viewer', 'editor']) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, owned.workspace, owned.owner, member, role);
      for (const route of routes) assertError(await suite.api.as(member.accessToken).post(route), 403, 'FORBIDDEN');
    }
    const appUser = await newAppUser(suite.api, base);
    for (const route of routes) {
      assertError(await suite.api.as(appUser.accessToken).post(route), 403, 'FORBIDDEN');
      assertError(await suite.api.as(null).post(route), 401, 'INVALID_CREDENTIALS');
    }
    assert.equal(receiver.received.length, before);
    await api.delete(`${base}/webhooks/${webhook.id}`);
  });

  it('validates webhooks, keeps their secret to the answer that made it, and lets only admins manage them', async () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', url: 'ftp://example.com' }, 'url'],
      [{ name: 'x', url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      [{ name: 'x', url: 'http://user:pass@example.com/' }, 'url'],
      [{ name: 'x', url: 'https://example.com', collections: ['nowhere'] }, 'collections'],
      [{ name: 'x', url: 'https://example.com', events: ['publish'] }, 'events'],
      [{ name: 'x', url: 'https://example.com', headers: { 'webhook-signature': 'forged' } }, 'headers'],
      [{ name: 'x', url: 'https://example.com', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of refused) {
      const response = await api.post(`${base}/webhooks`, body);
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, response.text);
    }
    const made = await hook({});
    const read = await api.get(`${base}/webhooks/${made.id}`);
    assert.equal(read.body.data.secret, undefined);
    assert.equal((await api.get(`${base}/webhooks`)).body.data.some((w: { secret?: string }) => 'secret' in w), false);
    assertError(await suite.api.as(null).get(`${base}/webhooks`), 401, 'INVALID_CREDENTIALS');
    await api.delete(`${base}/webhooks/${made.id}`);
    assertError(await api.get(`${base}/webhooks/${made.id}`), 404, 'NOT_FOUND');
  });
});

/** Without an allow list, nothing but public addresses may be reached, in any spelling or by any name. */
describeEachDatabase('webhook targets', { env: { ...WEBHOOK_ENV, WEBHOOK_ALLOWED_TARGETS: '' } }, (suite) => {
  it('refuses loopback, private, link-local and metadata addresses, mapped, decimal or octal, and localhost, naming WEBHOOK_ALLOWED_TARGETS', async () => {
    const { api, base } = await newOwnedWorkspace(suite.api);
    await setUp(api, base);
    const receiver = await WebhookReceiver.start();
    try {
      const refused: Array<[string, string]> = [
        [receiver.url(), '127.0.0.1'],
        [`http://[::ffff:127.0.0.1]:${receiver.port}/`, '127.0.0.1'],
        [`http://2130706433:${receiver.port}/`, '127.0.0.1'],
        [`http://0177.0.0.1:${receiver.port}/`, '127.0.0.1'],
        ['http://10.0.0.1/', '10.0.0.1'],
        ['http://192.168.1.1/', '192.168.1.1'],
        ['http://169.254.169.254/', '169.254.169.254'],
        ['http://[::1]/', '::1'],
        ['http://[fd00::1]/', 'fd00::1'],
        ['http://0.0.0.0/', '0.0.0.0'],
        [`http://localhost:${receiver.port}/`, '127.0.0.1'],
        ['http://LocalHost./hook', '127.0.0.1'],
        ['https://api.localhost/hook', '127.0.0.1'],
      ];
      for (const [url, toAdd] of refused) {
        const response = await api.post(`${base}/webhooks`, { name: 'x', url });
        assertError(response, 400, 'INVALID_PAYLOAD');
        assert.equal(response.body.errors[0].extensions.field, 'url', url);
        assert.ok(response.body.errors[0].message.includes(`add ${toAdd} `), response.text);
        assert.match(response.body.errors[0].message, /WEBHOOK_ALLOWED_TARGETS/);
      }
      const made = await api.post(`${base}/webhooks`, { name: 'x', url: 'https://example.com/hook' });
      assert.equal(made.status, 201, made.text);
      const moved = await api.patch(`${base}/webhooks/${made.body.data.id}`, { url: `http://localhost:${receiver.port}/` });
      assertError(moved, 400, 'INVALID_PAYLOAD');
      assert.equal(moved.body.errors[0].extensions.field, 'url');
      assert.match(moved.body.errors[0].message, /WEBHOOK_ALLOWED_TARGETS/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});

/**
 * A name is checked on every address it resolves to when the request is made. `localhost` passes when it is
 * saved, since the allow list holds a loopback address, but resolves to 127.0.0.1, which the list lacks.
 */
describeEachDatabase('webhook targets resolved at send time', { env: { ...WEBHOOK_ENV, WEBHOOK_ALLOWED_TARGETS: '::1' } }, (suite) => {
  it('records the refused attempt, naming the address and WEBHOOK_ALLOWED_TARGETS, and sends nothing', async () => {
    const { api, base } = await newOwnedWorkspace(suite.api);
    await setUp(api, base);
    const receiver = await WebhookReceiver.start();
    try {
      const byName = await api.post(`${base}/webhooks`, { name: 'x', url: `http://localhost:${receiver.port}/`, collections: ['orders'] });
      assert.equal(byName.status, 201, byName.text);
      await api.post(`${base}/items/orders`, { total: 1 });
      const [delivery] = await until('the refused attempt is logged', async () => (await api.get(`${base}/webhooks/${byName.body.data.id}/deliveries`)).body.data as Delivery[], (list) => (list[0]?.log.length ?? 0) >= 1);
      const error = delivery.log[0].error ?? '';
      assert.match(error, /localhost resolves to 127\.0\.0\.1, a loopback address/);
      assert.match(error, /add 127\.0\.0\.1 to WEBHOOK_ALLOWED_TARGETS/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});

/** The outbox is written with the change: a delivery outlives the process that committed it. */
for (const kind of selectedDatabases()) {
  describe(`webhook deliveries survive the process [${kind}]`, () => {
    let db: TestDatabase;
    let receiver: WebhookReceiver;
    before(async () => {
      db = await createTestDatabase(kind);
      receiver = await WebhookReceiver.start();
    });
    after(async () => {
      await receiver.close();
      await db.drop();
    });

    it('delivers after a restart what a process killed right after the commit had not sent', async () => {
      const first = await Instance.start({ DATABASE_URL: db.url, ...WEBHOOK_ENV, WEBHOOK_DISPATCH: 'false' });
      let api: Api;
      let base: string;
      try {
        ({ api, base } = await newOwnedWorkspace(first.api));
        await setUp(api, base);
        assert.equal((await api.post(`${base}/webhooks`, { name: 'x', url: receiver.url(), collections: ['orders'] })).status, 201);
        assert.equal((await api.post(`${base}/items/orders`, { total: 7 })).status, 200);
      } finally {
        await first.kill();
      }
      assert.equal(receiver.received.length, 0);
      const second = await Instance.start({ DATABASE_URL: db.url, ...WEBHOOK_ENV });
      try {
        const [received] = await receiver.waitFor(1);
        assert.equal(JSON.parse(received.body).data.payload[0].total, 7);
      } finally {
        await second.stop();
      }
    });
  });
}

/** Several instances share the outbox; row locks let exactly one of them send each delivery. */
for (const kind of selectedDatabases().filter((k) => k !== 'sqlite')) {
  describe(`webhooks with two instances [${kind}]`, () => {
    let db: TestDatabase;
    let apps: RunningApp[] = [];
    let receiver: WebhookReceiver;
    before(async () => {
      db = await createTestDatabase(kind);
      apps = [await startApp(db.url, WEBHOOK_ENV)];
      apps.push(await startApp(db.url, WEBHOOK_ENV));
      receiver = await WebhookReceiver.start();
    });
    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await receiver.close();
      await db.drop();
    });

    it('delivers each event exactly once', async () => {
      const { api, base, owner } = await newOwnedWorkspace(apps[0].api);
      await setUp(api, base);
      const webhook = await api.post(`${base}/webhooks`, { name: 'x', url: receiver.url(), collections: ['orders'] });
      assert.equal(webhook.status, 201, webhook.text);
      const other = apps[1].api.as(owner.accessToken);
      const writes = 40;
      const created = await Promise.all(Array.from({ length: writes }, (_, i) => (i % 2 === 0 ? api : other).post(`${base}/items/orders`, { total: i })));
      assert.deepEqual(created.filter((r) => r.status !== 200).map((r) => r.text), []);
      const received = await receiver.waitFor(writes);
      assert.equal(new Set(received.map((r) => r.headers['webhook-id'])).size, writes);
      // Every delivery was sent by one instance, once: a second sender would have logged a second attempt.
      const deliveries = await until(
        'every delivery is logged as delivered',
        async () => (await api.get(`${base}/webhooks/${webhook.body.data.id}/deliveries?limit=100`)).body.data as Delivery[],
        (list) => list.length === writes && list.every((d) => d.status === 'delivered'),
      );
      assert.ok(deliveries.every((d) => d.attempts === 1 && d.log.length === 1), JSON.stringify(deliveries.filter((d) => d.log.length !== 1)));
      assert.equal(receiver.received.length, writes);
    });
  });
}
