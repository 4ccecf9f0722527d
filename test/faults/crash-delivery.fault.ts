import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { Instance } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import { WebhookReceiver } from '../support/webhook-receiver';
import { until } from '../support/wait';
import { report } from './load';

/** The part of better-sqlite3 this test uses (the package ships no types, and none are installed). */
interface SqliteFile {
  prepare(sql: string): { all(): unknown[] };
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sqlite = require('better-sqlite3') as new (path: string, options: { fileMustExist: boolean }) => SqliteFile;

/**
 * kill -9 of a Cairn process in the middle of a stream of writes, with a webhook and an event flow
 * subscribed to them, and a new process started on the same database (on SQLite, the same file): no
 * write the client got a 2xx for is lost, every committed change reaches the webhook at least once and
 * gets its flow run, and nothing is sent for a change that did not commit.
 *
 * Every write carries a token of its own (a create its `tag`, an update its `note`; an item is updated at
 * most once), so what committed is read from the table afterwards and every delivery and flow request
 * names the write it is for. The three databases run side by side: most of a run is the wait for the
 * one-minute leases of what the killed process had claimed.
 */

const ENV = {
  WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
  WEBHOOK_POLL_INTERVAL: '100ms',
  FLOW_POLL_INTERVAL: '100ms',
  QUERY_LIMIT_MAX: '-1',
};
const KILLS = 2;
const CLIENTS = 6;
/** How long writes run before each kill, and after the last restart. */
const LOAD_MS = { min: 1_000, max: 2_000 };
/** Deliveries and runs claimed by a killed process wait out their one-minute lease. */
const DRAIN_MS = 100_000;
/** The error a run cut by its instance's death is failed with (API.md, flows: not run again). */
const CUT_RUN = 'The instance running it stopped before it finished.';

type Outcome = 'acknowledged' | 'in flight';

/** A write of the stream: a create (token in `tag`) or an update (token in `note`), and what the client saw of it. */
interface Write {
  kind: 'create' | 'update';
  token: string;
  outcome: Outcome;
}

/** Clients writing against whichever process is up, waiting while there is none. */
class WriteLoad {
  readonly writes: Write[] = [];
  /** Answers that were not 2xx, from a process that was up. */
  readonly unexpected: string[] = [];
  private node: Instance;
  private up: Promise<void> = Promise.resolve();
  private resume: () => void = () => undefined;
  private stopped = false;
  private clients: Array<Promise<void>> = [];
  /** Items created with an acknowledgement and not updated yet: each is updated at most once. */
  private readonly updatable: number[] = [];
  private counter = 0;

  constructor(
    node: Instance,
    private readonly token: string,
    private readonly base: string,
  ) {
    this.node = node;
  }

  start(): void {
    this.clients = Array.from({ length: CLIENTS }, (_, client) => this.client(client));
  }

  /** Kills the process under the writers; those in flight fail, and the next ones wait for `restart`. */
  async kill(): Promise<void> {
    this.up = new Promise((resolve) => (this.resume = resolve));
    await this.node.kill();
  }

  restart(node: Instance): void {
    this.node = node;
    this.resume();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.clients);
  }

  private async client(client: number): Promise<void> {
    while (!this.stopped) {
      await this.up;
      if (this.stopped) return;
      const api = this.node.api.as(this.token);
      const update = this.updatable.length > 0 && Math.random() < 0.4;
      const id = update ? this.updatable.splice(Math.floor(Math.random() * this.updatable.length), 1)[0] : null;
      const write: Write = { kind: update ? 'update' : 'create', token: `${update ? 'u' : 't'}-${client}-${this.counter++}`, outcome: 'in flight' };
      this.writes.push(write);
      try {
        const answer = update ? await api.patch(`${this.base}/items/orders/${id}`, { note: write.token }) : await api.post(`${this.base}/items/orders`, { tag: write.token });
        if (answer.status !== 200) {
          this.unexpected.push(`${answer.status} ${answer.text}`);
          continue;
        }
        write.outcome = 'acknowledged';
        if (!update) this.updatable.push(answer.body.data.id as number);
      } catch {
        // The connection broke: the process died with the write in flight, committed or not.
      }
    }
  }
}

