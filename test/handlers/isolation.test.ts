import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';

/** Two shared workers of four runs each; a workspace may run four at once. */
const POOL_ENV = { HANDLER_WORKERS: '2', HANDLER_RUNS_PER_WORKER: '4', HANDLER_WORKSPACE_CONCURRENCY: '4' };

/** Grows an array past what the process can hold: V8 gives up and the worker process aborts. */
const CRASH = 'module.exports = () => new Array(2 ** 31).fill(0).length;';
/** Reads items for a fifth of a second, so that a batch of runs is still running while another workspace crashes its worker. */
const STEADY = `module.exports = async (ctx) => {
  const started = Date.now();
  while (Date.now() - started < 200) await ctx.items('notes').readByQuery({ limit: 1 });
  return 'steady';
};`;

describeEachDatabase('handler crash isolation', { env: POOL_ENV }, (suite) => {
  async function endpoint(owned: OwnedWorkspace, path: string, code: string, extra: Record<string, unknown> = {}): Promise<void> {
    const created = await owned.api.post(`${owned.base}/handlers`, { name: path, kind: 'endpoint', method: 'GET', path, code, ...extra });
    assert.equal(created.status, 201, created.text);
  }

  it('keeps a workspace whose handler crashed its worker apart, so its next crashes end no other workspace’s run', async () => {
    const crasher = await newOwnedWorkspace(suite.api);
    const neighbour = await newOwnedWorkspace(suite.api);
    await endpoint(crasher, '/crash', CRASH, { memory_mb: 32 });
    await newCollection(neighbour.api, neighbour.base, { collection: 'notes', fields: [{ field: 'text', type: 'string' }] });
    await endpoint(neighbour, '/steady', STEADY);
    const crash = async () => {
      const crashed = await crasher.api.get(`${crasher.base}/custom/crash`);
      assertError(crashed, 500, 'HANDLER_FAILED');
      assert.match(crashed.body.errors[0].message, /the process running it ended/);
    };

    await crash();

    let neighbourDone = false;
    const steady = Promise.all(Array.from({ length: 50 }, () => neighbour.api.get(`${neighbour.base}/custom/steady`))).finally(() => (neighbourDone = true));
    let crashes = 0;
    // The crashing handler runs again and again for as long as the neighbour's runs are running.
    while (!neighbourDone) {
      await crash();
      crashes += 1;
    }
    const answers = await steady;
    assert.ok(crashes > 0);
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.data, 'steady');
    }
  });
});
