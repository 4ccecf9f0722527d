import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { dataSourceOptions } from './data-source-options';
import { classifyDatabaseError } from './db-errors';

/** How often each replica's lag is measured, and a replica that is down is tried again. */
const CHECK_INTERVAL_MS = 1_000;

/** Why a replica serves no read now. */
type Unusable = 'connecting' | 'down' | 'lagging';

/** One read replica: its own DataSource (null until it has connected once) and whether it may serve reads. */
export interface Replica {
  /** host:port, for the log (a URL may carry a password). */
  readonly name: string;
  readonly url: string;
  source: DataSource | null;
  unusable: Unusable | null;
}

/**
 * The read replicas of DATABASE_READ_URLS, each watched every second: its lag measured (PostgreSQL:
 * its replayed WAL position against the primary's, and how old the last transaction it replayed is;
 * MariaDB/MySQL: Seconds_Behind_Master), and one that is down (a read failed with a connection error, or
 * it could not be reached) tried again. `pick` answers one that is up and no further behind than
 * DATABASE_REPLICA_MAX_LAG, in turn; none, and the read goes to the primary (see Database.read).
 *
 * Why not TypeORM's own replication (`replication: { master, slaves }`): on PostgreSQL it connects to
 * every replica at start, so one replica down would keep Cairn from starting; it picks a replica at random,
 * with no notion of lag or of one that is down; on MariaDB it moves the primary's pool into a pool cluster
 * that drops a node for good after five connection errors, which a database outage must not do to the
 * primary. Each replica here is a DataSource of its own, made from the same options as the primary's, so
 * its rows decode exactly as the primary's do.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadReplicas.name);
  private readonly replicas: Replica[];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private closed = false;

  constructor(
    @InjectConfig('database') private readonly config: DatabaseConfig,
    private readonly primary: DataSource,
  ) {
    this.replicas = config.kind === 'sqlite' ? [] : config.readUrls.map((url) => ({ name: hostOf(url), url, source: null, unusable: 'connecting' }));
  }

  /** Whether any replica is configured (reads may then be routed to one). */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** What each replica does now, in the order of DATABASE_READ_URLS, for the health check. */
  states(): Array<'serving' | Unusable> {
    return this.replicas.map((replica) => replica.unusable ?? 'serving');
  }

  onModuleInit(): void {
    if (!this.configured) return;
    // Not awaited: a replica that is slow or down at start must not hold the server back.
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking;
    await Promise.all(this.replicas.map((replica) => replica.source?.destroy().catch(() => undefined)));
  }

  /** A replica that may serve a read now, in turn; null when none may (the read goes to the primary). */
  pick(): Replica | null {
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const replica = this.replicas[this.next];
      this.next = (this.next + 1) % this.replicas.length;
      if (replica.unusable === null && replica.source) return replica;
    }
    return null;
  }

  /**
   * A read on the replica failed (the caller runs it on the primary instead). A connection error marks
   * the replica down until a check reaches it again; any other error (a table it has not replayed yet, a
   * query cancelled by a conflict with recovery) says nothing of the replica.
   */
  failed(replica: Replica, error: unknown): void {
    if (classifyDatabaseError(error) !== 'unavailable') return;
    this.mark(replica, 'down', error instanceof Error ? error.message : String(error));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.checking = this.checkAll().then(() => {
        this.checking = null;
        this.schedule(CHECK_INTERVAL_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Checks every replica against one reading of the primary's WAL position (PostgreSQL). With the primary
   * out of reach, what each replica has received will do: it may go on serving reads meanwhile.
   */
  private async checkAll(): Promise<void> {
    const primaryLsn = this.config.kind === 'postgres' ? await this.primaryPosition().catch(() => null) : null;
    await Promise.all(this.replicas.map((replica) => this.check(replica, primaryLsn)));
  }

  /** Connects the replica if it never was, and measures its lag: it serves reads only when within the bound. */
  private async check(replica: Replica, primaryLsn: string | null): Promise<void> {
    try {
      replica.source ??= await this.connect(replica);
      const lagMs = await this.lagOf(replica.source, primaryLsn);
      if (lagMs > this.config.replicaMaxLagMs) this.mark(replica, 'lagging', `${Number.isFinite(lagMs) ? `${Math.round(lagMs)} ms` : 'an unknown time'} behind the primary`);
      else this.mark(replica, null, 'serving reads');
    } catch (error) {
      this.mark(replica, 'down', error instanceof Error ? error.message : String(error));
    }
  }

  private async connect(replica: Replica): Promise<DataSource> {
    const source = new DataSource({ ...dataSourceOptions({ ...this.config, url: replica.url }, [], []), migrationsRun: false });
    await source.initialize();
    if (this.closed) await source.destroy();
    return source;
  }

  /** How far the replica is behind the primary, in milliseconds (Infinity when it cannot tell). */
  private async lagOf(replica: DataSource, primaryLsn: string | null): Promise<number> {
    if (this.config.kind === 'postgres') {
      // Caught up when it has replayed all the primary had written a moment before: the age of its last
      // replayed transaction alone would grow while the primary is idle.
      const [state] = (await replica.query(
        `SELECT pg_is_in_recovery() AS standby,
                COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()) AS caught_up,
                EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS behind_ms`,
        [primaryLsn],
      )) as Array<{ standby: boolean; caught_up: boolean | null; behind_ms: string | number | null }>;
      if (!state.standby || state.caught_up) return 0;
      return state.behind_ms === null ? Infinity : Number(state.behind_ms);
    }
    const [status] = (await replica.query('SHOW REPLICA STATUS')) as Array<Record<string, unknown>>;
    // Not a replica at all (a cluster node, a proxy): nothing to be behind.
    if (!status) return 0;
    const seconds = status.Seconds_Behind_Master ?? status.Seconds_Behind_Source;
    // NULL: its replication is stopped or broken.
    return seconds === null || seconds === undefined ? Infinity : Number(seconds) * 1000;
  }

  private async primaryPosition(): Promise<string> {
    const [{ lsn }] = (await this.primary.query('SELECT pg_current_wal_lsn()::text AS lsn')) as Array<{ lsn: string }>;
    return lsn;
  }

  /** Sets whether the replica serves reads, and says so in the log when that changes. */
  private mark(replica: Replica, unusable: Unusable | null, why: string): void {
    if (replica.unusable === unusable) return;
    const was = replica.unusable;
    replica.unusable = unusable;
    if (unusable === null) this.logger.log(`Read replica ${replica.name}: ${why}.`);
    else if (was === 'connecting' && unusable === 'down') this.logger.warn(`Read replica ${replica.name} cannot be reached (${why}): its reads go to the primary until it can.`);
    else this.logger.warn(`Read replica ${replica.name} is ${unusable} (${why}): its reads go to the primary.`);
  }
}

function hostOf(url: string): string {
  try {
    const { host } = new URL(url);
    return host || url.replace(/:\/\/[^@/]*@/, '://');
  } catch {
    return 'a replica';
  }
}
