import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Mutex, Semaphore } from 'async-mutex';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager, QueryRunner, SelectQueryBuilder } from 'typeorm';
import type { DatabaseConfig, DatabaseKind } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { Metrics } from '../metrics/metrics';
import { instrumentDatabase } from './database-metrics';
import { isStalePlan } from './db-errors';
import { oneQueryAtATime } from './one-query-at-a-time';
import { ReadReplicas } from './read-replicas';

/**
 * Where a read may run: the primary, or any read replica that is up and close enough behind it (the
 * primary when none is; see ReadReplicas). A read that must see a write just made asks for the primary.
 */
export type ReadFrom = 'primary' | 'replica';

/** pg's Pool, as TypeORM's PostgreSQL driver holds it, for the reads sent straight to it. */
interface PgPool {
  query(query: { text: string; values: unknown[]; name?: string }): Promise<{ rows: Record<string, unknown>[] }>;
}

function pgPoolOf(dataSource: DataSource): PgPool {
  return (dataSource.driver as unknown as { master: PgPool }).master;
}

/** How many distinct statements each PostgreSQL connection may keep prepared; more run unprepared. */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * Names for prepared statements, one per text (a digest of it, so a name never meets another text on a
 * connection), up to a bound: every connection of the pool may end up holding each of them. A text is
 * named the second time it runs, so that the shapes of one-off queries do not use up the bound.
 */
export class PreparedStatementNames {
  /** The names given, by shape, then by text: a lookup hashes no string it has not hashed before. */
  private readonly names = new Map<string, Map<string, string>>();
  private count = 0;
  private readonly seenOnce: LRUCache<string, true>;

  constructor(private readonly max: number) {
    this.seenOnce = new LRUCache({ max: 2 * max });
  }

