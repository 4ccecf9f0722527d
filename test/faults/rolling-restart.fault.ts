import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance, RedisServer, until } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import { Api } from '../support/http';
import { Nginx } from '../support/nginx';
import { percentile } from './load';

/** Clients sending requests one after another, all the test long. */
const CLIENTS = 3;
/** How long a restarted instance may take to get requests from nginx again (its `fail_timeout` is 10 s). */
const BACK_IN_ROTATION_MS = 30_000;
/** How long an instance may take to start while the others carry the load (a few seconds on a quiet machine). */
const RESTART_MS = 90_000;

/** A steady load of writes and reads through the balancer, counting what was answered and what was acknowledged. */
class Load {
  requests = 0;
  readonly failures: string[] = [];
  readonly latencies: number[] = [];
  /** Every create that was answered 200: its ref (known in advance, unique) and the id it was given. */
  readonly acknowledged = new Map<string, string | number>();
  private running = true;
  private readonly clients: Array<Promise<void>>;

  constructor(
    private readonly api: Api,
    private readonly base: string,
  ) {
    this.clients = Array.from({ length: CLIENTS }, (_, client) => this.client(client));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.clients);
  }

  get p99(): number {
    return percentile(this.latencies, 99);
  }

  /** Creates an item with a known ref, reads it back by id, and now and then finds it by a filter. */
  private async client(client: number): Promise<void> {
    for (let i = 0; this.running; i += 1) {
      const ref = `c${client}-${i}`;
      const created = await this.send('POST', `${this.base}/items/marks`, { ref });
      if (created?.status !== 200) continue;
      const id = created.body.data.id as string | number;
      this.acknowledged.set(ref, id);
      const read = await this.send('GET', `${this.base}/items/marks/${id}`);
      if (read?.status === 200 && read.body.data.ref !== ref) this.failures.push(`GET mark ${id}: ref ${read.body.data.ref}, written ${ref}`);
      if (i % 4 === 0) {
        const found = await this.send('GET', `${this.base}/items/marks?filter[ref][_eq]=${ref}&fields=id`);
        if (found?.status === 200 && found.body.data.length !== 1) this.failures.push(`filter on ${ref}: ${found.text}`);
      }
    }
  }

  /** One request: a failure is any answer but 2xx, or no answer at all (a reset, a refused connection). */
  private async send(method: string, path: string, body?: unknown) {
    const began = performance.now();
    this.requests += 1;
    try {
      const response = await this.api.request(method, path, { body });
      this.latencies.push(performance.now() - began);
      if (response.status >= 300) {
        this.failures.push(`${method} ${path}: ${response.status} ${response.text.slice(0, 200)}`);
        return null;
      }
      return response;
    } catch (error) {
      this.failures.push(`${method} ${path}: ${String((error as Error).cause ?? error)}`);
      return null;
    }
  }
}

/**
 * Three instances on PostgreSQL and a Redis of the test's own, behind nginx configured exactly as
 * docs/SCALING.md shows, restarted one after another with SIGTERM (as an orchestrator does) while
 * clients write and read through nginx: no request may fail and no acknowledged write may be lost.
 */
