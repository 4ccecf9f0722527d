import { randomBytes } from 'node:crypto';
import { withMysql, withPostgres } from '../support/databases';

/**
 * External databases for the connection tests: a new PostgreSQL or MariaDB database with customers
 * and orders (orders.customer_id references customers), a table without a primary key, and rows.
 */
export interface ExternalFixture {
  kind: 'postgres' | 'mysql';
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Runs SQL on the external database directly, as its own administrator. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  drop(): Promise<void>;
}

const POSTGRES_URL = process.env.CAIRN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.CAIRN_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

const CUSTOMERS = [
  ['Ada', 'ada@example.com', true],
  ['Bob', null, false],
  ['Cyd', 'cyd@example.com', false],
] as const;
/** customer id, total */
const ORDERS = [
  [1, '120.50'],
  [1, '30.00'],
  [2, '75.25'],
  [3, '200.00'],
] as const;

function rowsSql(): string[] {
  return [
    `INSERT INTO customers (name, email, vip) VALUES ${CUSTOMERS.map(([name, email, vip]) => `('${name}', ${email ? `'${email}'` : 'NULL'}, ${vip ? 'TRUE' : 'FALSE'})`).join(', ')}`,
    `INSERT INTO orders (customer_id, total, note) VALUES ${ORDERS.map(([customer, total]) => `(${customer}, ${total}, NULL)`).join(', ')}`,
    `INSERT INTO audit_log (entry) VALUES ('created')`,
  ];
}

export async function externalPostgres(): Promise<ExternalFixture> {
  const database = `cairn_ext_${randomBytes(5).toString('hex')}`;
  const admin = new URL(POSTGRES_URL);
  await withPostgres(POSTGRES_URL, (client) => client.query(`CREATE DATABASE "${database}"`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  const query = async (sql: string) => {
    let rows: Array<Record<string, unknown>> = [];
    await withPostgres(url.toString(), async (client) => (rows = (await client.query(sql)).rows));
    return rows;
  };
  await query(`CREATE TABLE customers (id serial PRIMARY KEY, name varchar(100) NOT NULL, email text, vip boolean NOT NULL DEFAULT false)`);
  await query(
    `CREATE TABLE orders (id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), total numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT now(), note text)`,
  );
  await query(`CREATE TABLE audit_log (entry text)`);
  for (const sql of rowsSql()) await query(sql);
  return {
    kind: 'postgres',
    host: admin.hostname,
    port: Number(admin.port || 5432),
    database,
    user: decodeURIComponent(admin.username || 'postgres'),
    password: `pg-pw-${randomBytes(6).toString('hex')}`,
    query,
    drop: () => withPostgres(POSTGRES_URL, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)),
  };
}

export async function externalMysql(): Promise<ExternalFixture> {
  const suffix = randomBytes(5).toString('hex');
  const database = `cairn_ext_${suffix}`;
  const user = `cairn_ext_${suffix}`;
  const password = `my-pw-${randomBytes(6).toString('hex')}`;
  const admin = new URL(MYSQL_URL);
  // A user with a password, so that a wrong one is refused (PostgreSQL here trusts local connections).
  await withMysql(MYSQL_URL, async (connection) => {
    await connection.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await connection.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.* TO '${user}'@'%'`);
  });
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  const query = async (sql: string) => {
    let rows: Array<Record<string, unknown>> = [];
    await withMysql(url.toString(), async (connection) => (rows = (await connection.query(sql))[0] as Array<Record<string, unknown>>));
    return rows;
  };
  await query(`CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, email TEXT, vip TINYINT(1) NOT NULL DEFAULT 0) ENGINE=InnoDB`);
  await query(
    `CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10, 2) NOT NULL, placed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), note TEXT,
       CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB`,
  );
  await query(`CREATE TABLE audit_log (entry TEXT) ENGINE=InnoDB`);
  for (const sql of rowsSql()) await query(sql);
  return {
    kind: 'mysql',
    host: admin.hostname,
    port: Number(admin.port || 3306),
    database,
    user,
    password,
    query,
    drop: () =>
      withMysql(MYSQL_URL, async (connection) => {
        await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await connection.query(`DROP USER IF EXISTS '${user}'@'%'`);
      }),
  };
}
