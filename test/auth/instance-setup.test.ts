import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase, RunningApp, startApp, TEST_SETUP_TOKEN } from '../support/app';
import { Instance } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { assertError, uniqueEmail } from '../support/factories';
import type { Api } from '../support/http';

const register = (api: Api, body: Record<string, unknown>) => api.post('/api/v1/auth/register', { email: uniqueEmail('setup'), password: 'a-long-password', ...body }, { token: null });
const SETUP_URL = /\/admin\/setup\?token=([A-Za-z0-9_-]+)/;
/** An instance that prints its own token: the test environment's fixed one is unset, and info lines are kept. */
const PRINTING = { CAIRN_SETUP_TOKEN: '', LOG_LEVEL: 'info' };

/** What an instance printed while it started: the setup happens before it listens. */
async function startupLog(instance: Instance): Promise<string> {
  await instance.logged(/Cairn is listening/);
  return instance.fullLog;
}

describeEachDatabase('the first account, with a setup token', {}, (suite) => {
  it('refuses the first registration without the setup token or with a wrong one, and makes the superadmin with the right one, once', async () => {
    const missing = await register(suite.api, {});
    assertError(missing, 403, 'FORBIDDEN');
    assert.match(missing.body.errors[0].message, /setup token/);
    assert.match(missing.body.errors[0].message, /log at start/);
    assertError(await register(suite.api, { setup_token: `${TEST_SETUP_TOKEN}x` }), 403, 'FORBIDDEN');
    assertError(await register(suite.api, { setup_token: '' }), 403, 'FORBIDDEN');

    const first = await register(suite.api, { setup_token: TEST_SETUP_TOKEN });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.data.is_superadmin, true);

    // Once an account exists the token is used up: it makes no second superadmin, and is not needed.
    const again = await register(suite.api, { setup_token: TEST_SETUP_TOKEN });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.body.data.is_superadmin, false);
    const without = await register(suite.api, {});
    assert.equal(without.status, 201, without.text);
    assert.equal(without.body.data.is_superadmin, false);
  });
});

describeEachDatabase('the setup state', {}, (suite) => {
  it('says the instance needs setup until its first account exists, and tells nothing more', async () => {
    const before = await suite.api.get('/api/v1/auth/setup', { token: null });
    assert.equal(before.status, 200, before.text);
    assert.deepEqual(before.body, { data: { needs_setup: true } });

    assert.equal((await register(suite.api, { setup_token: TEST_SETUP_TOKEN })).status, 201);
    const afterwards = await suite.api.get('/api/v1/auth/setup', { token: null });
    assert.deepEqual(afterwards.body, { data: { needs_setup: false } });
  });
});

/** On PostgreSQL and MariaDB two instances share the database; SQLite's writers are one process. */
for (const kind of selectedDatabases()) {
  describe(`racing first registrations [${kind}]`, () => {
    let db: TestDatabase;
    let apps: RunningApp[] = [];
    before(async () => {
      db = await createTestDatabase(kind);
      apps = [await startApp(db.url)];
      if (kind !== 'sqlite') apps.push(await startApp(db.url));
    });
    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await db?.drop();
    });

    it('make exactly one superadmin', async () => {
      const credentials = Array.from({ length: 8 }, () => ({ email: uniqueEmail('racer'), password: 'a-long-password' }));
      const answers = await Promise.all(credentials.map((body, i) => register(apps[i % apps.length].api, { ...body, setup_token: TEST_SETUP_TOKEN })));
      for (const answer of answers) assert.equal(answer.status, 201, answer.text);
      const superadmins = answers.filter((answer) => answer.body.data.is_superadmin);
      assert.equal(superadmins.length, 1);

      const winner = credentials[answers.indexOf(superadmins[0])];
      const login = await apps[0].api.post('/api/v1/auth/login', winner);
      const users = await apps[0].api.get('/api/v1/users', { token: login.body.data.access_token });
      assert.equal(users.status, 200, users.text);
      assert.equal(users.body.data.length, credentials.length);
      assert.equal(users.body.data.filter((user: { is_superadmin: boolean }) => user.is_superadmin).length, 1);
    });
  });
}

