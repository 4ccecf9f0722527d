import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Mutex } from 'async-mutex';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager, QueryRunner, SelectQueryBuilder } from 'typeorm';
import type { DatabaseConfig, DatabaseKind } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { oneQueryAtATime } from './one-query-at-a-time';

/** How many distinct statements each PostgreSQL connection may keep prepared; more run unprepared. */
const MAX_PREPARED_STATEMENTS = 500;

/** PostgreSQL's answer to a prepared statement whose table changed the shape of its result (SQLSTATE 0A000). */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));
}

/**
 * Names for prepared statements, one per text (a digest of it, so a name never meets another text on a
 * connection), up to a bound: every connection of the pool may end up holding each of them. A text is
 * named the second time it runs, so that the shapes of one-off queries do not use up the bound.
 */
export class PreparedStatementNames {
  private readonly names = new Map<string, string>();
  private readonly seenOnce: LRUCache<string, true>;

  constructor(private readonly max: number) {
    this.seenOnce = new LRUCache({ max: 2 * max });
  }

  nameOf(sql: string): string | null {
    const known = this.names.get(sql);
    if (known !== undefined) return known;
    if (this.names.size >= this.max) return null;
    if (!this.seenOnce.has(sql)) {
      this.seenOnce.set(sql, true);
      return null;
    }
    this.seenOnce.delete(sql);
    const name = `cairn_${createHash('sha256').update(sql).digest('base64url').slice(0, 32)}`;
    this.names.set(sql, name);
    return name;
  }
}

/** Marks SQLite's connection once its writers wait for rehearsals. */
const GATED = Symbol('gated for rehearsals');

/** A rehearsal in progress: its one transaction, and the turns its writes take on it. */
interface Rehearsal {
  manager: EntityManager;
  turns: Mutex;
  /** Set once it is rolled back: a write that outlives it (a run past its deadline) is refused, never committed. */
  over: boolean;
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
   * The rehearsal the current work is in. Async context costs every promise of the process while it is
   * in use, so it is enabled only while a rehearsal runs, and disabled when the last one ends.
   */
  private readonly rehearsals = new AsyncLocalStorage<Rehearsal>();
  private openRehearsals = 0;
  /** On SQLite, the rehearsal holding the one connection, for reads from outside it to wait for. */
  private sqliteRehearsal: Promise<void> | null = null;

