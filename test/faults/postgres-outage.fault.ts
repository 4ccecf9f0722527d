import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance, until } from '../support/cluster';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { PostgresServer } from '../support/postgres-server';
import { latency, Load, percentile, report, Sample, succeeded } from './load';

/** What the instance is given as DATABASE_CONNECT_TIMEOUT, and the bound on every answer during an outage. */
const CONNECT_TIMEOUT_MS = 2_000;
/** How long the database stays down in each outage, under load. */
const OUTAGE_MS = 4_000;

/**
 * One Cairn instance on a PostgreSQL of the test's own, under a light load of reads and writes, while
 * the database is stopped (cleanly, then as a crash would) and started again: every request of the
 * outage answers 503 in the API's envelope within the connect timeout, the instance serves again once
 * the database is back without being restarted, and no write it acknowledged is missing.
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
    node = await Instance.start({ DATABASE_URL: pg.url('cairn'), DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms` });
    owned = await newOwnedWorkspace(node.api);
    await newCollection(owned.api, owned.base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
    items = `${owned.base}/items/notes`;
  });

  after(async () => {
    await node?.stop();
    await pg?.destroy();
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`answers 503 within ${CONNECT_TIMEOUT_MS} ms while PostgreSQL is down (${mode} stop), and recovers without a restart`, async () => {
      const load = new Load([owned.api], items, { workers: 4, pauseMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      await pg.stop(mode);
      const downAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const resumingAt = performance.now();
      await pg.resume();
      const upAt = performance.now();
      // Recovered: a read and a write both answer 2xx again, each started after the database was back.
      const recovered = await untilServing(owned.api, items, upAt);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const samples = await load.stop();
      for (const sample of samples) if (sample.id !== null) acknowledged.add(String(sample.id));

      // Requests sent while the database was down, from the stop's end to the start's beginning.
      const outage = samples.filter((sample) => sample.startedAt >= downAt && sample.startedAt < resumingAt);
      const latencies = outage.map(latency);
      report(
        `postgres-outage[${mode}]: ${outage.length} requests during the ${OUTAGE_MS} ms outage: statuses ${summary(outage)}; ` +
          `latency p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`,
      );
      report(`postgres-outage[${mode}]: serving reads and writes again ${ms(recovered - upAt)} after PostgreSQL accepted connections (start took ${ms(upAt - resumingAt)})`);
      report(`postgres-outage[${mode}]: all ${samples.length} requests of the run: statuses ${summary(samples)}; max latency ${ms(Math.max(...samples.map(latency)))}`);

      assert.ok(outage.length > 10, `only ${outage.length} requests during the outage`);
      for (const sample of outage) {
        assert.equal(sample.status, 503, `a ${sample.kind} during the outage answered ${sample.status} (${sample.code})`);
        assert.equal(sample.code, 'SERVICE_UNAVAILABLE');
        assert.ok(latency(sample) < CONNECT_TIMEOUT_MS, `a ${sample.kind} during the outage took ${ms(latency(sample))}`);
      }
      // Around the stop and the start, a request either succeeds or is refused the same way; none fails otherwise or hangs.
      for (const sample of samples) {
        assert.ok(succeeded(sample) || sample.status === 503, `a ${sample.kind} answered ${sample.status} (${sample.code})`);
        assert.ok(latency(sample) < CONNECT_TIMEOUT_MS + 1_000, `a ${sample.kind} took ${ms(latency(sample))}`);
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
