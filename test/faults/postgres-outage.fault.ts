import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance, until } from '../support/cluster';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { PostgresServer } from '../support/postgres-server';
import { latency, Load, percentile, report, Sample, succeeded } from './load';

/** What the instance is given as DATABASE_CONNECT_TIMEOUT and DATABASE_QUERY_TIMEOUT. */
const CONNECT_TIMEOUT_MS = 1_500;
const QUERY_TIMEOUT_MS = 1_500;
/** The bound on every answer during an outage. */
const ANSWER_WITHIN_MS = 2_000;
/** Clients sending one request after another. */
const WORKERS = 4;
/** How long the database stays down in each outage, under load. */
const OUTAGE_MS = 4_000;

/**
 * One Cairn instance on a PostgreSQL of the test's own, under a light load of reads and writes, while
 * the database is stopped (cleanly, then as a crash would) and started again, then frozen (it neither
 * refuses nor answers, as a hung server or a network that drops packets) and let go: every request of
 * the outage answers 503 in the API's envelope within 2 s (the connect and query timeouts), the instance
 * serves again once the database is back without being restarted, and no write it acknowledged is missing.
 */
describe('a PostgreSQL outage under load', () => {
  let pg: PostgresServer;
  let node: Instance;
  let owned: OwnedWorkspace;
  let items: string;
  const acknowledged = new Set<string>();

  before(async () => {
    pg = await PostgresServer.start();
    await pg.sql('CREATE DATABASE cairn');
    node = await Instance.start({ DATABASE_URL: pg.url('cairn'), DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms`, DATABASE_QUERY_TIMEOUT: `${QUERY_TIMEOUT_MS}ms` });
    owned = await newOwnedWorkspace(node.api);
    await newCollection(owned.api, owned.base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
    items = `${owned.base}/items/notes`;
  });

  after(async () => {
    await node?.stop();
    await pg?.thaw().catch(() => undefined);
    await pg?.destroy();
  });

  const outages = [
    { mode: 'fast stop', begin: () => pg.stop('fast'), end: () => pg.resume() },
    { mode: 'immediate stop', begin: () => pg.stop('immediate'), end: () => pg.resume() },
    { mode: 'frozen', begin: () => pg.freeze(), end: () => pg.thaw() },
  ];
  for (const { mode, begin, end } of outages) {
    it(`answers 503 within ${ANSWER_WITHIN_MS} ms while PostgreSQL is down (${mode}), and recovers without a restart`, async () => {
      const load = new Load([owned.api], items, { workers: WORKERS, pauseMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      await begin();
      const downAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const resumingAt = performance.now();
      await end();
      const upAt = performance.now();
      // Recovered: a read and a write both answer 2xx again, each started after the database was back.
      const recovered = await untilServing(owned.api, items, upAt);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const samples = await load.stop();
      for (const sample of samples) if (sample.id !== null) acknowledged.add(String(sample.id));

      // Requests made while the database was down: sent after the stop, answered before it was brought back
      // (a frozen server answers the queries waiting on it once it is let go).
      const outage = samples.filter((sample) => sample.startedAt >= downAt && sample.endedAt < resumingAt);
      const latencies = outage.map(latency);
      report(
        `postgres-outage[${mode}]: ${outage.length} requests during the ${OUTAGE_MS} ms outage: statuses ${summary(outage)}; ` +
          `latency p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`,
      );
      report(`postgres-outage[${mode}]: serving reads and writes again ${ms(recovered - upAt)} after PostgreSQL was back (bringing it back took ${ms(upAt - resumingAt)})`);
      report(`postgres-outage[${mode}]: all ${samples.length} requests of the run: statuses ${summary(samples)}; max latency ${ms(Math.max(...samples.map(latency)))}`);

      // Each worker's requests wait up to the timeouts on a frozen server: at least one of each falls wholly inside the outage.
      assert.ok(outage.length >= WORKERS, `only ${outage.length} requests during the outage`);
      for (const sample of outage) {
        assert.equal(sample.status, 503, `a ${sample.kind} during the outage answered ${sample.status} (${sample.code})`);
        assert.equal(sample.code, 'SERVICE_UNAVAILABLE');
        assert.ok(latency(sample) < ANSWER_WITHIN_MS, `a ${sample.kind} during the outage took ${ms(latency(sample))}`);
      }
      // Around the stop and the start, a request either succeeds or is refused the same way; none fails otherwise or hangs.
      for (const sample of samples) {
        assert.ok(succeeded(sample) || sample.status === 503, `a ${sample.kind} answered ${sample.status} (${sample.code})`);
        assert.ok(latency(sample) < ANSWER_WITHIN_MS + 1_000, `a ${sample.kind} took ${ms(latency(sample))}`);
      }
      assert.ok(node.alive, node.log);
    });
  }

  it('kept every write it acknowledged', async () => {
    const stored = new Set<string>();
    for (let page = 1; ; page++) {
      const listed = await owned.api.get(`${items}?fields=id&sort=id&limit=100&page=${page}`);
      assert.equal(listed.status, 200, listed.text);
      for (const item of listed.body.data as Array<{ id: string | number }>) stored.add(String(item.id));
      if (listed.body.data.length < 100) break;
    }
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    report(`postgres-outage: ${acknowledged.size} acknowledged writes, ${lost.length} lost; ${stored.size} items stored`);
    assert.ok(acknowledged.size > 0);
    assert.deepEqual(lost, []);
  });
});

/** Sends a read and a write until both answer 2xx, and answers when they did (performance.now()). */
async function untilServing(api: Api, path: string, since: number): Promise<number> {
  let servedAt = 0;
  await until(
    'the instance serving reads and writes again',
    async () => {
      const [read, write] = await Promise.all([api.get(`${path}?limit=1`), api.post(path, { title: 'recovery probe' })]);
      servedAt = performance.now();
      return read.status === 200 && write.status >= 200 && write.status < 300;
    },
    30_000,
  );
  return Math.max(servedAt, since);
}

function summary(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const sample of samples) counts.set(String(sample.status), (counts.get(String(sample.status)) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${status}×${count}`).join(' ');
}

const ms = (value: number) => `${Math.round(value)} ms`;