  constructor(
    readonly dataSource: DataSource,
    @InjectConfig('database') config: DatabaseConfig,
  ) {
    this.kind = config.kind;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const rehearsal = this.rehearsal('write');
    // Inside a rehearsal, a write is a savepoint of its transaction, one at a time: the writes of a
    // rehearsal share one connection, and two savepoints at once would undo each other's statements.
    if (rehearsal) return rehearsal.turns.runExclusive(() => rehearsal.manager.transaction(work));
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
    if (this.rehearsals.getStore()) return Promise.reject(new Error('a schema change cannot be rehearsed'));
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
   */
  async read(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const rehearsal = this.rehearsal();
    if (rehearsal) return (await rehearsal.manager.query(sql, params)) as Record<string, unknown>[];
    // SQLite's one connection is in the rehearsal's transaction: a read from outside it would see rows
    // that are about to be rolled back, so it waits for the rollback.
    while (this.sqliteRehearsal && !this.rehearsals.getStore()) await this.sqliteRehearsal;
    if (this.kind === 'postgres') return this.preparedQuery(sql, params);
    return (await this.dataSource.query(sql, params)) as Record<string, unknown>[];
  }

  /**
   * Runs one PostgreSQL statement that is a whole write by itself (PostgreSQL runs every statement
   * atomically), on the pool's fast path like read(): no BEGIN and COMMIT round trips.
   */
  async atomicStatement(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    if (this.kind !== 'postgres') throw new Error('atomicStatement is for PostgreSQL; use transaction()');
    const rehearsal = this.rehearsal('write');
    if (rehearsal) return rehearsal.turns.runExclusive(async () => (await rehearsal.manager.query(sql, params)) as Record<string, unknown>[]);
    return this.preparedQuery(sql, params);
  }

  /**
   * A statement prepared once per connection, on PostgreSQL. The hot statements (a create's row with
   * its activity and revision, a read by key, a page of a list) are the same text every time, with
   * their values as parameters, and parsing and planning them cost PostgreSQL more than running them.
   * The text lists a collection's fields, so a schema change makes a new statement.
   */
  private async preparedQuery(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const name = this.preparedStatements.nameOf(sql);
    if (name === null) return this.pgPoolQuery(sql, params);
    try {
      return await this.pgPoolQuery(sql, params, name);
    } catch (error) {
      // Another instance changed the table before this one heard of it: PostgreSQL refuses to run the
      // statement prepared before (nothing was done), and runs the same text afresh.
      if (!isStalePlan(error)) throw error;
      return this.pgPoolQuery(sql, params);
    }
  }

  private async pgPoolQuery(sql: string, params: unknown[], name?: string): Promise<Record<string, unknown>[]> {
    const pool = (this.dataSource.driver as unknown as { master: { query(query: { text: string; values: unknown[]; name?: string }): Promise<{ rows: Record<string, unknown>[] }> } }).master;
    return (await pool.query({ text: sql, values: params, name })).rows;
  }

  /**
   * Runs work whose writes are made and then undone: one transaction is opened, every transaction(),
   * read() and atomicStatement() of the work (and of what it starts, through async context) runs in it,
   * and it is rolled back at the end, whatever the work answers. What writers do after commit (their
   * events) they skip while `rehearsing` is true.
   *
   * On SQLite the rehearsal has the one connection to itself, as a writer does: it starts once no other
   * transaction is open on it, and until it ends, other work's writes on the connection (any statement
   * but a SELECT, by TypeORM's repositories too) and reads through read() wait, so that none of them is
   * rolled back with it or sees its rows. Other work's SELECTs through TypeORM go on, since the rehearsal
   * may be waiting for one (a cache load that both asked for).
   */
  async rehearse<T>(work: () => Promise<T>): Promise<T> {
    if (this.rehearsals.getStore()) return work();
    if (this.kind !== 'sqlite') return this.rehearseOn(this.dataSource.createQueryRunner(), work);
    return this.sqliteWriter.runExclusive(async () => {
      const runner = this.dataSource.createQueryRunner();
      this.gateSqliteWriters(runner);
      while (runner.isTransactionActive) await new Promise((resolve) => setTimeout(resolve, 2));
      let ended!: () => void;
      this.sqliteRehearsal = new Promise<void>((resolve) => (ended = resolve));
      try {
        return await this.rehearseOn(runner, work);
      } finally {
        this.sqliteRehearsal = null;
        ended();
      }
    });
  }

  private async rehearseOn<T>(runner: QueryRunner, work: () => Promise<T>): Promise<T> {
    await runner.connect();
    const rehearsal: Rehearsal = { manager: runner.manager, turns: new Mutex(), over: false };
    this.openRehearsals += 1;
    try {
      // The transaction's own statements are the rehearsal's too (SQLite's gate lets them through).
      return await this.rehearsals.run(rehearsal, async () => {
        await runner.startTransaction();
        try {
          return await work();
        } finally {
          rehearsal.over = true;
          // A write under way finishes before the rollback (one begun later is refused).
          await rehearsal.turns.waitForUnlock();
          if (runner.isTransactionActive) await runner.rollbackTransaction();
        }
      });
    } finally {
      await runner.release();
      this.openRehearsals -= 1;
      if (this.openRehearsals === 0) this.rehearsals.disable();
    }
  }

  /**
   * Makes the work outside a SQLite rehearsal wait for its end before it writes on the one connection
   * (see rehearse). Once per connection; while no rehearsal is open the gate adds no wait at all, not
   * even a turn, so that no transaction can slip in between a rehearsal's check and its start.
   */
  private gateSqliteWriters(runner: QueryRunner): void {
    const gated = runner as QueryRunner & { [GATED]?: true };
    if (gated[GATED]) return;
    gated[GATED] = true;
    const query = runner.query.bind(runner);
    const startTransaction = runner.startTransaction.bind(runner);
    const mustWait = (sql?: string) => this.sqliteRehearsal !== null && !this.rehearsals.getStore() && (sql === undefined || !/^\s*SELECT\b/i.test(sql));
    const afterRehearsal = async () => {
      while (this.sqliteRehearsal) await this.sqliteRehearsal;
    };
    runner.query = ((sql: string, ...rest: unknown[]) => (mustWait(sql) ? afterRehearsal().then(() => query(sql, ...(rest as []))) : query(sql, ...(rest as [])))) as QueryRunner['query'];
    runner.startTransaction = ((level?: Parameters<QueryRunner['startTransaction']>[0]) => (mustWait() ? afterRehearsal().then(() => startTransaction(level)) : startTransaction(level))) as QueryRunner['startTransaction'];
  }

  /**
   * A callback that runs in the current rehearsal, for one called from outside its async context (a
   * message from a sandbox worker). Its caller must wait for what it starts before the rehearsal ends:
   * once async context is disabled, the callback's work would no longer know it is rehearsed.
   */
  bindToRehearsal<A extends unknown[], R>(callback: (...args: A) => R): (...args: A) => R {
    return this.rehearsals.getStore() ? AsyncResource.bind(callback) : callback;
  }

  /** Whether the current work is part of a rehearsal (even one just ended): its writes are undone, so nothing may be announced. */
  get rehearsing(): boolean {
    return this.rehearsals.getStore() !== undefined;
  }

  /** The rehearsal the current work is in; a write of one that is over is refused, a read goes the ordinary way. */
  private rehearsal(purpose: 'read' | 'write' = 'read'): Rehearsal | null {
    const rehearsal = this.rehearsals.getStore();
    if (!rehearsal) return null;
    if (!rehearsal.over) return rehearsal;
    // Only a run's leftovers write this late, and nobody is waiting for their answer: a plain error is enough.
    if (purpose === 'write') throw new Error('This write belongs to a sample run that has ended; it was not made.');
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
