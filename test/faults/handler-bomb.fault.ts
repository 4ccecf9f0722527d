import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { latency, Load, percentile, report, Sample, succeeded } from './load';

/** How long the normal traffic runs, alone and then beside the bombs. */
const PHASE_MS = 6_000;

/** A handler that misbehaves, and what its request must answer (docs/handlers.md). */
interface Bomb {
  name: string;
  code: string;
  limits: Record<string, number>;
  status: number;
  errorCode: string;
  /** The run's status in the handler's run log, and what its error says when the status alone does not tell. */
  runStatus: string;
  runError?: RegExp;
}

const BOMBS: Bomb[] = [
  { name: 'infinite-loop', code: 'module.exports = () => { for (;;) {} };', limits: { timeout_ms: 1_000 }, status: 504, errorCode: 'HANDLER_TIMEOUT', runStatus: 'timeout' },
  {
    name: 'memory-bomb',
    code: 'module.exports = () => { const kept = []; for (;;) kept.push(new Array(100000).fill(Math.random())); };',
    limits: { memory_mb: 32 },
    status: 500,
    errorCode: 'HANDLER_FAILED',
    runStatus: 'memory',
  },
  { name: 'deep-recursion', code: 'module.exports = () => { const dive = (n) => dive(n + 1) + 1; return dive(0); };', limits: {}, status: 500, errorCode: 'HANDLER_FAILED', runStatus: 'error' },
  // So large that V8 aborts the worker process rather than the isolate: the API answers the run and forks another worker.
  { name: 'process-abort', code: 'module.exports = () => new Array(2 ** 31).fill(0).length;', limits: { memory_mb: 32 }, status: 500, errorCode: 'HANDLER_FAILED', runStatus: 'crash' },
  // Twice the largest answer a run may give (4 Mi characters), well within its heap.
  {
    name: 'huge-output',
    code: "module.exports = () => 'x'.repeat(8 * 1024 * 1024);",
    limits: {},
    status: 500,
    errorCode: 'HANDLER_FAILED',
    runStatus: 'error',
    runError: /answer is larger than 4194304 characters/,
  },
];

/**
 * The sandbox is the same whichever database Cairn is on (the bombs make no items() call), so one
 * database is enough: PostgreSQL when selected, as in production, otherwise the first selected.
 */
const kind = selectedDatabases().includes('postgres') ? 'postgres' : selectedDatabases()[0];

/**
 * One instance serving normal traffic (reads and writes of another workspace's owner) while a
 * workspace's handlers that loop for ever, eat memory, recurse without end, abort their process or
 * return a huge value are called again and again: no normal request fails, each bomb gets the error
 * documented for it, and the process stays up.
 */
describe(`handler bombs beside normal traffic [${kind}]`, () => {
  let db: TestDatabase;
  let node: Instance;
  let bomber: OwnedWorkspace;
  let neighbour: OwnedWorkspace;
  let items: string;
  const handlerIds = new Map<string, string>();

  before(async () => {
    db = await createTestDatabase(kind);
    node = await Instance.start({ DATABASE_URL: db.url });
    bomber = await newOwnedWorkspace(node.api);
    neighbour = await newOwnedWorkspace(node.api);
    await newCollection(neighbour.api, neighbour.base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
    items = `${neighbour.base}/items/notes`;
    for (const bomb of BOMBS) {
      const created = await bomber.api.post(`${bomber.base}/handlers`, { name: bomb.name, kind: 'endpoint', method: 'GET', path: `/${bomb.name}`, code: bomb.code, ...bomb.limits });
      assert.equal(created.status, 201, created.text);
      handlerIds.set(bomb.name, created.body.data.id);
    }
  });

  after(async () => {
    await node?.stop();
    await db?.drop();
  });

  async function traffic(alongside: () => Promise<void>): Promise<Sample[]> {
    const load = new Load([neighbour.api], items, { workers: 4, pauseMs: 10 });
    await alongside();
    return load.stop();
  }

  it('fails no other request while bombs go off, answers each bomb as documented and stays up', async () => {
    const alone = await traffic(() => new Promise((resolve) => setTimeout(resolve, PHASE_MS)));

    const answers = new Map<string, Array<{ status: number; code: string; ms: number }>>(BOMBS.map((bomb) => [bomb.name, []]));
    const bombed = await traffic(async () => {
      const until = performance.now() + PHASE_MS;
      for (let round = 0; performance.now() < until; round++) {
        const bomb = BOMBS[round % BOMBS.length];
        const started = performance.now();
        const answer = await bomber.api.get(`${bomber.base}/custom/${bomb.name}`);
        answers.get(bomb.name)!.push({ status: answer.status, code: answer.body?.errors?.[0]?.extensions?.code ?? `(${answer.text.slice(0, 80)})`, ms: performance.now() - started });
      }
    });

    const p99 = (samples: Sample[]) => Math.round(percentile(samples.map(latency), 99));
    report(`handler-bomb: normal traffic alone: ${alone.length} requests, p99 ${p99(alone)} ms; beside the bombs: ${bombed.length} requests, p99 ${p99(bombed)} ms`);
    const logged = new Map<string, string[]>();
    const errors = new Map<string, string[]>();
    for (const [name, runs] of answers) {
      const log = await bomber.api.get(`${bomber.base}/handlers/${handlerIds.get(name)}/runs?limit=100`);
      assert.equal(log.status, 200, log.text);
      const entries = log.body.data as Array<{ status: string; error: string | null }>;
      logged.set(name, [...new Set(entries.map((run) => run.status))]);
      errors.set(name, entries.map((run) => String(run.error)));
      const statuses = [...new Set(runs.map((run) => `${run.status} ${run.code}`))].join(', ');
      report(`handler-bomb: ${name} ran ${runs.length} times, answered ${statuses} (logged as ${logged.get(name)!.join(', ')}), in ${Math.round(Math.min(...runs.map((run) => run.ms)))}–${Math.round(Math.max(...runs.map((run) => run.ms)))} ms`);
    }

    for (const sample of [...alone, ...bombed]) assert.ok(succeeded(sample), `a normal ${sample.kind} answered ${sample.status} (${sample.code})`);
    for (const bomb of BOMBS) {
      const runs = answers.get(bomb.name)!;
      assert.ok(runs.length > 0, `${bomb.name} never ran`);
      for (const run of runs) assert.deepEqual({ status: run.status, code: run.code }, { status: bomb.status, code: bomb.errorCode }, bomb.name);
      assert.deepEqual(logged.get(bomb.name), [bomb.runStatus], bomb.name);
      for (const error of bomb.runError ? errors.get(bomb.name)! : []) assert.match(error, bomb.runError!);
    }
    assert.ok(node.alive, node.log);
    assert.equal((await node.api.get('/api/v1/health')).status, 200);
  });
});
