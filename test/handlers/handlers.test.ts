import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SandboxPool } from '../../src/modules/handlers/sandbox/sandbox.pool';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { until } from '../support/wait';

/** Short limits, so runaway handlers end quickly. */
const HANDLER_ENV = { HANDLER_TIMEOUT: '2s', HANDLER_MEMORY_MB: '32', HANDLER_WORKERS: '2' };

type Run = { id: string; status: string; duration_ms: number; logs: string[]; error: string | null };

describeEachDatabase('handlers', { env: HANDLER_ENV }, (suite) => {
  let api: Api;
  let anonymous: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    anonymous = suite.api.as(null);
    for (const body of [
      { collection: 'orders', fields: [{ field: 'total', type: 'integer' }, { field: 'status', type: 'string' }, { field: 'note', type: 'string' }] },
      { collection: 'secrets', fields: [{ field: 'value', type: 'string' }] },
    ]) {
      await newCollection(api, base, body);
    }
    const policy = await api.post(`${base}/policies`, { role: 'public', collection: 'orders', action: 'read', filter: { status: { _eq: 'open' } }, fields: ['id', 'total', 'status'] });
    assert.equal(policy.status, 201, policy.text);
  });

  /** Saves a handler for one test; `remove` deletes it, so the next test's writes do not run it. */
  async function handler(body: Record<string, unknown>): Promise<{ id: string; remove(): Promise<void> }> {
    const created = await api.post(`${base}/handlers`, { name: 'test', ...body });
    assert.equal(created.status, 201, created.text);
    const { id } = created.body.data as { id: string };
    return {
      id,
      remove: async () => assert.equal((await api.delete(`${base}/handlers/${id}`)).status, 204),
    };
  }

  const endpoint = (path: string, code: string, extra: Record<string, unknown> = {}) => handler({ kind: 'endpoint', method: 'GET', path, code, ...extra });
  const runs = async (id: string): Promise<Run[]> => (await api.get(`${base}/handlers/${id}/runs`)).body.data;

  it('refuses code that does not compile, naming the problem and its line, and fields its kind does not have', async () => {
    const broken = await api.post(`${base}/handlers`, { name: 'broken', kind: 'endpoint', method: 'GET', path: '/x', code: 'module.exports = async (ctx) => {\n  return {;\n};' });
    assertError(broken, 400, 'INVALID_PAYLOAD');
    assert.match(broken.body.errors[0].message, /does not compile: Unexpected token.*\(line 2, column 11\)/);
    assert.deepEqual(broken.body.errors[0].extensions, { code: 'INVALID_PAYLOAD', field: 'code', line: 2, column: 11 });
    const saved = await endpoint('/compiles', 'module.exports = () => 1;');
    const unfinished = await api.patch(`${base}/handlers/${saved.id}`, { code: 'module.exports = () => {\n  return [1, 2' });
    assertError(unfinished, 400, 'INVALID_PAYLOAD');
    assert.match(unfinished.body.errors[0].message, /Unexpected end of input \(line 2, column 15\)/);
    assert.deepEqual([unfinished.body.errors[0].extensions.line, unfinished.body.errors[0].extensions.column], [2, 15]);
    await saved.remove();
    assertError(await api.post(`${base}/handlers`, { name: 'h', kind: 'before', collection: 'nope', code: 'module.exports = () => {}' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers`, { name: 'h', kind: 'before', collection: 'orders', path: '/x', code: 'module.exports = () => {}' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers`, { name: 'h', kind: 'endpoint', method: 'GET', path: 'no-slash', code: 'module.exports = () => {}' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers`, { name: 'h', kind: 'endpoint', method: 'GET', path: '/x', code: 'module.exports = () => {}', timeout_ms: 10_000_000 }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/handlers`, { name: 'h', kind: 'endpoint', method: 'GET', path: '/x', code: 'module.exports = () => {}', extra: 1 }), 400, 'INVALID_PAYLOAD');
    const first = await endpoint('/same/:id', 'module.exports = () => 1');
    assertError(await api.post(`${base}/handlers`, { name: 'h', kind: 'endpoint', method: 'GET', path: '/same/:other', code: 'module.exports = () => 2' }), 409, 'CONFLICT');
    await first.remove();
  });

  it('lets a before hook refuse a write with its status and message, writing nothing', async () => {
    const hook = await handler({
      kind: 'before',
      collection: 'orders',
      events: ['create'],
      code: `module.exports = async (ctx) => {
        if (ctx.event.payload.total <= 0) throw { status: 422, message: 'Total must be positive' };
      };`,
    });
    const refused = await api.post(`${base}/items/orders`, { total: -5, note: 'refused' });
    assertError(refused, 422, 'VALIDATION_FAILED');
    assert.equal(refused.body.errors[0].message, 'Total must be positive');
    assert.equal((await api.get(`${base}/items/orders?filter[note][_eq]=refused`)).body.data.length, 0);
    const accepted = await api.post(`${base}/items/orders`, { total: 5, note: 'accepted' });
    assert.equal(accepted.status, 200, accepted.text);
    await hook.remove();
  });

  it('lets a before hook rewrite the payload that is stored, validated again', async () => {
    const hook = await handler({
      kind: 'before',
      collection: 'orders',
      events: ['create', 'update'],
      code: `module.exports = async ({ event }) => ({ ...event.payload, note: 'seen by ' + event.action });`,
    });
    const created = await api.post(`${base}/items/orders`, { total: 7, note: 'original' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.data.note, 'seen by create');
    const updated = await api.patch(`${base}/items/orders/${created.body.data.id}`, { total: 8 });
    assert.equal(updated.body.data.note, 'seen by update');
    assert.equal((await api.get(`${base}/items/orders/${created.body.data.id}`)).body.data.note, 'seen by update');
    await hook.remove();

    const invalid = await handler({ kind: 'before', collection: 'orders', events: ['create'], code: `module.exports = async ({ event }) => ({ ...event.payload, total: 'many' });` });
    assertError(await api.post(`${base}/items/orders`, { total: 1 }), 400, 'INVALID_PAYLOAD');
    await invalid.remove();
  });

  it('answers a custom endpoint that reads items with the caller’s permissions', async () => {
    const open = (await api.post(`${base}/items/orders`, { total: 10, status: 'open', note: 'internal' })).body.data;
    const closed = (await api.post(`${base}/items/orders`, { total: 20, status: 'closed' })).body.data;
    await api.post(`${base}/items/secrets`, { value: 'zzsecret' });
    const summary = await endpoint(
      '/orders/:id/summary',
      `module.exports = async (ctx) => {
        const order = await ctx.items('orders').readOne(ctx.request.params.id);
        return { order, who: ctx.principal.kind, role: ctx.principal.role, q: ctx.request.query.q ?? null, auth: ctx.request.headers.authorization ?? null };
      };`,
    );
    const secrets = await endpoint('/secrets', `module.exports = async (ctx) => ctx.items('secrets').readByQuery({ fields: 'value' });`);

    const asOwner = await api.get(`${base}/custom/orders/${open.id}/summary?q=1`);
    assert.equal(asOwner.status, 200, asOwner.text);
    assert.deepEqual(asOwner.body.data, { order: { ...open }, who: 'user', role: 'owner', q: '1', auth: null });
    const ownerClosed = await api.get(`${base}/custom/orders/${closed.id}/summary`);
    assert.equal(ownerClosed.body.data.order.total, 20);

    const anonymousOpen = await anonymous.get(`${base}/custom/orders/${open.id}/summary`);
    assert.equal(anonymousOpen.status, 200, anonymousOpen.text);
    assert.deepEqual(anonymousOpen.body.data.order, { id: open.id, total: 10, status: 'open' });
    assert.equal(anonymousOpen.body.data.who, 'anonymous');
    assertError(await anonymous.get(`${base}/custom/orders/${closed.id}/summary`), 404, 'NOT_FOUND');
    assertError(await anonymous.get(`${base}/custom/secrets`), 403, 'FORBIDDEN');
    const ownerSecrets = await api.get(`${base}/custom/secrets`);
    assert.deepEqual(ownerSecrets.body.data.map((row: { value: string }) => row.value), ['zzsecret']);

    assertError(await api.get(`${base}/custom/nothing/here`), 404, 'NOT_FOUND');
    assertError(await api.post(`${base}/custom/secrets`, {}), 404, 'NOT_FOUND');
    await summary.remove();
    await secrets.remove();
  });

  it('ends a handler that loops or waits for ever at its deadline, while the API and other handlers keep answering', async () => {
    const loop = await endpoint('/loop', 'module.exports = () => { while (true) {} };', { timeout_ms: 500 });
    const wait = await endpoint('/wait', 'module.exports = () => new Promise(() => {});', { timeout_ms: 500 });
    const hello = await endpoint('/hello', `module.exports = () => 'hello';`);
    const looping = api.get(`${base}/custom/loop`);
    const waiting = api.get(`${base}/custom/wait`);
    const [other, items] = await Promise.all([api.get(`${base}/custom/hello`), api.get(`${base}/items/orders`)]);
    assert.equal(other.status, 200, other.text);
    assert.equal(other.body.data, 'hello');
    assert.equal(items.status, 200, items.text);
    for (const response of [await looping, await waiting]) {
      assertError(response, 504, 'HANDLER_TIMEOUT');
      assert.match(response.body.errors[0].message, /did not finish within 500 ms/);
    }
    assert.equal((await api.get(`${base}/custom/hello`)).body.data, 'hello');
    assert.equal((await runs(loop.id))[0].status, 'timeout');
    await Promise.all([loop.remove(), wait.remove(), hello.remove()]);
  });

  it('ends a handler that allocates without bound with a clean error, and the next run works', async () => {
    const grow = await endpoint('/grow', 'module.exports = () => { const a = []; while (true) a.push(new Array(1e6).fill(1)); };', { memory_mb: 16 });
    const huge = await endpoint('/huge', 'module.exports = () => new ArrayBuffer(1024 * 1024 * 1024).byteLength;', { memory_mb: 16 });
    const hello = await endpoint('/hello', `module.exports = () => 'still here';`);
    const grown = await api.get(`${base}/custom/grow`);
    assertError(grown, 500, 'HANDLER_FAILED');
    assert.match(grown.body.errors[0].message, /ran out of memory \(limit 16 MB\)/);
    assertError(await api.get(`${base}/custom/huge`), 500, 'HANDLER_FAILED');
    assert.match((await runs(huge.id))[0].error ?? '', /Array buffer allocation failed/);
    assert.equal((await api.get(`${base}/items/orders`)).status, 200);
    assert.equal((await api.get(`${base}/custom/hello`)).body.data, 'still here');
    assert.equal((await runs(grow.id))[0].status, 'memory');
    await Promise.all([grow.remove(), huge.remove(), hello.remove()]);
  });

  it('answers the runs of a worker process that dies, and forks another for the next run', async () => {
    const pool = suite.app.nest.get(SandboxPool);
    const wait = await endpoint('/wait', 'module.exports = () => new Promise(() => {});', { timeout_ms: 20_000 });
    const hello = await endpoint('/hello', `module.exports = () => 'after the crash';`);
    const waiting = api.get(`${base}/custom/wait`);
    const [pid] = await until('the run is in a worker', async () => pool.busyWorkerPids, (pids) => pids.length > 0);
    process.kill(pid, 'SIGKILL');
    const crashed = await waiting;
    assertError(crashed, 500, 'HANDLER_FAILED');
    assert.match(crashed.body.errors[0].message, /the process running it ended/);
    assert.equal((await api.get(`${base}/custom/hello`)).body.data, 'after the crash');
    assert.ok(!pool.workerPids.includes(pid));
    assert.equal((await runs(wait.id))[0].status, 'crash');
    await Promise.all([wait.remove(), hello.remove()]);
  });

  it('gives handlers no require, process, timers or network', async () => {
    const fs = await endpoint('/fs', `module.exports = () => require('fs').readFileSync('/etc/passwd', 'utf8');`);
    const exit = await endpoint('/exit', `module.exports = () => process.exit(1);`);
    const globals = await endpoint('/globals', `module.exports = () => [typeof require, typeof process, typeof setTimeout, typeof setInterval, typeof fetch, typeof XMLHttpRequest, typeof WebAssembly, typeof _cairnCall];`);
    assertError(await api.get(`${base}/custom/fs`), 500, 'HANDLER_FAILED');
    assert.match((await runs(fs.id))[0].error ?? '', /require is not defined/);
    const exited = await api.get(`${base}/custom/exit`);
    assertError(exited, 500, 'HANDLER_FAILED');
    assert.match((await runs(exit.id))[0].error ?? '', /process is not defined/);
    const seen = await api.get(`${base}/custom/globals`);
    assert.deepEqual(seen.body.data, Array(8).fill('undefined'));
    assert.equal((await api.get(`${base}/items/orders`)).status, 200);
    await Promise.all([fs.remove(), exit.remove(), globals.remove()]);
  });

  it('keeps prototype pollution inside the run that tried it', async () => {
    const polluter = await endpoint(
      '/pollute',
      `module.exports = (ctx) => {
        Object.prototype.polluted = 1;
        ({}).__proto__.alsoPolluted = 1;
        Array.prototype.push = () => 0;
        ctx.log(JSON.parse('{"__proto__": {"polluted": "log"}}'));
        return JSON.parse('{"__proto__": {"polluted": "answer"}, "ok": true}');
      };`,
    );
    const checker = await endpoint('/check', `module.exports = () => ({ polluted: ({}).polluted ?? null, also: ({}).alsoPolluted ?? null, push: [1].push(2) });`);
    const polluted = await api.get(`${base}/custom/pollute`);
    assert.equal(polluted.status, 200, polluted.text);
    assert.deepEqual(polluted.body.data, { ok: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).alsoPolluted, undefined);
    for (let i = 0; i < 4; i++) {
      const checked = await api.get(`${base}/custom/check`);
      assert.deepEqual(checked.body.data, { polluted: null, also: null, push: 2 });
    }
    assert.deepEqual((await runs(polluter.id))[0].logs, ['{"__proto__":{"polluted":"log"}}']);
    await Promise.all([polluter.remove(), checker.remove()]);
  });

  it('keeps the write when an after hook throws, and logs the run with its lines', async () => {
    const hook = await handler({
      kind: 'after',
      collection: 'orders',
      events: ['create'],
      code: `module.exports = async (ctx) => { ctx.log('after', ctx.event.action, ctx.event.keys.length); throw new Error('boom'); };`,
    });
    const created = await api.post(`${base}/items/orders`, { total: 3, note: 'kept' });
    assert.equal(created.status, 200, created.text);
    assert.equal((await api.get(`${base}/items/orders/${created.body.data.id}`)).body.data.note, 'kept');
    const [run] = await until('the after run is logged', () => runs(hook.id), (list) => list.length > 0);
    assert.equal(run.status, 'error');
    assert.deepEqual(run.logs, ['after create 1']);
    assert.match(run.error ?? '', /boom/);
    await hook.remove();
  });

  it('stops a hook whose own writes fire it again at the nesting limit', async () => {
    const hook = await handler({
      kind: 'before',
      collection: 'orders',
      events: ['create'],
      code: `module.exports = async (ctx) => { await ctx.items('orders').createOne({ total: 1, note: 'echo' }); };`,
    });
    const refused = await api.post(`${base}/items/orders`, { total: 2, note: 'start' });
    assertError(refused, 500, 'HANDLER_FAILED');
    assert.match(refused.body.errors[0].message, /nest at most 3 deep/);
    assert.equal((await api.get(`${base}/items/orders?filter[note][_in]=echo,start`)).body.data.length, 0);
    await hook.remove();
  });

  it('is managed by owners and admins only', async () => {
    const listed = await api.get(`${base}/handlers`);
    assert.equal(listed.status, 200);
    assertError(await anonymous.get(`${base}/handlers`), 401, 'INVALID_CREDENTIALS');
    assertError(await api.get(`${base}/handlers/00000000-0000-0000-0000-000000000000`), 404, 'NOT_FOUND');
  });
});

describe('handler queue', () => {
  let db: TestDatabase;
  let app: RunningApp;

  before(async () => {
    db = await createTestDatabase('sqlite');
    // One isolate at a time per workspace, two in all, one run waiting at most.
    app = await startApp(db.url, { HANDLER_WORKERS: '1', HANDLER_RUNS_PER_WORKER: '2', HANDLER_WORKSPACE_CONCURRENCY: '1', HANDLER_QUEUE_SIZE: '1' });
  });

  after(async () => {
    await app?.close();
    await db?.drop();
  });

  async function endpointIn(path: string, code: string): Promise<{ api: Api; base: string }> {
    const owned = await newOwnedWorkspace(app.api);
    const created = await owned.api.post(`${owned.base}/handlers`, { name: 'e', kind: 'endpoint', method: 'GET', path, code, timeout_ms: 1000 });
    assert.equal(created.status, 201, created.text);
    return owned;
  }

  it('holds a workspace to its share of the isolates, queues a bounded number of runs and refuses the rest with 503', async () => {
    const busy = await endpointIn('/wait', 'module.exports = () => new Promise(() => {});');
    const other = await endpointIn('/hello', `module.exports = () => 'other workspace';`);
    const pool = app.nest.get(SandboxPool);
    const first = busy.api.get(`${busy.base}/custom/wait`);
    await until('the first run is in a worker', async () => pool.busyWorkerPids, (pids) => pids.length > 0);
    const queued = busy.api.get(`${busy.base}/custom/wait`);
    await until('the second run waits', async () => pool.queuedRuns, (count) => count === 1);
    assertError(await busy.api.get(`${busy.base}/custom/wait`), 503, 'SERVICE_UNAVAILABLE');
    const answered = await other.api.get(`${other.base}/custom/hello`);
    assert.equal(answered.status, 200, answered.text);
    assert.equal(answered.body.data, 'other workspace');
    for (const response of [await first, await queued]) assertError(response, 504, 'HANDLER_TIMEOUT');
  });
});
