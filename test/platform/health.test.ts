import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { assertError, newAccount } from '../support/factories';
import { TcpProxy } from '../support/tcp-proxy';

const PARTS = ['database', 'redis', 'memory_heap', 'memory_rss', 'storage', 'system', 'application'];

/** Polls until the predicate holds or the time is up; returns the last value seen. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describeEachDatabase('health', {}, (suite) => {
  it('answers 200 with every part of the contract, publicly', async () => {
    const health = await suite.api.get('/api/v1/health');
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.status, 'ok');
    for (const part of PARTS) assert.ok(health.body.info[part]?.status, `health has ${part}`);
    assert.equal(health.body.info.database.status, 'up');
    assert.equal(typeof health.body.info.database.responseTime, 'number');
    assert.deepEqual(health.body.info.redis, { status: 'disabled' });
    assert.equal(health.body.info.application.database, suite.kind);
  });
});

if (process.env.CAIRN_TEST_REDIS_URL) {
  describeEachDatabase('health with Redis', { env: { REDIS_URL: process.env.CAIRN_TEST_REDIS_URL, REDIS_PREFIX: `cairn-test-${randomBytes(4).toString('hex')}:` } }, (suite) => {
    it('reports Redis as up with its response time', async () => {
      const health = await suite.api.get('/api/v1/health');
      assert.equal(health.status, 200, health.text);
      assert.equal(health.body.info.redis.status, 'up');
      assert.equal(typeof health.body.info.redis.responseTime, 'number');
    });
  });
}

// SQLite is a file inside the process: it cannot become unreachable, so the outage is played on the
// network databases only.
for (const kind of selectedDatabases().filter((k) => k !== 'sqlite')) {
  describe(`database outage [${kind}]`, () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    let app: RunningApp;
    before(async () => {
      db = await createTestDatabase(kind);
      const target = new URL(db.url);
      proxy = await TcpProxy.start(target.hostname, Number(target.port || (kind === 'postgres' ? 5432 : 3306)));
      const proxied = new URL(db.url);
      proxied.host = `127.0.0.1:${proxy.port}`;
      app = await startApp(proxied.toString());
    });
    after(async () => {
      await app?.close();
      await proxy?.cut();
      await db?.drop();
    });

    it('answers 503 while the database is unreachable and recovers by itself when it is back', async () => {
      const account = await newAccount(app.api);
      assert.equal((await app.api.get('/api/v1/health')).status, 200);

      await proxy.cut();
      const down = await waitFor(() => app.api.get('/api/v1/health'), (r) => r.status === 503, 10_000);
      assert.equal(down.status, 503, down.text);
      assert.equal(down.body.status, 'error');
      assert.equal(down.body.info.database.status, 'down');
      const started = Date.now();
      const refused = await waitFor(() => app.api.get('/api/v1/auth/me', { token: account.accessToken }), (r) => r.status === 503, 10_000);
      assertError(refused, 503, 'SERVICE_UNAVAILABLE');
      assert.ok(Date.now() - started < 10_000);

      await proxy.restore();
      const up = await waitFor(() => app.api.get('/api/v1/health'), (r) => r.status === 200, 20_000);
      assert.equal(up.status, 200, up.text);
      const me = await waitFor(() => app.api.get('/api/v1/auth/me', { token: account.accessToken }), (r) => r.status === 200, 10_000);
      assert.equal(me.status, 200, me.text);
    });
  });
}
