import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newOwnedWorkspace, type OwnedWorkspace } from '../support/factories';
import type { ApiResponse } from '../support/http';
import { ExternalFixture, externalMysql, externalPostgres } from './external-databases';

const CONNECTIONS_ENV = { CONNECTIONS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), CONNECTIONS_CONNECT_TIMEOUT: '3s' };

/** `POST /w/{ws}/connections/test`: signing in to an external database before registering it, storing nothing. */
describeEachDatabase('testing a connection', { env: CONNECTIONS_ENV }, (suite) => {
  let owned: OwnedWorkspace;
  const fixtures: ExternalFixture[] = [];
  const seen: ApiResponse[] = [];

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    fixtures.push(await externalPostgres(), await externalMysql());
  });

  after(async () => {
    for (const fixture of fixtures) await fixture.drop();
  });

  const probe = async (fixture: ExternalFixture, change: Record<string, unknown> = {}) => {
    const response = await owned.api.post(`${owned.base}/connections/test`, {
      kind: fixture.kind,
      host: fixture.host,
      port: fixture.port,
      database: fixture.database,
      user: fixture.user,
      password: fixture.password,
      ...change,
    });
    seen.push(response);
    return response;
  };
  const fixture = (kind: 'postgres' | 'mysql') => fixtures.find((f) => f.kind === kind)!;

  for (const kind of ['postgres', 'mysql'] as const) {
    it(`[${kind}] answers the tables it finds, with their columns and whether they can be served`, async () => {
      const tested = await probe(fixture(kind));
      assert.equal(tested.status, 200, tested.text);
      assert.equal(tested.body.data.ok, true);
      const byName = new Map(tested.body.data.tables.map((t: { table: string }) => [t.table, t]));
      const orders = byName.get('orders') as any;
      assert.deepEqual(orders.primary_key, ['id']);
      assert.deepEqual(orders.columns.map((c: { name: string }) => c.name), ['id', 'customer_id', 'total', 'placed_at', 'note']);
      assert.equal(orders.servable, true);
      assert.equal((byName.get('audit_log') as any).servable, false);
      assert.ok(!('collection' in orders) && !('served' in orders));
    });
  }

  it('answers a wrong password 400 naming the user, without the driver\'s text', async () => {
    const refused = await probe(fixture('mysql'), { password: 'not-the-password-5ecret' });
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.field, 'password');
    assert.match(refused.body.errors[0].message, /refused to sign in user/);
    assert.doesNotMatch(refused.text, /ER_ACCESS_DENIED|Access denied|5ecret/);
  });

  it('answers an unknown database, a closed port and an unknown host 400 naming the field at fault', async () => {
    const noDatabase = await probe(fixture('postgres'), { database: 'cairn_no_such_database' });
    assertError(noDatabase, 400, 'INVALID_PAYLOAD');
    assert.equal(noDatabase.body.errors[0].extensions.field, 'database');
    const closedPort = await probe(fixture('postgres'), { port: 1 });
    assertError(closedPort, 400, 'INVALID_PAYLOAD');
    assert.equal(closedPort.body.errors[0].extensions.field, 'host');
    const unknownHost = await probe(fixture('mysql'), { host: 'no-such-host.invalid' });
    assertError(unknownHost, 400, 'INVALID_PAYLOAD');
    assert.equal(unknownHost.body.errors[0].extensions.field, 'host');
  });

  it('answers a malformed target 400 before connecting', async () => {
    assertError(await probe(fixture('postgres'), { kind: 'sqlite' }), 400, 'INVALID_PAYLOAD');
    assertError(await probe(fixture('postgres'), { port: 70000 }), 400, 'INVALID_PAYLOAD');
    assertError(await probe(fixture('postgres'), { host: '' }), 400, 'INVALID_PAYLOAD');
    assertError(await probe(fixture('mysql'), { schema: 'public' }), 400, 'INVALID_PAYLOAD');
  });

  it('stores nothing', async () => {
    const listed = await owned.api.get(`${owned.base}/connections`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.data, []);
  });

  it('is refused to an editor, a viewer and an app user', async () => {
    for (const role of ['editor', 'viewer']) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, owned.workspace, owned.owner, member, role);
      const response = await suite.api.as(member.accessToken).post(`${owned.base}/connections/test`, { kind: 'postgres', host: '127.0.0.1', database: 'x', user: 'x', password: 'x' });
      assertError(response, 403, 'FORBIDDEN');
    }
    const appUser = await newAppUser(suite.api, owned.base);
    const response = await suite.api.as(appUser.accessToken).post(`${owned.base}/connections/test`, { kind: 'postgres', host: '127.0.0.1', database: 'x', user: 'x', password: 'x' });
    assert.ok([401, 403].includes(response.status), response.text);
  });

  it('never answers a password, nor a 5xx', () => {
    assert.ok(seen.length > 0);
    for (const response of seen) {
      assert.ok(response.status < 500, response.text);
      for (const f of fixtures) assert.ok(!f.password || !response.text.includes(f.password), response.text);
      assert.ok(!response.text.includes('not-the-password-5ecret'), response.text);
    }
  });
});