for (const kind of selectedDatabases()) {
  describe(`the setup token in the log at start [${kind}]`, () => {
    let db: TestDatabase;
    const instances: Instance[] = [];
    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      await db?.drop();
    });

    it('is printed as the setup URL and makes the superadmin; another instance of the database accepts it', async () => {
      const first = await Instance.start({ DATABASE_URL: db.url, PUBLIC_URL: 'https://cairn.example.com', ...PRINTING });
      instances.push(first);
      const log = await startupLog(first);
      const printed = log.match(SETUP_URL);
      assert.ok(printed, log);
      assert.match(log, /https:\/\/cairn\.example\.com\/admin\/setup\?token=/);
      assert.doesNotMatch(log, /CAIRN_ADMIN_EMAIL/);
      // The few lines an operator reads at start are not buried under a line per module and route.
      assert.doesNotMatch(log, /Mapped \{|dependencies initialized/);
      assert.match(log, /the console is at https:\/\/cairn\.example\.com\/admin/);
      const token = printed[1];
      assert.ok(token.length >= 32);

      // A second instance on the same database prints its own token; the first instance's stays valid on it.
      // (A SQLite file is served by one process: there the second start is a restart.)
      if (kind === 'sqlite') await first.stop();
      const second = await Instance.start({ DATABASE_URL: db.url, ...PRINTING });
      instances.push(second);
      const secondToken = (await startupLog(second)).match(SETUP_URL)?.[1];
      assert.ok(secondToken, second.log);
      assert.notEqual(secondToken, token);

      assertError(await register(second.api, {}), 403, 'FORBIDDEN');
      const made = await register(second.api, { setup_token: token });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.data.is_superadmin, true);
      const reused = await register(second.api, { setup_token: secondToken });
      assert.equal(reused.status, 201, reused.text);
      assert.equal(reused.body.data.is_superadmin, false);
    });
  });
}

for (const kind of selectedDatabases()) {
  describe(`the superadmin from CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD [${kind}]`, () => {
    let db: TestDatabase;
    const instances: Instance[] = [];
    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      await db?.drop();
    });

    it('is created at start, says so instead of printing a token, and leaves self-registration to ordinary accounts', async () => {
      const admin = { email: 'operator@example.com', password: 'the-operator-password' };
      const instance = await Instance.start({ DATABASE_URL: db.url, ...PRINTING, CAIRN_ADMIN_EMAIL: admin.email, CAIRN_ADMIN_PASSWORD: admin.password });
      instances.push(instance);
      const log = await startupLog(instance);
      assert.match(log, /operator@example\.com was created from CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD/);
      assert.doesNotMatch(log, /setup\?token|setup_token/);

      const login = await instance.api.post('/api/v1/auth/login', admin);
      assert.equal(login.status, 200, login.text);
      assert.equal(login.body.data.user.is_superadmin, true);
      const ordinary = await register(instance.api, {});
      assert.equal(ordinary.status, 201, ordinary.text);
      assert.equal(ordinary.body.data.is_superadmin, false);

      // Started again with another password, nothing changes: the account exists.
      await instance.stop();
      const restarted = await Instance.start({ DATABASE_URL: db.url, ...PRINTING, CAIRN_ADMIN_EMAIL: admin.email, CAIRN_ADMIN_PASSWORD: 'another-password-entirely' });
      instances.push(restarted);
      assert.doesNotMatch(await startupLog(restarted), /was created|setup\?token/);
      assert.equal((await restarted.api.post('/api/v1/auth/login', admin)).status, 200);
      assertError(await restarted.api.post('/api/v1/auth/login', { ...admin, password: 'another-password-entirely' }), 401, 'INVALID_CREDENTIALS');
    });
  });
}
