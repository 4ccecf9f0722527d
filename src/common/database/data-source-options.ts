import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../../config/app-config';
import { prepareSqliteConnection } from './sqlite-connection';

/** The name of the table in which TypeORM records applied migrations. */
export const MIGRATIONS_TABLE = 'cairn_migrations';

/**
 * TypeORM options for the configured database. System tables come from migrations run at start, never
 * from `synchronize`, so that the three databases end up with the same schema by the same steps.
 */
export function dataSourceOptions(config: DatabaseConfig, entities: DataSourceOptions['entities'], migrations: DataSourceOptions['migrations']): DataSourceOptions {
  const common = {
    entities,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: true,
    synchronize: false,
    logging: false as const,
  };
  switch (config.kind) {
    case 'sqlite':
      return {
        ...common,
        type: 'better-sqlite3',
        database: config.url,
        prepareDatabase: prepareSqliteConnection,
      };
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url: config.url,
        poolSize: config.poolSize,
        connectTimeoutMS: config.connectTimeoutMs,
        // A server that hangs (rather than refusing connections) would hold a pooled connection's query,
        // and the request with it, until TCP gives up: the query timeout answers 503 instead.
        extra: { connectionTimeoutMillis: config.connectTimeoutMs, keepAlive: true, ...(config.queryTimeoutMs > 0 ? { query_timeout: config.queryTimeoutMs } : {}) },
      };
    case 'mysql':
      return {
        ...common,
        type: 'mysql',
        url: config.url.replace(/^mariadb:/, 'mysql:'),
        poolSize: config.poolSize,
        connectTimeout: config.connectTimeoutMs,
        timezone: 'Z',
        charset: 'utf8mb4_unicode_ci',
        supportBigNumbers: true,
        bigNumberStrings: false,
        extra: { enableKeepAlive: true },
      };
  }
}
