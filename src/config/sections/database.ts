import { dirname, resolve } from 'node:path';
import { defineSection } from '../section';
import { commaList, duration, integer, matching, text } from '../variable';

/** The kinds of SQL database Cairn can keep its data in. */
export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

const DATABASE_URL = /^(sqlite:.+|postgres(ql)?:\/\/.+|mysql:\/\/.+|mariadb:\/\/.+)$/;
const READ_URLS = /^\s*((postgres(ql)?|mysql|mariadb):\/\/[^,\s]+\s*(,\s*|$))*$/;

/** The database Cairn keeps its data in: SQLite in DATA_DIR unless DATABASE_URL says. */
export const database = defineSection({
  variables: {
    url: text('DATABASE_URL', undefined, matching(DATABASE_URL, 'must start with sqlite:, postgres://, mysql:// or mariadb://')),
    poolSize: integer('DATABASE_POOL_SIZE', 10, 1, 1000),
    connectTimeoutMs: duration('DATABASE_CONNECT_TIMEOUT', '5s'),
    queryTimeoutMs: duration('DATABASE_QUERY_TIMEOUT', '0', '10s'),
    readUrls: text('DATABASE_READ_URLS', '', matching(READ_URLS, 'must be a comma list of postgres:// or mysql:// / mariadb:// URLs')).to(commaList),
    readYourWritesWindowMs: duration('DATABASE_READ_YOUR_WRITES_WINDOW', '5s'),
    replicaMaxLagMs: duration('DATABASE_REPLICA_MAX_LAG', '5s'),
  },
  rules: (v) => {
    if (v.readUrls.length === 0) return [];
    const kind = databaseKind(v.url ?? 'sqlite:');
    if (kind === 'sqlite') return ['DATABASE_READ_URLS needs DATABASE_URL on PostgreSQL or MariaDB/MySQL: SQLite has no replicas'];
    const other = v.readUrls.find((url) => databaseKind(url) !== kind);
    return other === undefined ? [] : [`DATABASE_READ_URLS must name replicas of the same kind of database as DATABASE_URL (${kind}); ${databaseKind(other)} given`];
  },
  build: (v, server) => {
    const url = v.url ?? `sqlite:${resolve(server.dataDir, 'cairn.sqlite')}`;
    const kind = databaseKind(url);
    return {
      kind,
      /** The connection URL for postgres/mysql; for sqlite the file path. */
      url: kind === 'sqlite' ? sqlitePath(url) : url,
      poolSize: v.poolSize,
      connectTimeoutMs: v.connectTimeoutMs,
      /** PostgreSQL: how long a query may wait for the server's answer (0: no limit). */
      queryTimeoutMs: v.queryTimeoutMs,
      /** Read replicas of the database (same kind), for the reads that need no fresh write; none by default. */
      readUrls: v.readUrls,
      /** How long after a caller's write its reads stay on the primary (read-your-writes). */
      readYourWritesWindowMs: v.readYourWritesWindowMs,
      /** A replica further behind than this serves no read until it catches up. */
      replicaMaxLagMs: v.replicaMaxLagMs,
    };
  },
});

function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('postgres')) return 'postgres';
  return 'mysql';
}

function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

/** The folder a SQLite database file lives in, created at start. */
export function sqliteDirectory(config: { kind: DatabaseKind; url: string }): string | null {
  return config.kind === 'sqlite' && config.url !== ':memory:' ? dirname(config.url) : null;
}