/** Rows of one query on the test's own database, from outside Cairn. */
async function select(db: TestDatabase, sql: string): Promise<Array<Record<string, unknown>>> {
  switch (db.kind) {
    case 'sqlite': {
      const file = new Sqlite(db.url.slice('sqlite:'.length), { fileMustExist: true });
      try {
        return file.prepare(sql).all() as Array<Record<string, unknown>>;
      } finally {
        file.close();
      }
    }
    case 'postgres': {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    }
    case 'mysql': {
      const connection = await mysql.createConnection(db.url);
      try {
        return (await connection.query(sql))[0] as Array<Record<string, unknown>>;
      } finally {
        await connection.end();
      }
    }
  }
}

/** The tokens of the writes a change's payloads carry (`tag` of a create, `note` of an update). */
function tokensOf(payloads: unknown): string[] {
  const list = Array.isArray(payloads) ? payloads : [payloads];
  return list.flatMap((payload) => Object.values((payload ?? {}) as Record<string, unknown>).filter((value): value is string => typeof value === 'string'));
}

function countBy(tokens: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/**
 * Starts processes one at a time across the databases' runs: several starting (and migrating) at once on
 * a small machine can outlast the start's bound.
 */
let starting: Promise<unknown> = Promise.resolve();
function startInstance(env: Record<string, string>): Promise<Instance> {
  const started = starting.then(() => Instance.start(env));
  starting = started.catch(() => undefined);
  return started;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loadTime = () => LOAD_MS.min + Math.random() * (LOAD_MS.max - LOAD_MS.min);

async function crashUnderWrites(kind: TestDatabase['kind']): Promise<void> {
  const db = await createTestDatabase(kind);
  const receiver = await WebhookReceiver.start();
  const env = { DATABASE_URL: db.url, ...ENV };
  const nodes: Instance[] = [];
  try {
    nodes.push(await startInstance(env));
    const { api, base, owner } = await newOwnedWorkspace(nodes[0].api);
    await newCollection(api, base, { collection: 'orders', fields: [{ field: 'tag', type: 'string' }, { field: 'note', type: 'string' }] });
    const webhook = await api.post(`${base}/webhooks`, { name: 'orders', url: receiver.url('/hook'), collections: ['orders'], events: ['create', 'update'] });
    assert.equal(webhook.status, 201, webhook.text);
    const flow = await api.post(`${base}/flows`, {
      name: 'Tell the receiver',
      trigger: { type: 'event', collections: ['orders'], events: ['create', 'update'] },
      operations: [{ key: 'call', type: 'request', options: { method: 'POST', url: receiver.url('/flow'), body: { event: '{{ $trigger.event }}', payload: '{{ $trigger.payload }}' } } }],
      first: 'call',
    });
    assert.equal(flow.status, 201, flow.text);

    const load = new WriteLoad(nodes[0], owner.accessToken, base);
    load.start();
    for (let kill = 0; kill < KILLS; kill++) {
      await pause(loadTime());
      await load.kill();
      const node = await startInstance(env);
      nodes.push(node);
      load.restart(node);
    }
    await pause(loadTime());
    await load.stop();
    const drainStarted = Date.now();
    const node = nodes[nodes.length - 1];
    assert.deepEqual(load.unexpected, [], 'every write a live process answered succeeded');

    // What committed: the tokens in the table.
    const items = await node.api.as(owner.accessToken).get(`${base}/items/orders?limit=-1&fields=id,tag,note`);
    assert.equal(items.status, 200, items.text);
    const rows = items.body.data as Array<{ tag: string; note: string | null }>;
    const committed = new Set(rows.flatMap((row) => [row.tag, ...(row.note ? [row.note] : [])]));
    const acknowledged = load.writes.filter((write) => write.outcome === 'acknowledged');
    const lost = acknowledged.filter((write) => !committed.has(write.token)).map((write) => write.token);
    assert.deepEqual(lost, [], 'no acknowledged write is lost');

    // Every committed change delivered at least once; then nothing left pending (what the killed
    // processes had claimed waits out its lease).
    const sent = (path: '/hook' | '/flow') =>
      receiver.received.filter((request) => request.path === path).flatMap((request) => {
        const body = JSON.parse(request.body) as { data?: { payload: unknown }; payload?: unknown };
        return tokensOf(path === '/hook' ? body.data?.payload : body.payload);
      });
    const undelivered = async () => {
      const hooked = new Set(sent('/hook'));
      return [...committed].filter((token) => !hooked.has(token));
    };
    await until('every committed change delivered', undelivered, (left) => left.length === 0, DRAIN_MS);
    const firstDelivered = Date.now() - drainStarted;
    let runs: Array<Record<string, unknown>> = [];
    const settled = async () => {
      const [{ pending }] = await select(db, "SELECT COUNT(*) AS pending FROM cairn_webhook_deliveries WHERE status = 'pending'");
      runs = await select(db, 'SELECT status, error, trigger_data FROM cairn_flow_runs');
      return { pending: Number(pending), unfinished: runs.filter((run) => run.status !== 'succeeded' && run.status !== 'failed').length };
    };
    await until('the outbox empty and no run pending or running', settled, (left) => left.pending === 0 && left.unfinished === 0, DRAIN_MS);
    const drained = Date.now() - drainStarted;

    // A run cut by the kill is failed, not run again (its steps may have had effects): its change's flow
    // request may be missing, and only then.
    const cut = runs.filter((run) => run.status === 'failed');
    assert.deepEqual(cut.filter((run) => run.error !== CUT_RUN).map((run) => run.error), [], 'no run failed for another reason');
    const cutTokens = new Set(cut.flatMap((run) => tokensOf((JSON.parse(String(run.trigger_data)) as { payload: unknown }).payload)));
    const hooks = countBy(sent('/hook'));
    const flows = countBy(sent('/flow'));
    const runsOf = countBy(runs.flatMap((run) => tokensOf((JSON.parse(String(run.trigger_data)) as { payload: unknown }).payload)));
    assert.deepEqual([...committed].filter((token) => !hooks.has(token)), [], 'every committed change reaches the webhook');
    assert.deepEqual([...committed].filter((token) => runsOf.get(token) !== 1), [], 'every committed change has one flow run');
    assert.deepEqual([...committed].filter((token) => !flows.has(token) && !cutTokens.has(token)), [], 'every committed change whose run was not cut reaches the flow');
    assert.deepEqual([...hooks.keys(), ...flows.keys()].filter((token) => !committed.has(token)), [], 'nothing is sent for a change that did not commit');

    const duplicates = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    const inFlight = load.writes.filter((write) => write.outcome === 'in flight');
    report(
      `[${kind}] crash-delivery: ${KILLS} kills; writes acknowledged ${acknowledged.length}, in flight at a kill ${inFlight.length} ` +
        `(committed ${inFlight.filter((write) => committed.has(write.token)).length}); committed changes ${committed.size}; ` +
        `webhook deliveries ${receiver.received.filter((r) => r.path === '/hook').length} (duplicates ${duplicates(hooks)}); ` +
        `flow requests ${receiver.received.filter((r) => r.path === '/flow').length} (duplicates ${duplicates(flows)}), runs cut by a kill ${cut.length}; ` +
        `every change delivered after ${(firstDelivered / 1000).toFixed(1)} s, outbox and runs drained after ${(drained / 1000).toFixed(1)} s`,
    );
  } finally {
    for (const node of nodes) await node.kill();
    await receiver.close();
    await db.drop();
  }
}

describe('kill -9 during writes, with a webhook and a flow subscribed', { concurrency: true }, () => {
  for (const kind of selectedDatabases()) {
    it(`loses no acknowledged write, delivers every committed change at least once and nothing else [${kind}]`, () => crashUnderWrites(kind));
  }
});