if (selectedDatabases().includes('postgres')) {
  describe('rolling restart of three instances behind nginx', () => {
    let db: TestDatabase;
    let redis: RedisServer;
    let nodes: Instance[] = [];
    let nginx: Nginx | undefined;
    let env: Record<string, string>;

    before(async () => {
      db = await createTestDatabase('postgres');
      redis = await RedisServer.start();
      env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TRUST_PROXY: 'true' };
      // The first runs the migrations; the others start on the migrated database.
      nodes = [await Instance.start(env)];
      nodes.push(...(await Promise.all([Instance.start(env), Instance.start(env)])));
      nginx = await Nginx.start(nodes.map((node) => node.port));
    });

    after(async () => {
      await nginx?.stop();
      await Promise.all(nodes.map((node) => node.stop()));
      await redis?.stop();
      await db?.drop();
    });

    /** Waits until nginx has passed a request, from the access log's line `from` on, to the instance on the port, which answered it. */
    const served = (port: number, from: number) =>
      until(
        `nginx sending requests to the instance on port ${port}`,
        async () => nginx!.requests().slice(from).some((request) => request.upstreams.at(-1) === `127.0.0.1:${port}` && request.status < 300),
        BACK_IN_ROTATION_MS,
      );

    it('restarts each instance in turn under load without a failed request or a lost write', async (t) => {
      const { api, base } = await newOwnedWorkspace(new Api(nginx!.url));
      await newCollection(api, base, { collection: 'marks', fields: [{ field: 'ref', type: 'string', unique: true }] });

      const load = new Load(api, base);
      const restarts: string[] = [];
      try {
        for (const node of nodes) await served(node.port, 0);
        for (const [index, node] of nodes.entries()) {
          const signalled = performance.now();
          await node.stop();
          const exited = performance.now();
          assert.equal(node.exitCode, 0, node.log);
          nodes[index] = await Instance.start(env, { port: node.port, startupMs: RESTART_MS });
          const started = performance.now();
          await served(node.port, nginx!.requests().length);
          const back = performance.now();
          restarts.push(`port ${node.port}: SIGTERM to exit ${ms(exited - signalled)}, start ${ms(started - exited)}, back in nginx's rotation ${ms(back - started)}`);
        }
      } finally {
        await load.stop();
      }

      const proxied = nginx!.requests();
      const retried = proxied.filter((request) => request.upstreams.length > 1);
      t.diagnostic(`requests: ${load.requests}, writes acknowledged: ${load.acknowledged.size}, failures: ${load.failures.length}, p99: ${ms(load.p99)}`);
      // nginx logs a refused connection as 502, an instance's own refusal as 503.
      const tried = (request: (typeof retried)[number]) => `${request.method} after ${request.upstreamStatuses.slice(0, -1).join(' and ')}`;
      t.diagnostic(`passed by nginx to another instance: ${retried.length} (${countBy(retried.map(tried))})`);
      const upstreamErrors = nginx!.errorLog.split('\n').filter((line) => line.includes('upstream'));
      const refused = upstreamErrors.filter((line) => line.includes('Connection refused')).length;
      const broken = upstreamErrors.filter((line) => /reset by peer|prematurely closed|broken pipe/i.test(line)).length;
      t.diagnostic(`upstream connections nginx found refused: ${refused}, reset or closed under a request: ${broken}`);
      for (const restart of restarts) t.diagnostic(restart);

      assert.deepEqual(load.failures.slice(0, 20), [], `${load.failures.length} failed requests\n${nginx!.errorLog.slice(-4_000)}`);
      const stored = await storedRefs(api, base);
      const lost = [...load.acknowledged.keys()].filter((ref) => !stored.has(ref));
      assert.deepEqual(lost, [], 'acknowledged writes missing from the table');
      const counted = await api.get(`${base}/items/marks?meta=total_count&limit=1`);
      assert.equal(counted.body.meta.total_count, load.acknowledged.size, 'each acknowledged write is stored once, and nothing else');
      for (const node of nodes) assert.ok(node.alive, node.log);
    });
  });
}

/** The refs of every mark, read through the API a page at a time. */
async function storedRefs(api: Api, base: string): Promise<Set<string>> {
  const refs = new Set<string>();
  for (let page = 1; ; page += 1) {
    const listed = await api.get(`${base}/items/marks?fields=ref&sort=id&limit=100&page=${page}`);
    assert.equal(listed.status, 200, listed.text);
    for (const { ref } of listed.body.data as Array<{ ref: string }>) refs.add(ref);
    if (listed.body.data.length < 100) return refs;
  }
}

const ms = (value: number) => `${Math.round(value)} ms`;

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${value}: ${count}`).join(', ') || 'none';
}
