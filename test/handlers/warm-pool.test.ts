import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase, startApp } from '../support/app';
import { assertError, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';

/** One shared worker, so that every run of a workspace meets the same warm isolates. */
const POOL_ENV = { HANDLER_WORKERS: '1', HANDLER_RUNS_PER_WORKER: '4', HANDLER_WORKSPACE_CONCURRENCY: '4', HANDLER_MEMORY_MB: '32' };

/** Counts in a global, at the top level and in the run: a context kept between runs would count past 1. */
const COUNTER = `globalThis.loaded = (globalThis.loaded || 0) + 1;
module.exports = () => {
  globalThis.runs = (globalThis.runs || 0) + 1;
  return [globalThis.loaded, globalThis.runs];
};`;

describeEachDatabase('handlers: warm isolates', { env: POOL_ENV }, (suite) => {
  async function endpoint(owned: OwnedWorkspace, path: string, code: string, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await owned.api.post(`${owned.base}/handlers`, { name: path, kind: 'endpoint', method: 'GET', path, code, ...extra });
    assert.equal(created.status, 201, created.text);
    return (created.body.data as { id: string }).id;
  }
  const call = (owned: OwnedWorkspace, path: string) => owned.api.get(`${owned.base}/custom${path}`);

  it('gives every run a fresh context: a global one run sets is not there in the next, one after another or at once', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    await endpoint(owned, '/count', COUNTER);
    for (let run = 0; run < 5; run += 1) {
      const answer = await call(owned, '/count');
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body.data, [1, 1]);
    }
    const together = await Promise.all(Array.from({ length: 12 }, () => call(owned, '/count')));
    for (const answer of together) assert.deepEqual(answer.body.data, [1, 1]);
  });

  it('never shows one workspace the globals another workspace’s handler set', async () => {
    const writer = await newOwnedWorkspace(suite.api);
    const reader = await newOwnedWorkspace(suite.api);
    // The same code in both: were isolates or compiled scripts shared by code, this is where they would be.
    const code = `module.exports = (ctx) => {
      const seen = { seen: typeof globalThis.secret === 'string' ? globalThis.secret : null, leaked: ({}).leaked ?? null };
      if (ctx.request.query.set) { globalThis.secret = ctx.request.query.set; Object.prototype.leaked = ctx.request.query.set; }
      return seen;
    };`;
    await endpoint(writer, '/secret', code);
    await endpoint(reader, '/secret', code);
    for (let round = 0; round < 3; round += 1) {
      const wrote = await writer.api.get(`${writer.base}/custom/secret?set=writer-${round}`);
      assert.deepEqual(wrote.body.data, { seen: null, leaked: null });
      const read = await call(reader, '/secret');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data, { seen: null, leaked: null });
    }
  });

  it('runs a handler’s new code from its next run after a change, and nothing once it is deleted', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const id = await endpoint(owned, '/version', `module.exports = () => 'first';`);
    assert.equal((await call(owned, '/version')).body.data, 'first');
    const changed = await owned.api.patch(`${owned.base}/handlers/${id}`, { code: `module.exports = () => 'second';` });
    assert.equal(changed.status, 200, changed.text);
    assert.equal((await call(owned, '/version')).body.data, 'second');
    // Back to the first code: compiled scripts are found by the code itself, never by the handler.
    await owned.api.patch(`${owned.base}/handlers/${id}`, { code: `module.exports = () => 'first';` });
    assert.equal((await call(owned, '/version')).body.data, 'first');
    assert.equal((await owned.api.delete(`${owned.base}/handlers/${id}`)).status, 204);
    assertError(await call(owned, '/version'), 404, 'NOT_FOUND');
  });

  it('replaces an isolate that ran out of memory, and the next run of the same handler works', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const code = `module.exports = (ctx) => {
      if (!ctx.request.query.grow) return 'fine';
      const kept = [];
      while (true) kept.push(new Array(1e6).fill(1));
    };`;
    await endpoint(owned, '/maybe-grow', code, { memory_mb: 16 });
    assert.equal((await call(owned, '/maybe-grow')).body.data, 'fine');
    for (let round = 0; round < 2; round += 1) {
      const grown = await owned.api.get(`${owned.base}/custom/maybe-grow?grow=1`);
      assertError(grown, 500, 'HANDLER_FAILED');
      assert.match(grown.body.errors[0].message, /ran out of memory \(limit 16 MB\)/);
      const after = await call(owned, '/maybe-grow');
      assert.equal(after.status, 200, after.text);
      assert.equal(after.body.data, 'fine');
    }
  });

  it('writes every run of a burst to the run log, none lost', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const id = await endpoint(owned, '/logged', `module.exports = (ctx) => { ctx.log('run', ctx.request.query.n); return Number(ctx.request.query.n); };`);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => owned.api.get(`${owned.base}/custom/logged?n=${n}`)));
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    const listed = await owned.api.get(`${owned.base}/handlers/${id}/runs?limit=100`);
    assert.equal(listed.status, 200, listed.text);
    const lines = (listed.body.data as Array<{ logs: string[] }>).map((run) => run.logs[0]).sort();
    assert.deepEqual(lines, Array.from({ length: 40 }, (_, n) => `run ${n}`).sort());
  });

  it('writes the runs still waiting for their batch when the instance shuts down', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const id = await endpoint(owned, '/last-words', `module.exports = (ctx) => { ctx.log('bye', ctx.request.query.n); return null; };`);
    const other = await startApp(suite.db.url, POOL_ENV);
    try {
      const viaOther = other.api.as(owned.owner.accessToken);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => viaOther.get(`${owned.base}/custom/last-words?n=${n}`)));
      for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    } finally {
      await other.close();
    }
    const listed = await owned.api.get(`${owned.base}/handlers/${id}/runs`);
    const lines = (listed.body.data as Array<{ logs: string[] }>).map((run) => run.logs[0]).sort();
    assert.deepEqual(lines, Array.from({ length: 10 }, (_, n) => `bye ${n}`).sort());
  });
});
