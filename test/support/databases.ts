import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import type { DatabaseKind } from '../../src/config/app-config';

/** A database made for one test file, dropped at its end. */
export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  drop(): Promise<void>;
}

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

/** The databases the suite runs on: CAIRN_TEST_DATABASES=sqlite,postgres,mysql (SQLite alone by default). */
export function selectedDatabases(): DatabaseKind[] {
  const kinds = (process.env.CAIRN_TEST_DATABASES ?? 'sqlite').split(',').map((kind) => kind.trim()).filter(Boolean);
  for (const kind of kinds) {
    if (!['sqlite', 'postgres', 'mysql'].includes(kind)) throw new Error(`CAIRN_TEST_DATABASES: unknown database "${kind}"`);
  }
  return kinds as DatabaseKind[];
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `cairn_t_${randomBytes(6).toString('hex')}`;
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-test-'));
      return { kind, url: `sqlite:${join(dir, 'cairn.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    }
    case 'postgres': {
      const adminUrl = process.env.CAIRN_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
      await withPostgres(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
      return {
        kind,
        url: withDatabaseName(adminUrl, name),
        drop: () => withPostgres(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
      };
    }
    case 'mysql': {
      const adminUrl = process.env.CAIRN_TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL;
      await withMysql(adminUrl, (connection) => connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
      return {
        kind,
        url: withDatabaseName(adminUrl, name),
        drop: () => withMysql(adminUrl, (connection) => connection.query(`DROP DATABASE IF EXISTS \`${name}\``)),
      };
    }
  }
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Runs work with one PostgreSQL client on the URL, closed after. */
export async function withPostgres(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Runs work with one MySQL/MariaDB connection on the URL, closed after. */
export async function withMysql(url: string, work: (connection: mysql.Connection) => Promise<unknown>): Promise<void> {
  const connection = await mysql.createConnection(url);
  try {
    await work(connection);
  } finally {
    await connection.end();
  }
}
