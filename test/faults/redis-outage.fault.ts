import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance, RedisServer } from '../support/cluster';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { Message, RealtimeClient } from '../support/realtime';
import { WebhookReceiver } from '../support/webhook-receiver';
import { report } from './load';

/**
 * How soon a schema or policy change made on one instance must be served by the others while Redis is
 * down: no message crosses, so it is the lifetime of the cached workspace row (whose schema version
 * decides) and of the cached policies, 2 s each, and a little more.
 */
const SYNC_WITHOUT_REDIS_MS = 4_000;
/** Writes made during the outage on each of two instances. */
const WRITES = 5;

/**
 * Three instances on one PostgreSQL and a Redis of the test's own, which the test stops and starts
 * (test/scale/scale-out.test.ts covers serving and recovering; this goes further): while Redis is down,
 * schema and policy changes made on one instance still reach the others through the database; webhooks
 * are delivered from the outbox; realtime events reach the writing instance's own subscribers but no other
 * instance's (those are lost, and counted);
 * realtime resumes across instances once Redis is back.
 */
describe('a Redis outage under three instances', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  let receiver: WebhookReceiver;
  let nodes: Instance[] = [];
  let owned: OwnedWorkspace;
  let apis: Api[];
  const clients: RealtimeClient[] = [];

  before(async () => {
    db = await createTestDatabase('postgres');
    redis = await RedisServer.start();
    receiver = await WebhookReceiver.start();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, WEBHOOK_ALLOWED_TARGETS: '127.0.0.1' };
    // The first runs the migrations; the others start on the migrated database.
    nodes = [await Instance.start(env)];
    nodes.push(...(await Promise.all([Instance.start(env), Instance.start(env)])));
    owned = await newOwnedWorkspace(nodes[0].api);
    apis = nodes.map((node) => node.api.as(owned.owner.accessToken));
    await newCollection(apis[0], owned.base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }] });
    const hook = await apis[0].post(`${owned.base}/webhooks`, { name: 'posts', url: receiver.url(), collections: ['posts'], events: ['create'] });
    assert.equal(hook.status, 201, hook.text);
  });

  after(async () => {
    for (const client of clients) client.close();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await receiver?.close();
    await db?.drop();
  });

  async function subscriber(node: Instance): Promise<RealtimeClient> {
    const client = await RealtimeClient.connect(`${node.url.replace('http', 'ws')}${owned.base}/realtime?access_token=${owned.owner.accessToken}`);
    clients.push(client);
    assert.equal((await client.subscribe('posts', { fields: ['id', 'title'] })).event, 'init');
    return client;
  }

  const titled = (title: string) => (message: Message) => message.event === 'create' && message.data?.[0]?.title === title;

  it('keeps schemas and policies in sync through the database, delivers webhooks and resumes realtime', async () => {
    // Subscribers on the third instance (which will hear the first's writes and its own) and on the first (its own).
    const onThird = await subscriber(nodes[2]);
    const onFirst = await subscriber(nodes[0]);
    const warm = await apis[0].post(`${owned.base}/items/posts`, { title: 'before the outage' });
    assert.equal((await onThird.next(titled('before the outage'))).data[0].id, warm.body.data.id);
    await receiver.waitFor(1);
    // Every instance has cached the workspace, its schema and the public role's (empty) policies.
    for (const node of nodes) assert.equal((await node.api.get(`${owned.base}/items/posts`)).status, 403);
    for (const api of apis) assert.equal((await api.get(`${owned.base}/items/posts?fields=id,title`)).status, 200);

    await redis.stop();
    const outageStarted = performance.now();

    // A field added on the first instance: the others serve it once their cached workspace row, and so its schema version, is reloaded.
    const addField = await timed(() => apis[0].post(`${owned.base}/fields/posts`, { field: 'rating', type: 'integer' }));
    assert.equal(addField.response.status, 201, addField.response.text);
    const fieldSync = await Promise.all(apis.slice(1).map((api) => waitMs('the new field on another instance', async () => (await api.get(`${owned.base}/items/posts?fields=id,rating`)).status === 200)));
    report(`redis-outage: a field added on instance 1 (answered in ${ms(addField.ms)}) was served by instances 2 and 3 after ${fieldSync.map(ms).join(' and ')}`);

    // A policy made on the first instance: the others apply it once their cached policies expire.
    const anonymous = nodes.map((node) => node.api.as(null));
    const grant = await timed(() => apis[0].post(`${owned.base}/policies`, { role: 'public', collection: 'posts', action: 'read', fields: ['title'] }));
    assert.equal(grant.response.status, 201, grant.response.text);
    const grantSync = await Promise.all(anonymous.slice(1).map((api) => waitMs('the policy on another instance', async () => (await api.get(`${owned.base}/items/posts`)).status === 200)));
    assert.equal((await apis[0].delete(`${owned.base}/policies/${grant.response.body.data.id}`)).status, 204);
    const revokeSync = await Promise.all(anonymous.slice(1).map((api) => waitMs('the deleted policy on another instance', async () => (await api.get(`${owned.base}/items/posts`)).status === 403)));
    report(`redis-outage: a policy created on instance 1 applied on instances 2 and 3 after ${grantSync.map(ms).join(' and ')}; its deletion after ${revokeSync.map(ms).join(' and ')}`);

    // Writes on the first and the third instance: acknowledged, delivered by webhook, and not heard in realtime.
    const outageTitles: string[] = [];
    const writeMs: number[] = [];
    for (const [index, api] of [apis[0], apis[2]].entries()) {
      for (let n = 0; n < WRITES; n++) {
        const title = `outage write ${n} on instance ${index === 0 ? 1 : 3}`;
        const write = await timed(() => api.post(`${owned.base}/items/posts`, { title }));
        assert.equal(write.response.status, 200, write.response.text);
        outageTitles.push(title);
        writeMs.push(write.ms);
      }
    }
    report(`redis-outage: ${outageTitles.length} writes during the outage answered 200 in ${ms(Math.min(...writeMs))} to ${ms(Math.max(...writeMs))} each`);
    const outageMs = performance.now() - outageStarted;

    await redis.resume();
    const resumedAt = performance.now();
    for (const api of apis) assert.equal((await api.get(`${owned.base}/items/posts?fields=id,rating`)).status, 200);
    // Realtime across instances resumes once each instance has subscribed anew: write a probe every tenth
    // of a second until one crosses; the first that crosses tells when.
    const probes: Array<{ title: string; at: number }> = [];
    let crossed: { title: string; at: number } | undefined;
    while (!crossed) {
      assert.ok(performance.now() - resumedAt < 20_000, 'no event crossed instances within 20 s of Redis coming back');
      const probe = { title: `probe ${probes.length + 1}`, at: performance.now() };
      assert.equal((await apis[0].post(`${owned.base}/items/posts`, { title: probe.title })).status, 200);
      probes.push(probe);
      await new Promise((resolve) => setTimeout(resolve, 100));
      crossed = probes.find((sent) => onThird.pending.some(titled(sent.title)));
    }
    report(`redis-outage: realtime crossed instances again for a write made ${ms(crossed.at - resumedAt)} after Redis was back (probe ${probes.indexOf(crossed) + 1} of ${probes.length})`);
    const after = await apis[0].post(`${owned.base}/items/posts`, { title: 'after the outage' });
    assert.equal((await onThird.next(titled('after the outage'))).data[0].id, after.body.data.id);
    assert.equal((await onFirst.next(titled('after the outage'))).data[0].id, after.body.data.id);

    // Every write of the outage reached the webhook (the outbox is the database's, and the dispatcher polls it).
    await waitMs('every write of the outage delivered by webhook', async () => outageTitles.every((title) => receiver.received.some((request) => request.body.includes(title))), 15_000);
    const heard = (client: RealtimeClient, instance: number) => outageTitles.filter((title) => client.pending.some(titled(title))).map((title) => (title.endsWith(`instance ${instance}`) ? 'own' : 'other'));
    const onThirdHeard = heard(onThird, 3);
    const onFirstHeard = heard(onFirst, 1);
    const count = (kinds: string[], kind: string) => kinds.filter((k) => k === kind).length;
    report(
      `redis-outage: during the ${ms(outageMs)} outage, a realtime subscriber on instance 3 heard ${count(onThirdHeard, 'own')} of ${WRITES} writes made on instance 3 ` +
        `and ${count(onThirdHeard, 'other')} of ${WRITES} made on instance 1; one on instance 1 heard ${count(onFirstHeard, 'own')} of ${WRITES} of its own and ${count(onFirstHeard, 'other')} of ${WRITES} of instance 3's; ` +
        `webhooks delivered ${outageTitles.length} of ${outageTitles.length}`,
    );
    // Lost, and only these: the realtime events of writes made on another instance. An instance's own subscribers still hear its writes.
    assert.deepEqual(onThirdHeard, Array(WRITES).fill('own'));
    assert.deepEqual(onFirstHeard, Array(WRITES).fill('own'));
    for (const node of nodes) assert.ok(node.alive, node.log);
  });
});

async function timed<T>(work: () => Promise<T>): Promise<{ response: T; ms: number }> {
  const started = performance.now();
  const response = await work();
  return { response, ms: performance.now() - started };
}

/** Polls the condition until it holds, and answers how long that took; fails past the bound. */
async function waitMs(what: string, condition: () => Promise<boolean>, timeoutMs = SYNC_WITHOUT_REDIS_MS): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return performance.now() - started;
}

const ms = (value: number) => `${Math.round(value)} ms`;
