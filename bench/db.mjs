// The three databases as the benchmark needs them: one small connection object per kind with the
// same query(sql, params) → rows, plus the bits of dialect that hand-written SQL needs (quoting,
// placeholders). Used by the runner (to make and seed the bench database) and by the baseline server.

import { randomBytes } from 'node:crypto';

export const DATABASE_KINDS = ['postgres', 'mysql', 'sqlite'];

/** The admin URL the bench makes its database with, per kind, unless BENCH_POSTGRES_URL or BENCH_MYSQL_URL names another. */
export const DEFAULT_ADMIN_URLS = {
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  mysql: 'mysql://root@127.0.0.1:3306/test',
};

/** Identifier quoting and placeholders for hand-written SQL. */
export function dialect(kind) {
  return kind === 'mysql'
    ? { kind, quote: (name) => `\`${name}\``, placeholder: () => '?' }
    : { kind, quote: (name) => `"${name}"`, placeholder: kind === 'postgres' ? (n) => `$${n}` : () => '?' };
}

/** A datetime as the value codec of Cairn stores it: an ISO string, or `YYYY-MM-DD HH:MM:SS.mmm` (UTC) on MySQL. */
export function datetimeParam(date, kind) {
  const iso = date.toISOString();
  return kind === 'mysql' ? iso.slice(0, 23).replace('T', ' ') : iso;
}

/** The same URL with another database name. */
export function withDatabaseName(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * Opens a pool on a database. `location` is a URL for PostgreSQL and MySQL, a file path for SQLite.
 * Answers { kind, query(sql, params) → rows, run(sql, params) → { insertId }, close() }.
 */
export async function openDatabase(kind, location, { poolSize = 10 } = {}) {
  switch (kind) {
    case 'postgres': {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: location, max: poolSize });
      // Fail here, not on the first request, when the database is unreachable.
      (await pool.connect()).release();
      return {
        kind,
        query: async (sql, params = []) => (await pool.query(sql, params)).rows,
        run: async (sql, params = []) => {
          await pool.query(sql, params);
          return {};
        },
        /** Runs fn({ query }) in one transaction on one connection of the pool. */
        transaction: async (fn) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const result = await fn({ query: async (sql, params = []) => (await client.query(sql, params)).rows });
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          } finally {
            client.release();
          }
        },
        close: () => pool.end(),
      };
    }
    case 'mysql': {
      const { default: mysql } = await import('mysql2/promise');
      const pool = mysql.createPool({
        uri: location.replace(/^mariadb:/, 'mysql:'),
        connectionLimit: poolSize,
        timezone: 'Z',
        charset: 'utf8mb4_unicode_ci',
        supportBigNumbers: true,
        bigNumberStrings: false,
      });
      (await pool.getConnection()).release();
      return {
        kind,
        query: async (sql, params = []) => (await pool.query(sql, params))[0],
        run: async (sql, params = []) => ({ insertId: (await pool.query(sql, params))[0].insertId }),
        /** Runs fn({ query }) in one transaction on one connection of the pool (query answers rows, or an INSERT's header). */
        transaction: async (fn) => {
          const connection = await pool.getConnection();
          try {
            await connection.beginTransaction();
            const result = await fn({ query: async (sql, params = []) => (await connection.query(sql, params))[0] });
            await connection.commit();
            return result;
          } catch (error) {
            await connection.rollback();
            throw error;
          } finally {
            connection.release();
          }
        },
        close: () => pool.end(),
      };
    }
    case 'sqlite': {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(location);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      const statements = new Map();
      const prepare = (sql) => {
        let statement = statements.get(sql);
        if (!statement) statements.set(sql, (statement = db.prepare(sql)));
        return statement;
      };
      return {
        kind,
        query: async (sql, params = []) => prepare(sql).all(params),
        run: async (sql, params = []) => ({ insertId: Number(prepare(sql).run(params).lastInsertRowid) }),
        /** Runs fn(db) in one transaction: SQLite inserts row by row are fast only inside one. */
        transaction: (fn) => db.transaction(() => fn(prepare))(),
        close: async () => db.close(),
      };
    }
    default:
      throw new Error(`unknown database kind "${kind}"`);
  }
}

/**
 * Makes an empty database for one run and answers its URL (or file path) and how to drop it.
 * PostgreSQL and MySQL: a database named cairn_bench_<random> made through the admin URL.
 * SQLite: a file in `dir`, which the caller removes.
 */
export async function createBenchDatabase(kind, adminUrl, dir) {
  const name = `cairn_bench_${randomBytes(5).toString('hex')}`;
  switch (kind) {
    case 'postgres': {
      const { default: pg } = await import('pg');
      const admin = async (sql) => {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      await admin(`CREATE DATABASE "${name}"`);
      const url = withDatabaseName(adminUrl, name);
      return { name, cairnUrl: url, location: url, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
    }
    case 'mysql': {
      const { default: mysql } = await import('mysql2/promise');
      const admin = async (sql) => {
        const connection = await mysql.createConnection({ uri: adminUrl.replace(/^mariadb:/, 'mysql:') });
        try {
          await connection.query(sql);
        } finally {
          await connection.end();
        }
      };
      await admin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      const url = withDatabaseName(adminUrl, name);
      return { name, cairnUrl: url, location: url, drop: () => admin(`DROP DATABASE IF EXISTS \`${name}\``) };
    }
    case 'sqlite': {
      const { join } = await import('node:path');
      const file = join(dir, 'cairn-bench.sqlite');
      return { name: 'cairn-bench.sqlite', cairnUrl: `sqlite:${file}`, location: file, drop: async () => {} };
    }
    default:
      throw new Error(`unknown database kind "${kind}"`);
  }
}

/** The server's version string, for the results file. */
export async function serverVersion(db) {
  try {
    switch (db.kind) {
      case 'postgres':
        return (await db.query('SHOW server_version'))[0].server_version;
      case 'mysql':
        return (await db.query('SELECT VERSION() AS v'))[0].v;
      case 'sqlite':
        return `SQLite ${(await db.query('SELECT sqlite_version() AS v'))[0].v}`;
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * The indexes on a table as the database describes them (the primary key left out), for the results:
 * they say what each server's queries had to work with.
 */
export async function tableIndexes(db, table) {
  switch (db.kind) {
    case 'postgres': {
      const rows = await db.query(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p') ORDER BY indexname`, [table]);
      return rows.map((row) => row.indexdef);
    }
    case 'mysql': {
      const rows = await db.query(`SHOW INDEX FROM \`${table}\``);
      const byName = new Map();
      for (const row of rows) {
        if (row.Key_name === 'PRIMARY') continue;
        const columns = byName.get(row.Key_name) ?? [];
        columns[row.Seq_in_index - 1] = `${row.Column_name}${row.Collation === 'D' ? ' DESC' : ''}`;
        byName.set(row.Key_name, columns);
      }
      return [...byName].map(([name, columns]) => `${name} (${columns.join(', ')})`);
    }
    case 'sqlite': {
      const rows = await db.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`, [table]);
      return rows.map((row) => row.sql ?? `${row.name} (made by SQLite)`);
    }
  }
  return [];
}
