import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import type { DatabaseKind } from '../../config/app-config';
import type { Metrics, PoolUsage } from '../metrics/metrics';

/** pg's Pool, as TypeORM's PostgreSQL driver holds it. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** mysql2's Pool, as TypeORM's MySQL driver holds it: its counts are only in its queues. */
interface MysqlPool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/**
 * Reports Cairn's own database to the metrics: every statement TypeORM runs, through its `afterQuery`
 * event (whole milliseconds, as TypeORM measures them), and the pool, read at each scrape. The
 * PostgreSQL reads Database sends straight to the pool report themselves (Database.pgPoolQuery).
 */
export function instrumentDatabase(dataSource: DataSource, kind: DatabaseKind, poolSize: number, metrics: Metrics): void {
  const statements: EntitySubscriberInterface = {
    afterQuery: (event) => metrics.queryRan(event.success ? (event.executionTime ?? 0) / 1000 : null),
  };
  dataSource.subscribers.push(statements);
  metrics.watchPool(() => poolUsage(dataSource, kind, poolSize));
}

/** The pool's connections now; null on SQLite (one connection, no pool) or before the pool exists. */
function poolUsage(dataSource: DataSource, kind: DatabaseKind, poolSize: number): PoolUsage | null {
  switch (kind) {
    case 'sqlite':
      return null;
    case 'postgres': {
      const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
      if (!pool) return null;
      const inUse = pool.totalCount - pool.idleCount;
      return { database: kind, inUse, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? poolSize };
    }
    case 'mysql': {
      const pool = (dataSource.driver as unknown as { pool?: MysqlPool }).pool;
      if (!pool?._allConnections || !pool._freeConnections || !pool._connectionQueue) return null;
      const idle = pool._freeConnections.length;
      return { database: kind, inUse: pool._allConnections.length - idle, idle, waiting: pool._connectionQueue.length, max: pool.config?.connectionLimit ?? poolSize };
    }
  }
}
