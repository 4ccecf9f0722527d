import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { DataSource } from 'typeorm';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newOwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api, ApiResponse } from '../support/http';
import { ExternalFixture, externalMysql, externalPostgres } from './external-databases';

const CONNECTIONS_ENV = { CONNECTIONS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), CONNECTIONS_CONNECT_TIMEOUT: '3s' };

/**
 * External connections, with Cairn's own data on each of the three databases: an external PostgreSQL
 * database and an external MariaDB database, each with customers and orders(customer_id → customers).
 */
describeEachDatabase('external connections', { env: CONNECTIONS_ENV }, (suite) => {
  let api: Api;
  let base: string;
  const fixtures: ExternalFixture[] = [];
  /** Every response of the suite, to check that no password ever appears in one. */
  const seen: ApiResponse[] = [];

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    fixtures.push(await externalPostgres(), await externalMysql());
  });

  after(async () => {
    for (const fixture of fixtures) await fixture.drop();
  });

  const remember = (response: ApiResponse) => (seen.push(response), response);
  const register = async (fixture: ExternalFixture, body: Record<string, unknown>) =>
    remember(await api.post(`${base}/connections`, { kind: fixture.kind, host: fixture.host, port: fixture.port, database: fixture.database, user: fixture.user, password: fixture.password, ...body }));

  for (const kind of ['postgres', 'mysql'] as const) {
    const name = kind === 'postgres' ? 'pgx' : 'myx';
    const fixture = () => fixtures.find((f) => f.kind === kind)!;
    const orders = `${name}__orders`;
    const customers = `${name}__customers`;
    let connectionId: string;

    it(`[${kind}] registers a connection after introspecting it, and never answers its password`, async () => {
      const created = await register(fixture(), { name, tables: ['customers', 'orders'] });
      assert.equal(created.status, 201, created.text);
      connectionId = created.body.data.id;
      assert.deepEqual(created.body.data.collections, [customers, orders]);
      assert.equal(created.body.data.allow_writes, false);
      assert.ok(!('password' in created.body.data));
      const listed = remember(await api.get(`${base}/connections`));
      assert.ok(listed.body.data.some((c: { id: string }) => c.id === connectionId));
      remember(await api.get(`${base}/connections/${connectionId}`));
      // Stored sealed: neither the password nor its base64 is in the row.
      const dataSource = suite.app.nest.get(DataSource);
      const [row] = (await dataSource.query(`SELECT * FROM cairn_connections WHERE name = '${name}'`)) as Array<Record<string, unknown>>;
      const stored = JSON.stringify(row);
      assert.ok(!stored.includes(fixture().password));
      assert.ok(!stored.includes(Buffer.from(fixture().password).toString('base64')));
      assert.match(String(row.password_ciphertext), /^v1\./);
    });

    it(`[${kind}] lists the introspected tables with their columns, primary and foreign keys`, async () => {
      const tables = remember(await api.get(`${base}/connections/${connectionId}/tables`));
      assert.equal(tables.status, 200, tables.text);
      const byName = new Map(tables.body.data.map((t: { table: string }) => [t.table, t]));
      const ordersTable = byName.get('orders') as any;
      assert.deepEqual(ordersTable.primary_key, ['id']);
      assert.deepEqual(ordersTable.foreign_keys.map((k: any) => [k.columns, k.referenced_table, k.referenced_columns]), [[['customer_id'], 'customers', ['id']]]);
      assert.deepEqual(
        ordersTable.columns.map((c: any) => [c.name, c.type, c.nullable]),
        [['id', 'integer', false], ['customer_id', 'integer', false], ['total', 'decimal', false], ['placed_at', 'datetime', false], ['note', 'text', true]],
      );
      assert.equal(ordersTable.served, true);
      const auditLog = byName.get('audit_log') as any;
      assert.equal(auditLog.servable, false);
      assert.match(auditLog.reason, /no primary key/);
      assertError(remember(await api.patch(`${base}/connections/${connectionId}`, { tables: ['audit_log'] })), 400, 'INVALID_PAYLOAD');
    });

    it(`[${kind}] lists a table with a filter, a sort and a many-to-one expanded`, async () => {
      const listed = await api.get(`${base}/items/${orders}?filter[total][_gt]=50&sort=-total&fields=id,total,customer_id.name&meta=filter_count`);
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body.data, [
        { id: 4, total: 200, customer_id: { id: 3, name: 'Cyd' } },
        { id: 1, total: 120.5, customer_id: { id: 1, name: 'Ada' } },
        { id: 3, total: 75.25, customer_id: { id: 2, name: 'Bob' } },
      ]);
      assert.deepEqual(listed.body.meta, { filter_count: 3 });
      const one = await api.get(`${base}/items/${orders}/2?fields=*,customer_id.*`);
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.data.total, 30);
      assert.deepEqual(one.body.data.customer_id, { id: 1, name: 'Ada', email: 'ada@example.com', vip: true });
    });

    it(`[${kind}] filters through a relation, and reads the reverse one-to-many`, async () => {
      const ofAda = await api.get(`${base}/items/${orders}?filter[customer_id][name][_eq]=Ada&sort=id&fields=id`);
      assert.equal(ofAda.status, 200, ofAda.text);
      assert.deepEqual(ofAda.body.data, [{ id: 1 }, { id: 2 }]);
      const big = await api.get(`${base}/items/${customers}?filter[orders][_some][total][_gte]=100&sort=name&fields=name,orders.total`);
      assert.equal(big.status, 200, big.text);
      assert.deepEqual(big.body.data, [
        { id: 1, name: 'Ada', orders: [{ id: 1, total: 120.5 }, { id: 2, total: 30 }] },
        { id: 3, name: 'Cyd', orders: [{ id: 4, total: 200 }] },
      ]);
    });

    it(`[${kind}] refuses writes on a read-only connection and leaves the table unchanged`, async () => {
      assertError(await api.post(`${base}/items/${orders}`, { customer_id: 2, total: 5 }), 403, 'FORBIDDEN');
      assertError(await api.patch(`${base}/items/${orders}/1`, { total: 1 }), 403, 'FORBIDDEN');
      assertError(await api.delete(`${base}/items/${orders}/1`), 403, 'FORBIDDEN');
      const rows = await fixture().query('SELECT id, total FROM orders ORDER BY id');
      assert.deepEqual(rows.map((r) => [Number(r.id), Number(r.total)]), [[1, 120.5], [2, 30], [3, 75.25], [4, 200]]);
    });

    it(`[${kind}] refuses DDL on an external collection`, async () => {
      const field = await api.post(`${base}/fields/${orders}`, { field: 'extra', type: 'string' });
      assertError(field, 403, 'FORBIDDEN');
      assert.match(field.body.errors[0].message, /never changes the schema of an external database/);
      assertError(await api.delete(`${base}/collections/${orders}`), 403, 'FORBIDDEN');
      const columns = await fixture().query(
        kind === 'postgres'
          ? `SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND table_schema = 'public'`
          : `SELECT COLUMN_NAME AS column_name FROM information_schema.COLUMNS WHERE TABLE_NAME = 'orders' AND TABLE_SCHEMA = DATABASE()`,
      );
      assert.equal(columns.length, 5);
      assertError(await api.post(`${base}/collections`, { collection: 'a__b' }), 400, 'INVALID_PAYLOAD');
    });

    it(`[${kind}] creates, updates and deletes rows once the connection allows writes`, async () => {
      const allowed = remember(await api.patch(`${base}/connections/${connectionId}`, { allow_writes: true }));
      assert.equal(allowed.status, 200, allowed.text);
      const created = await api.post(`${base}/items/${orders}?fields=id,total,customer_id.name`, { customer_id: 2, total: '12.34', note: 'by Cairn' });
      assert.equal(created.status, 200, created.text);
      assert.deepEqual(created.body.data, { id: 5, total: 12.34, customer_id: { id: 2, name: 'Bob' } });
      const updated = await api.patch(`${base}/items/${orders}/5`, { note: 'changed' });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.data.note, 'changed');
      let rows = await fixture().query('SELECT note FROM orders WHERE id = 5');
      assert.equal(rows[0].note, 'changed');
      assertError(await api.post(`${base}/items/${orders}`, { total: 1 }), 422, 'VALIDATION_FAILED');
      assert.equal((await api.delete(`${base}/items/${orders}/5`)).status, 204);
      rows = await fixture().query('SELECT id FROM orders WHERE id = 5');
      assert.equal(rows.length, 0);
      const activity = await api.get(`${base}/activity?filter[collection][_eq]=${orders}&sort=id&fields=action,item`);
      assert.equal(activity.status, 200, activity.text);
      assert.deepEqual(activity.body.data.map((a: { action: string }) => a.action), ['create', 'update', 'delete']);
      remember(await api.patch(`${base}/connections/${connectionId}`, { allow_writes: false }));
    });

    it(`[${kind}] keeps an app role to what its policies grant on external collections`, async () => {
      const policy = await api.post(`${base}/policies`, { role: 'public', collection: customers, action: 'read', fields: ['id', 'name'] });
      assert.equal(policy.status, 201, policy.text);
      const anonymous = suite.api.as(null);
      const readable = await anonymous.get(`${base}/items/${customers}?sort=id`);
      assert.equal(readable.status, 200, readable.text);
      assert.deepEqual(readable.body.data, [{ id: 1, name: 'Ada' }, { id: 2, name: 'Bob' }, { id: 3, name: 'Cyd' }]);
      assertError(await anonymous.get(`${base}/items/${orders}`), 403, 'FORBIDDEN');
      const appUser = await newAppUser(suite.api, base);
      assertError(await suite.api.as(appUser.accessToken).get(`${base}/items/${orders}`), 403, 'FORBIDDEN');
    });

    it(`[${kind}] serves the chosen tables in GraphQL`, async () => {
      const data = await graphqlData(api, base, `{ ${orders}(sort: ["-total"], limit: 2) { id total customer_id { name } } }`);
      assert.deepEqual(data[orders], [
        { id: 4, total: 200, customer_id: { name: 'Cyd' } },
        { id: 1, total: 120.5, customer_id: { name: 'Ada' } },
      ]);
    });
  }

  it('answers a wrong password with a clear error and stores nothing', async () => {
    const mariadb = fixtures.find((f) => f.kind === 'mysql')!;
    const refused = await register(mariadb, { name: 'wrongpw', password: 'not-the-password' });
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.field, 'password');
    assert.match(refused.body.errors[0].message, /refused to sign in user/);
    assert.doesNotMatch(refused.text, /ER_ACCESS_DENIED|Access denied/);
    const listed = await api.get(`${base}/connections`);
    assert.ok(!listed.body.data.some((c: { name: string }) => c.name === 'wrongpw'));
  });

  it('answers an unknown database or an unreachable port with a clear error, and stores nothing', async () => {
    // PostgreSQL here trusts local connections whatever the password, so its failures are shown this way.
    const postgres = fixtures.find((f) => f.kind === 'postgres')!;
    const noDatabase = await register(postgres, { name: 'nodb', database: 'cairn_no_such_database' });
    assertError(noDatabase, 400, 'INVALID_PAYLOAD');
    assert.equal(noDatabase.body.errors[0].extensions.field, 'database');
    const unreachable = await register(postgres, { name: 'noport', port: 1 });
    assertError(unreachable, 400, 'INVALID_PAYLOAD');
    assert.equal(unreachable.body.errors[0].extensions.field, 'host');
    const listed = await api.get(`${base}/connections`);
    assert.deepEqual(listed.body.data.map((c: { name: string }) => c.name).sort(), ['myx', 'pgx']);
  });

  it('never answers a password in any response', () => {
    assert.ok(seen.length > 0);
    for (const response of seen) for (const fixture of fixtures) assert.ok(!response.text.includes(fixture.password), response.text);
  });

  it('deletes a connection and stops serving its tables, leaving its database untouched', async () => {
    const listed = await api.get(`${base}/connections`);
    const pgx = listed.body.data.find((c: { name: string }) => c.name === 'pgx');
    assert.equal((await api.delete(`${base}/connections/${pgx.id}`)).status, 204);
    assertError(await api.get(`${base}/items/pgx__orders`), 404, 'NOT_FOUND');
    const rows = await fixtures.find((f) => f.kind === 'postgres')!.query('SELECT count(*) AS n FROM orders');
    assert.equal(Number(rows[0].n), 4);
  });
});

describeEachDatabase('external connections without an encryption key', {}, (suite) => {
  it('answers 503 naming CONNECTIONS_ENCRYPTION_KEY, and registers nothing', async () => {
    const { api, base } = await newOwnedWorkspace(suite.api);
    const refused = await api.post(`${base}/connections`, { name: 'shop', kind: 'postgres', host: '127.0.0.1', database: 'x', user: 'u', password: 'p' });
    assertError(refused, 503, 'SERVICE_UNAVAILABLE');
    assert.match(refused.body.errors[0].message, /CONNECTIONS_ENCRYPTION_KEY/);
    assertError(await api.get(`${base}/connections`), 503, 'SERVICE_UNAVAILABLE');
  });
});
