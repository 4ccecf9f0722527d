import mysql from 'mysql2/promise';
import { Pool, PoolClient } from 'pg';
import { AppError } from '../../common/errors/app-error';
import type { ConnectionsConfig } from '../../config/app-config';
import type { ConnectionKind } from './connection.entity';

type Row = Record<string, unknown>;

/** Where an external database is and how to sign in to it. */
export interface ExternalTarget {
  kind: ConnectionKind;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl: boolean;
  /** PostgreSQL's schema, which unqualified table names resolve in. */
  schema: string | null;
}

/** The result of one statement: its rows, and MySQL's generated key of an INSERT. */
export interface StatementResult {
  rows: Row[];
  insertId: number | null;
}

/** Runs statements inside one transaction of an external database. */
export type RunStatement = (sql: string, params: unknown[]) => Promise<StatementResult>;

/**
 * The only statements Cairn sends to an external database besides BEGIN/COMMIT/ROLLBACK, which this
 * class issues itself: reads and row writes. There is no path for DDL (CREATE, ALTER, DROP, …).
 */
const ALLOWED_STATEMENT = /^\s*(SELECT|INSERT|UPDATE|DELETE)\s/i;

function checkStatement(sql: string): void {
  if (!ALLOWED_STATEMENT.test(sql)) throw new Error('only SELECT, INSERT, UPDATE and DELETE statements may reach an external database');
}

/** Why a statement or a sign-in failed, in words for the client (never the driver's text or SQL). */
export type FailureReason = 'credentials' | 'database' | 'unreachable' | 'timeout' | 'refused';

const REASONS: Array<[FailureReason, RegExp]> = [
  ['credentials', /^(28P01|28000|ER_ACCESS_DENIED_ERROR|ER_DBACCESS_DENIED_ERROR|ER_NOT_SUPPORTED_AUTH_MODE)$/],
  ['database', /^(3D000|3F000|ER_BAD_DB_ERROR)$/],
  ['unreachable', /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|PROTOCOL_CONNECTION_LOST|57P01|57P03|08001|08006)$/],
  ['timeout', /^(ETIMEDOUT|PROTOCOL_SEQUENCE_TIMEOUT|57014)$/],
];

export function failureReason(error: unknown): FailureReason {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  for (const [reason, codes] of REASONS) if (codes.test(code)) return reason;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  if (/timeout/i.test(message)) return 'timeout';
  if (/connection terminated|ssl|tls|self.signed|certificate/i.test(message)) return 'unreachable';
  return 'refused';
}

/** The message of a failure to connect, naming the problem, for the client that registers a connection. */
export function connectFailureMessage(reason: FailureReason, target: Pick<ExternalTarget, 'host' | 'port' | 'database' | 'user'>): string {
  switch (reason) {
    case 'credentials':
      return `The database refused to sign in user "${target.user}": check the user and password.`;
    case 'database':
      return `The database "${target.database}" (or its schema) does not exist on ${target.host}:${target.port}, or the user may not use it.`;
    case 'unreachable':
      return `Could not connect to ${target.host}:${target.port}: nothing answers there, or the connection was cut (check host, port and ssl).`;
    case 'timeout':
      return `Connecting to ${target.host}:${target.port} timed out.`;
    case 'refused':
      return `The database at ${target.host}:${target.port} refused the connection or its introspection.`;
  }
}

/**
 * A small pool of connections to one external database, created lazily by the first statement.
 * Statements are parameterized, limited by the configured timeouts, and checked to be reads or row
 * writes before they leave.
 */
export interface ExternalDatabase {
  readonly kind: ConnectionKind;
  read(sql: string, params: unknown[]): Promise<Row[]>;
  transaction<T>(work: (run: RunStatement) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openExternalDatabase(target: ExternalTarget, config: ConnectionsConfig): ExternalDatabase {
  return target.kind === 'postgres' ? new PostgresDatabase(target, config) : new MysqlDatabase(target, config);
}

class PostgresDatabase implements ExternalDatabase {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;

  constructor(target: ExternalTarget, config: ConnectionsConfig) {
    this.pool = new Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      ssl: target.ssl ? { rejectUnauthorized: true } : false,
      max: config.poolSize,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: config.connectTimeoutMs,
      statement_timeout: config.queryTimeoutMs,
      query_timeout: config.queryTimeoutMs + 1000,
      // Table names are resolved in the connection's schema (checked to be a plain identifier).
      options: `-c search_path=${target.schema ?? 'public'}`,
      application_name: 'cairn',
    });
    // An idle connection that breaks must not take the process down; the next statement reconnects.
    this.pool.on('error', () => undefined);
  }

  async read(sql: string, params: unknown[]): Promise<Row[]> {
    checkStatement(sql);
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  async transaction<T>(work: (run: RunStatement) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const value = await work(async (sql, params) => {
        checkStatement(sql);
        return { rows: (await client.query(sql, params)).rows as Row[], insertId: null };
      });
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

class MysqlDatabase implements ExternalDatabase {
  readonly kind = 'mysql' as const;
  private readonly pool: mysql.Pool;

  constructor(
    target: ExternalTarget,
    private readonly config: ConnectionsConfig,
  ) {
    this.pool = mysql.createPool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      ssl: target.ssl ? { rejectUnauthorized: true } : undefined,
      connectionLimit: config.poolSize,
      maxIdle: 1,
      idleTimeout: 30_000,
      connectTimeout: config.connectTimeoutMs,
      // As Cairn's own MySQL connection: UTC, so the value codec reads and writes datetimes alike.
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
  }

  async read(sql: string, params: unknown[]): Promise<Row[]> {
    checkStatement(sql);
    const [rows] = await this.pool.query({ sql, timeout: this.config.queryTimeoutMs }, params);
    return rows as Row[];
  }

  async transaction<T>(work: (run: RunStatement) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    try {
      await connection.beginTransaction();
      const value = await work(async (sql, params) => {
        checkStatement(sql);
        const [result] = await connection.query({ sql, timeout: this.config.queryTimeoutMs }, params);
        if (Array.isArray(result)) return { rows: result as Row[], insertId: null };
        const insertId = (result as { insertId?: number }).insertId;
        return { rows: [], insertId: insertId ? Number(insertId) : null };
      });
      await connection.commit();
      return value;
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** A failure of a statement on an external database, as the client of the items API is told it. */
export function externalStatementError(error: unknown, connection: string): unknown {
  if (error instanceof AppError) return error;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  // Unique and foreign key violations keep their meaning (409, 400) through the common error mapping.
  if (/^(23505|23503|ER_DUP_ENTRY|ER_NO_REFERENCED_ROW_2|ER_ROW_IS_REFERENCED_2)$/.test(code)) return error;
  const reason = failureReason(error);
  if (reason === 'refused') {
    return new AppError('SERVICE_UNAVAILABLE', `The external database of connection "${connection}" refused the statement${code ? ` (${code})` : ''}; its tables may have changed since they were introspected.`);
  }
  return new AppError('SERVICE_UNAVAILABLE', `The external database of connection "${connection}" cannot be used right now (${reason}).`);
}