  /**
   * `shape` names what the text's result depends on beyond itself (the columns of a `RETURNING *`): a
   * table whose fields changed gets a new statement rather than one PostgreSQL refuses as stale.
   */
  nameOf(sql: string, shape = ''): string | null {
    const known = this.names.get(shape)?.get(sql);
    if (known !== undefined) return known;
    if (this.count >= this.max) return null;
    const key = `${shape}\n${sql}`;
    if (!this.seenOnce.has(key)) {
      this.seenOnce.set(key, true);
      return null;
    }
    this.seenOnce.delete(key);
    const name = `cairn_${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
    let byText = this.names.get(shape);
    if (!byText) this.names.set(shape, (byText = new Map()));
    byText.set(sql, name);
    this.count += 1;
    return name;
  }
}

/** Marks SQLite's connection once its writers wait for ambient transactions. */
const GATED = Symbol('gated for ambient transactions');

/**
 * Work whose writes share one transaction (an ambient transaction): a rehearsal, rolled back at its end,
 * or a unit of work, committed at its end if it succeeded. Its writes take turns on it.
 */
interface Ambient {
  manager: EntityManager;
  turns: Mutex;
  /** Set once it has ended: a write that outlives it (a run past its deadline) is refused, never made. */
  over: boolean;
  /** A unit of work commits; a rehearsal is always rolled back. */
  commits: boolean;
  /** A unit's steps to run once it has committed (its writes' events), in the order they were asked for. */
  afterCommit: Array<() => Promise<void>>;
  /**
   * In a unit of work, the first write that failed (see `transaction`): the unit can no longer commit,
   * and on PostgreSQL its transaction can run nothing more.
   */
  failure?: { error: unknown };
  /** In a unit of work, how many writes it made of each collection (see noteUnitWrite). */
  writes: Map<string, number>;
}

/**
 * The door to the database for writes: every write runs in `transaction()`.
 *
 * TypeORM drives SQLite through a single connection, so two concurrent transactions would nest as
 * savepoints of one another and a rollback of one could undo the other. On SQLite, transactions are
 * therefore run one after another; PostgreSQL and MySQL run them concurrently with row locks.
 */
@Injectable()
export class Database {
  readonly kind: DatabaseKind;
  private readonly sqliteWriter = new Mutex();
  private readonly preparedStatements = new PreparedStatementNames(MAX_PREPARED_STATEMENTS);
  /**
   * The ambient transaction the current work is in. Async context costs every promise of the process
   * while it is in use, so it is enabled only while one is open, and disabled when the last one ends.
   */
  private readonly ambients = new AsyncLocalStorage<Ambient>();
  private openAmbients = 0;
  /** On SQLite, the ambient transaction holding the one connection, for work from outside it to wait for. */
  private sqliteAmbient: Promise<void> | null = null;
  /**
   * On PostgreSQL and MariaDB, the units of work (Database.together) that may be open at once: all of the
   * pool but one connection. One holds its connection for its whole work, and that work may need a second
   * one for a moment (a cache load, a participant's lookup through TypeORM); were every connection held by
   * one, each would wait for another forever (until the pool's timeout). Those lookups are short reads
   * that wait for no lock, so the one connection left serves them in turn; leaving half the pool instead
   * (one for each unit at once) let only half the units a busy server has progress, each waiting on the
   * database most of its time.
   */
  private readonly ambientSlots: Semaphore;

  constructor(
    readonly dataSource: DataSource,
    @InjectConfig('database') config: DatabaseConfig,
    private readonly metrics: Metrics,
    private readonly replicas: ReadReplicas,
  ) {
    this.kind = config.kind;
    this.ambientSlots = new Semaphore(Math.max(1, config.poolSize - 1));
    instrumentDatabase(dataSource, config.kind, config.poolSize, metrics);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const ambient = this.ambient('write');
    // Inside an ambient transaction, writes take turns on its one connection.
    if (ambient) return ambient.turns.runExclusive(() => this.inAmbientWrite(ambient, () => (ambient.commits ? work(ambient.manager) : ambient.manager.transaction(work))));
    if (this.kind === 'sqlite') return this.sqliteWriter.runExclusive(() => this.dataSource.transaction(work));
    return this.dataSource.transaction(work);
  }

  /**
   * A transaction whose locking reads lock only the rows they return. MariaDB's default (REPEATABLE
   * READ) also locks the gaps of the index ranges it scans, which blocks, and deadlocks with, concurrent
   * inserts into the same table: a queue claimed with SKIP LOCKED while writers append to it needs this.
   * PostgreSQL's default already is READ COMMITTED; SQLite's writers take turns.
   */
  rowLockingTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'mysql') return this.dataSource.transaction('READ COMMITTED', work);
    return this.transaction(work);
  }

  /**
   * A transaction for DDL. On SQLite, TypeORM rebuilds a table to alter it and drops the old one; with
   * foreign keys enforced that drop would delete (or cascade into) the rows of child tables. So SQLite's
   * enforcement is off during the change (a pragma that only takes effect outside a transaction, hence
   * here, under the writer lock), and the keys are checked before commit instead. The transaction's
   * runner sends its queries one at a time, as TypeORM's DDL calls need on PostgreSQL.
   */
  schemaChange<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.ambients.getStore()) return Promise.reject(new Error('a schema change cannot be part of an ambient transaction'));
    const ddl = (manager: EntityManager) => {
      oneQueryAtATime(manager.queryRunner!);
      return work(manager);
    };
    if (this.kind !== 'sqlite') return this.transaction(ddl);
    return this.sqliteWriter.runExclusive(async () => {
      await this.dataSource.query('PRAGMA foreign_keys = OFF');
      try {
        return await this.dataSource.transaction(async (manager) => {
          const result = await ddl(manager);
          const violations: unknown[] = await manager.query('PRAGMA foreign_key_check');
          if (violations.length > 0) throw new Error(`schema change would break ${violations.length} foreign key reference(s)`);
          return result;
        });
      } finally {
        await this.dataSource.query('PRAGMA foreign_keys = ON');
      }
    });
  }

  /** Locks the selected rows until the transaction ends (SQLite needs no lock: its writers take turns). */
  forUpdate<T extends object>(query: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
    return this.kind === 'sqlite' ? query : query.setLock('pessimistic_write');
  }

  /**
   * Runs one compiled read outside any transaction. On PostgreSQL it goes straight to the driver's
   * pool: TypeORM's per-query runner (acquire, log, release) costs more CPU than the query itself on
   * the hottest path; and it is prepared, like a create (preparedQuery). Elsewhere it goes through
   * TypeORM, which on SQLite is also what keeps reads on the one connection its writers use.
   * `from: 'replica'` lets a read replica answer it (see ReadFrom); inside a transaction it never does.
   */
  async read(sql: string, params: unknown[], from: ReadFrom = 'primary'): Promise<Record<string, unknown>[]> {
    const ambient = this.ambient();
    if (ambient?.failure && this.kind === 'postgres') throw ambient.failure.error;
    if (ambient) return (await ambient.manager.query(sql, params)) as Record<string, unknown>[];
    // SQLite's one connection is in an ambient transaction: a read from outside it would see rows that
    // are not committed (and may be rolled back), so it waits for its end.
    while (this.sqliteAmbient && !this.ambients.getStore()) await this.sqliteAmbient;
    const replica = from === 'replica' ? this.replicas.pick() : null;
    if (replica?.source) {
      try {
        return await this.readOn(replica.source, sql, params);
      } catch (error) {
        // Whatever went wrong there (the replica gone, a table it has not replayed yet), the primary answers.
        this.replicas.failed(replica, error);
      }
    }
    return this.readOn(this.dataSource, sql, params);
  }

  private async readOn(source: DataSource, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    if (this.kind === 'postgres') return this.preparedQuery(pgPoolOf(source), sql, params);
    return (await source.query(sql, params)) as Record<string, unknown>[];
  }

  /**
   * Runs one PostgreSQL statement that is a whole write by itself (PostgreSQL runs every statement
   * atomically), on the pool's fast path like read(): no BEGIN and COMMIT round trips.
   */
  async atomicStatement(sql: string, params: unknown[], shape?: string): Promise<Record<string, unknown>[]> {
    if (this.kind !== 'postgres') throw new Error('atomicStatement is for PostgreSQL; use transaction()');
    const ambient = this.ambient('write');
    // As a transaction() inside it is (see inAmbientWrite): in a rehearsal a savepoint of its own, so that
    // a statement that fails (a foreign key) is undone alone and the rehearsal goes on; in a unit of work,
    // the statement alone, prepared as outside one, its failure the unit's.
    if (ambient) {
      if (ambient.commits) return ambient.turns.runExclusive(() => this.inAmbientWrite(ambient, () => this.preparedInUnit(ambient, sql, params, shape)));
      const statement = (manager: EntityManager) => manager.query(sql, params) as Promise<Record<string, unknown>[]>;
      return ambient.turns.runExclusive(() => this.inAmbientWrite(ambient, () => ambient.manager.transaction(statement)));
    }
    return this.preparedQuery(pgPoolOf(this.dataSource), sql, params, shape);
  }

  /**
   * A statement of a unit of work, prepared on the unit's connection. A stale statement (another instance
   * changed the table before this one heard of it) has aborted the transaction by the time PostgreSQL says
   * so: the unit fails (503, to be tried again) instead of running the text afresh as a lone statement does.
   */
  private async preparedInUnit(ambient: Ambient, sql: string, params: unknown[], shape?: string): Promise<Record<string, unknown>[]> {
    const name = this.preparedStatements.nameOf(sql, shape);
    const client = name === null ? undefined : (ambient.manager.queryRunner as unknown as { databaseConnection?: PgPool }).databaseConnection;
    if (!client) return (await ambient.manager.query(sql, params)) as Record<string, unknown>[];
    return this.pgPoolQuery(client, sql, params, name!);
  }

  /**
   * A write inside an ambient transaction, its turn taken. In a rehearsal, a write is a savepoint of its
   * own: a write that fails is undone alone, and the work may go on (a handler's sample run may catch the
   * failure). In a unit of work, whose failure undoes all of it, a write is just its statements, without
   * the SAVEPOINT and RELEASE round trips around each: the first write that fails is kept as the unit's
   * failure, and every later write of the unit (and, on PostgreSQL, whose transaction is aborted by then,
   * every read) answers it again, and the unit is rolled back, even if its work caught the error.
   */
  private async inAmbientWrite<T>(ambient: Ambient, write: () => Promise<T>): Promise<T> {
    if (ambient.failure) throw ambient.failure.error;
    try {
      return await write();
    } catch (error) {
      if (ambient.commits) ambient.failure = { error };
      throw error;
    }
  }

  /**
   * A statement prepared once per connection, on PostgreSQL. The hot statements (a create's row with
   * its activity and revision, a read by key, a page of a list) are the same text every time, with
   * their values as parameters, and parsing and planning them cost PostgreSQL more than running them.
   * The text lists a collection's fields, so a schema change makes a new statement.
   */
  private async preparedQuery(pool: PgPool, sql: string, params: unknown[], shape?: string): Promise<Record<string, unknown>[]> {
    const name = this.preparedStatements.nameOf(sql, shape);
    if (name === null) return this.pgPoolQuery(pool, sql, params);
    try {
      return await this.pgPoolQuery(pool, sql, params, name);
    } catch (error) {
      // Another instance changed the table before this one heard of it: PostgreSQL refuses to run the
      // statement prepared before (nothing was done), and runs the same text afresh.
      if (!isStalePlan(error)) throw error;
      return this.pgPoolQuery(pool, sql, params);
    }
  }

  /** A statement on the pool itself, past TypeORM (so past its query event: it reports its own time to the metrics). */
  private async pgPoolQuery(pool: PgPool, sql: string, params: unknown[], name?: string): Promise<Record<string, unknown>[]> {
    const started = performance.now();
    try {
      const { rows } = await pool.query({ text: sql, values: params, name });
      this.metrics.queryRan((performance.now() - started) / 1000);
      return rows;
    } catch (error) {
      this.metrics.queryRan(null);
      throw error;
    }
  }

  /**
   * Runs work whose writes are made and then undone: one transaction is opened, every transaction(),
   * read() and atomicStatement() of the work (and of what it starts, through async context) runs in it,
   * and it is rolled back at the end, whatever the work answers. What writers do after commit (their
   * events, see afterCommit) is dropped.
   *
   * On SQLite the rehearsal has the one connection to itself, as a writer does: it starts once no other
   * transaction is open on it, and until it ends, other work's writes on the connection (any statement
   * but a SELECT, by TypeORM's repositories too) and reads through read() wait, so that none of them is
   * rolled back with it or sees its rows. Other work's SELECTs through TypeORM go on, since the rehearsal
   * may be waiting for one (a cache load that both asked for).
   */
  rehearse<T>(work: () => Promise<T>): Promise<T> {
    return this.ambientTransaction(false, work);
  }

  /**
   * Runs work whose writes all commit together or not at all (a batch of operations, a nested write): one
   * transaction, shared as a rehearsal's is, committed when the work succeeds and rolled back when it
   * throws. What writers do after commit (afterCommit) waits for the commit, and is dropped on a rollback,
   * so nobody hears of a write that did not happen. Inside another ambient transaction, the work simply
   * joins it. A write to another database cannot join it: writers refuse those (see `inAmbient`).
   */
  together<T>(work: () => Promise<T>): Promise<T> {
    return this.ambientTransaction(true, work);
  }

  /**
   * Runs a step that must follow a write's commit (announcing it): now, outside an ambient transaction;
   * once it has committed, inside a unit of work; never, in a rehearsal, whose writes are undone.
   */
  async afterCommit(step: () => Promise<void>): Promise<void> {
    const ambient = this.ambients.getStore();
    if (!ambient) return step();
    if (ambient.commits && !ambient.over) ambient.afterCommit.push(step);
  }

  private async ambientTransaction<T>(commits: boolean, work: () => Promise<T>): Promise<T> {
    if (this.ambients.getStore()) return work();
    if (this.kind !== 'sqlite') {
      const run = () => this.runAmbient(this.dataSource.createQueryRunner(), commits, work);
      // Units of work (a request's whole write) are many under load; a rehearsal is an author's sample run.
      return commits ? this.ambientSlots.runExclusive(run) : run();
    }
    return this.sqliteWriter.runExclusive(async () => {
      const runner = this.dataSource.createQueryRunner();
      this.gateSqliteWriters(runner);
      while (runner.isTransactionActive) await new Promise((resolve) => setTimeout(resolve, 2));
      let ended!: () => void;
      this.sqliteAmbient = new Promise<void>((resolve) => (ended = resolve));
      try {
        return await this.runAmbient(runner, commits, work);
      } finally {
        this.sqliteAmbient = null;
        ended();
      }
    });
  }

  private async runAmbient<T>(runner: QueryRunner, commits: boolean, work: () => Promise<T>): Promise<T> {
    await runner.connect();
    const ambient: Ambient = { manager: runner.manager, turns: new Mutex(), over: false, commits, afterCommit: [], writes: new Map() };
    this.openAmbients += 1;
    let result: T;
    try {
      // The transaction's own statements are the ambient work's too (SQLite's gate lets them through).
      result = await this.ambients.run(ambient, async () => {
        await runner.startTransaction();
        let succeeded = false;
        let answer: T;
        try {
          answer = await work();
          succeeded = true;
        } finally {
          ambient.over = true;
          // A write under way finishes before the end (one begun later is refused).
          await ambient.turns.waitForUnlock();
          if (runner.isTransactionActive) {
            if (commits && succeeded && !ambient.failure) await runner.commitTransaction();
            else await runner.rollbackTransaction();
          }
        }
        // A write failed and the work went on: its transaction is rolled back, and the unit fails as that write did.
        if (ambient.failure) throw ambient.failure.error;
        return answer;
      });
    } finally {
      await runner.release();
      this.openAmbients -= 1;
      if (this.openAmbients === 0) this.ambients.disable();
    }
    // Committed: the steps that wait for it run outside the ambient transaction, as after any write.
    for (const step of ambient.afterCommit) await step();
    return result;
  }

  /**
   * Makes the work outside a SQLite ambient transaction wait for its end before it writes on the one
   * connection (see rehearse). Once per connection; while none is open the gate adds no wait at all, not
   * even a turn, so that no transaction can slip in between an ambient transaction's check and its start.
   */
  private gateSqliteWriters(runner: QueryRunner): void {
    const gated = runner as QueryRunner & { [GATED]?: true };
    if (gated[GATED]) return;
    gated[GATED] = true;
    const query = runner.query.bind(runner);
    const startTransaction = runner.startTransaction.bind(runner);
    const mustWait = (sql?: string) => this.sqliteAmbient !== null && !this.ambients.getStore() && (sql === undefined || !/^\s*SELECT\b/i.test(sql));
    const afterAmbient = async () => {
      while (this.sqliteAmbient) await this.sqliteAmbient;
    };
    runner.query = ((sql: string, ...rest: unknown[]) => (mustWait(sql) ? afterAmbient().then(() => query(sql, ...(rest as []))) : query(sql, ...(rest as [])))) as QueryRunner['query'];
    runner.startTransaction = ((level?: Parameters<QueryRunner['startTransaction']>[0]) => (mustWait() ? afterAmbient().then(() => startTransaction(level)) : startTransaction(level))) as QueryRunner['startTransaction'];
  }

  /**
   * A callback that runs in the current ambient transaction, for one called from outside its async
   * context (a message from a sandbox worker). Its caller must wait for what it starts before the
   * transaction ends: once async context is disabled, the callback's work would no longer know of it.
   */
  bindToAmbient<A extends unknown[], R>(callback: (...args: A) => R): (...args: A) => R {
    return this.ambients.getStore() ? AsyncResource.bind(callback) : callback;
  }

  /** Whether the current work is part of a rehearsal (even one just ended): its writes are undone, so nothing may be announced. */
  get rehearsing(): boolean {
    const ambient = this.ambients.getStore();
    return ambient !== undefined && !ambient.commits;
  }

  /** Counts a write of the current unit of work (if any) to a collection, for unitWrites. */
  noteUnitWrite(collection: string): void {
    const ambient = this.ambients.getStore();
    if (ambient?.commits) ambient.writes.set(collection, (ambient.writes.get(collection) ?? 0) + 1);
  }

  /**
   * How many writes of a collection the current unit of work has made so far, whoever asked for them
   * (a nested write, a hook's items(), an operation of a batch): a row one of them answered is still
   * as stored when it was the collection's only write.
   */
  unitWrites(collection: string): number {
    return this.ambients.getStore()?.writes.get(collection) ?? 0;
  }

  /**
   * Whether the current work is part of a unit of work one of whose writes failed: on PostgreSQL, its
   * transaction can run nothing more, so a failure is explained without reading (see transaction).
   */
  get inFailedUnit(): boolean {
    return this.ambients.getStore()?.failure !== undefined;
  }

  /** Whether the current work is part of an ambient transaction (a rehearsal or a unit of work), whose writes must all be Cairn's own. */
  get inAmbient(): boolean {
    return this.ambients.getStore() !== undefined;
  }

  /** The ambient transaction the current work is in; a write of one that is over is refused, a read goes the ordinary way. */
  private ambient(purpose: 'read' | 'write' = 'read'): Ambient | null {
    const ambient = this.ambients.getStore();
    if (!ambient) return null;
    if (!ambient.over) return ambient;
    // Only a run's leftovers write this late, and nobody is waiting for their answer: a plain error is enough.
    if (purpose === 'write') throw new Error('This write belongs to a transaction (a sample run or a batch) that has ended; it was not made.');
    return null;
  }

  /** Round-trip time of a trivial query, for the health check. */
  async ping(timeoutMs: number): Promise<number> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('database ping timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
      return Math.round(performance.now() - started);
    } finally {
      clearTimeout(timer);
    }
  }
}
