import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../../common/database/database.service';
import { forbidden } from '../../../common/errors/app-error';
import { allOf, type FilterNode } from '../../../engine/query/query.ast';
import { decodeRows } from '../../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../../engine/sql/dialect';
import { encodeRow } from '../../../engine/sql/value-codec';
import { keysMatching } from '../../../engine/read/query-runner';
import type { RunSql } from '../../../engine/read/read.runner';
import {
  deleteStatement,
  insertedKey,
  insertedRow,
  INSERTED_ROW_ORDER,
  insertManyStatement,
  insertManyWithLogStatement,
  insertStatement,
  InsertWithLogTexts,
  insertWithLogStatement,
  LoggedRow,
  lockStatement,
  rowsStatement,
  updateStatement,
} from '../../../engine/write/write.sql';
import { personId } from '../../../common/principal/principal';
import type { CollectionDef } from '../../schema/schema.types';
import { isAppRoleAccess, ItemsAccess } from '../../workspaces/workspaces.service';
import type { WrittenGroup } from '../../write-participants/write-participant';
import { GrantedTarget, queryContext } from '../items.targets';

type Row = Record<string, unknown>;

/**
 * The most items a create writes in one statement with their log rows (each its own INSERT in it, see
 * insertManyWithLogStatement): a nested write's few new related items; a bigger batch takes a
 * transaction, whose multi-row INSERTs suit it better.
 */
const MAX_ONE_STATEMENT_ROWS = 10;

/** An inserted item: its key, and its stored row where the database answered it (RETURNING). */
export interface Inserted {
  key: unknown;
  row: Row | null;
}

/**
 * The statements a write runs on a collection's own table, inside the transaction its caller holds:
 * inserts (one, several together, or one with its log rows), updates and deletes of locked rows, the
 * grant's filter checked on what was written, and the stored rows read back.
 */
@Injectable()
export class ItemTable {
  private readonly dialect: SqlDialect;
  /** The texts of one-statement creates (PostgreSQL), kept per collection definition, columns and variant. */
  private readonly createTexts = new InsertWithLogTexts();
  private autoIncrement: Promise<number | null> | null = null;

  constructor(private readonly db: Database) {
    this.dialect = dialectFor(db.kind);
  }

  /** Inserts validated items, each with its key (a UUID made here) and the system fields of a new item. */
  async insert(manager: EntityManager, target: GrantedTarget, prepared: Row[]): Promise<Inserted[]> {
    if (await this.insertsTogether(manager, target, prepared)) return this.insertTogether(manager, target, prepared);
    const rows: Inserted[] = [];
    for (const values of prepared) rows.push(await this.insertOne(manager, target, values));
    return rows;
  }

  /**
   * Whether a create can be one statement with its log rows: on PostgreSQL, for a single item or a small
   * batch (each row its own INSERT in the statement) whose values need nothing read first (an autocode
   * takes its number from a counter row) and whose grant has no filter to check on the inserted rows
   * before commit.
   */
  insertsInOneStatement(target: GrantedTarget, prepared: Row[]): boolean {
    return (
      this.db.kind === 'postgres' &&
      prepared.length >= 1 &&
      prepared.length <= MAX_ONE_STATEMENT_ROWS &&
      !target.grant?.filter &&
      !target.collection.fields.some((f) => f.type === 'autocode')
    );
  }

  /** The one-statement create: the row and `logs` (see insertWithLogStatement), whose text is kept by `variant`. */
  async insertWithLogs(target: GrantedTarget, values: Row, logs: LoggedRow[], variant: string): Promise<{ key: unknown; row: Row }> {
    const { collection } = target;
    const row = this.withSystemFields(target, values);
    const statement = insertWithLogStatement(this.dialect, collection, this.encode(collection, row), logs, { cache: this.createTexts, variant });
    const [inserted] = await this.db.atomicStatement(statement.sql, statement.params, tableShape(collection));
    return { key: row.id ?? Number(inserted.id), row: inserted };
  }

  /** The one-statement create of a small batch: each item with its own log rows (see insertManyWithLogStatement), answered in order. */
  async insertManyWithLogs(target: GrantedTarget, items: Array<{ values: Row; logs: LoggedRow[]; variant: string }>): Promise<Array<{ key: unknown; row: Row }>> {
    const { collection } = target;
    const stamp = systemStamp(target.access);
    const rows = items.map(({ values, logs, variant }) => ({ row: this.withSystemFields(target, values, stamp), logs, variant }));
    const statement = insertManyWithLogStatement(
      this.dialect,
      collection,
      rows.map(({ row, logs, variant }) => ({ row: this.encode(collection, row), logs, variant })),
      this.createTexts,
    );
    const answered = await this.db.atomicStatement(statement.sql, statement.params, tableShape(collection));
    return answered.map(({ [INSERTED_ROW_ORDER]: order, ...inserted }) => ({ key: rows[Number(order)].row.id ?? Number(inserted.id), row: inserted }));
  }

  /**
   * Updates locked rows: each change's values on its keys that exist (and that an app role's grant lets
   * it touch, and that match `within` when given). Answers the groups written, in order; keys without
   * such a row are left out. `beforeWrite` is called once the rows are locked, before they change, with
   * each change's keys that exist.
   */
  async update(
    manager: EntityManager,
    target: GrantedTarget,
    changes: Array<{ keys: unknown[]; values: Row }>,
    within: FilterNode | null = null,
    beforeWrite?: (groups: unknown[][]) => Promise<void>,
  ): Promise<WrittenGroup[]> {
    const { collection, access } = target;
    const groups: WrittenGroup[] = [];
    // Every row of the batch is locked first, in key order: two batches naming the same rows in other
    // orders then wait for each other instead of deadlocking.
    const lockable = new Set((await this.lock(manager, target, changes.flatMap((change) => change.keys), within)).map(String));
    const existing = changes.map((change) => change.keys.filter((key) => lockable.has(String(key))));
    if (beforeWrite) await beforeWrite(existing.filter((keys) => keys.length > 0));
    for (const [index, change] of changes.entries()) {
      const keys = existing[index];
      if (keys.length === 0) continue;
      const row = { ...change.values, ...updateStamp(access) };
      const statement = updateStatement(this.dialect, collection, this.encode(collection, row), keys);
      await manager.query(statement.sql, statement.params);
      groups.push({ keys, payload: change.values });
    }
    return groups;
  }

  async delete(manager: EntityManager, target: GrantedTarget, keys: unknown[]): Promise<void> {
    const statement = deleteStatement(this.dialect, target.collection, keys);
    await manager.query(statement.sql, statement.params);
  }

  /**
   * Locks the rows with these keys (in key order) for the rest of the transaction and answers the keys
   * that exist, and that an app role's grant lets it touch: rows outside its filter are as good as
   * missing, and so are rows outside `within` (the filter a write by query found them by, which a row
   * may have left since).
   */
  async lock(manager: EntityManager, target: GrantedTarget, keys: unknown[], within: FilterNode | null = null): Promise<unknown[]> {
    if (keys.length === 0) return [];
    const filter = allOf(target.grant?.filter ?? null, within);
    if (filter) return this.keysMatching(manager, target, keys, filter, true);
    const { collection } = target;
    const statement = lockStatement(this.dialect, collection, keys);
    const rows = (await manager.query(statement.sql, statement.params)) as Row[];
    return rows.map((row) => (collection.primaryKey === 'integer' ? Number(row.id) : row.id));
  }

  /**
   * Refuses (403, rolling the transaction back) a write that leaves a row outside the grant's filter:
   * an app role cannot move a row out of what it may write, or create one there.
   */
  async assertWithinGrant(manager: EntityManager, target: GrantedTarget, keys: unknown[], action: string): Promise<void> {
    const filter = target.grant?.filter;
    if (!filter || keys.length === 0) return;
    const kept = await this.keysMatching(manager, target, keys, filter, false);
    if (kept.length !== keys.length) throw forbidden(`You may not ${action} an item with these values.`);
  }

  /** Which of the keys have rows that match a filter, optionally locking them. */
  keysMatching(manager: EntityManager, target: GrantedTarget, keys: unknown[], filter: FilterNode, lock: boolean): Promise<unknown[]> {
    const run: RunSql = (sql, params) => manager.query(sql, params);
    return keysMatching(target.collection, keys, filter, { lock }, { schema: target.schema, dialect: this.dialect, ctx: queryContext(target.access), run });
  }

  /**
   * The stored rows of these keys, in their order, decoded by the value codec as reads decode them:
   * the rows RETURNING gave where there are all of them, else read now, inside the transaction.
   */
  async storedRows(manager: EntityManager, target: GrantedTarget, keys: unknown[], returned: Array<Row | null> = []): Promise<Row[]> {
    const { collection } = target;
    let raw = returned.length === keys.length && returned.every((row) => row !== null) ? (returned as Row[]) : null;
    if (!raw) {
      const statement = rowsStatement(this.dialect, collection, [...new Set(keys)]);
      raw = (await manager.query(statement.sql, statement.params)) as Row[];
    }
    const byKey = new Map(this.decode(collection, raw).map((row) => [String(row.id), row]));
    return keys.map((key) => byKey.get(String(key)) ?? {});
  }

  /** Rows as a read answers them: decoded by the value codec. */
  decode(collection: CollectionDef, rows: Row[]): Row[] {
    return decodeRows(rows, collection.fields, this.dialect);
  }

  /**
   * Whether a batch can be one multi-row INSERT, each key paired with its item: where RETURNING gives the
   * stored rows back (PostgreSQL, SQLite), or on MySQL/MariaDB where keys are UUIDs set before the insert
   * or auto-increment numbers given consecutively to the rows of one statement. Not with an autocode to
   * number.
   */
  private async insertsTogether(manager: EntityManager, target: GrantedTarget, prepared: Row[]): Promise<boolean> {
    if (prepared.length <= 1 || target.collection.fields.some((f) => f.type === 'autocode')) return false;
    if (this.db.kind !== 'mysql' || target.collection.primaryKey === 'uuid') return true;
    return (await this.autoIncrementStep(manager)) !== null;
  }

  /** MySQL/MariaDB's step between the auto-increment keys of one multi-row INSERT; null when they may not be consecutive. */
  private autoIncrementStep(manager: EntityManager): Promise<number | null> {
    // "Consecutive" (1) and "traditional" (0) lock modes number the rows of a simple INSERT in a row;
    // "interleaved" (2) may not. The server's settings do not change while it runs.
    this.autoIncrement ??= (manager.query('SELECT @@innodb_autoinc_lock_mode AS lock_mode, @@auto_increment_increment AS step') as Promise<Row[]>).then(
      ([settings]) => (Number(settings?.lock_mode) <= 1 ? Number(settings.step) || 1 : null),
      () => null,
    );
    return this.autoIncrement;
  }

  /**
   * A batch as multi-row INSERTs, each within the database's bound parameters (65,535 on PostgreSQL and
   * MySQL, 32,766 on SQLite). PostgreSQL's RETURNING answers the rows in the order of their VALUES;
   * SQLite's order is unspecified, so its rows are paired by key: a UUID is set before the insert, and
   * integer keys are numbered in VALUES order (one statement of the only writer, each row the highest key
   * + 1). MySQL answers no rows: a UUID is known, integer keys follow the first one by the server's step,
   * and the stored rows are read back for the revisions.
   */
  private async insertTogether(manager: EntityManager, target: GrantedTarget, prepared: Row[]): Promise<Inserted[]> {
    const { collection } = target;
    const stamp = systemStamp(target.access);
    const complete = prepared.map((values) => this.withSystemFields(target, values, stamp));
    const encoded = complete.map((row) => this.encode(collection, row));
    const columns = [...new Set(encoded.flatMap((row) => Object.keys(row)))];
    const perStatement = Math.max(1, Math.floor((this.db.kind === 'sqlite' ? 30_000 : 60_000) / columns.length));
    const integerKeys = collection.primaryKey === 'integer';
    const inserted: Inserted[] = [];
    for (let start = 0; start < encoded.length; start += perStatement) {
      const chunk = encoded.slice(start, start + perStatement);
      const statement = insertManyStatement(this.dialect, collection, columns, chunk);
      const result: unknown = await manager.query(statement.sql, statement.params);
      if (this.db.kind === 'mysql') {
        const first = Number(insertedKey(result));
        const step = integerKeys ? await this.autoIncrementStep(manager) : null;
        chunk.forEach((_, index) => inserted.push({ key: integerKeys ? first + index * step! : complete[start + index].id, row: null }));
        continue;
      }
      let rows = result as Row[];
      if (this.db.kind === 'sqlite') rows = integerKeys ? rows.sort((a, b) => Number(a.id) - Number(b.id)) : inValuesOrder(rows, chunk);
      for (const row of rows) inserted.push({ key: integerKeys ? Number(row.id) : row.id, row });
    }
    return inserted;
  }

  private async insertOne(manager: EntityManager, target: GrantedTarget, values: Row): Promise<Inserted> {
    const { collection } = target;
    const row = this.withSystemFields(target, values);
    for (const field of collection.fields.filter((f) => f.type === 'autocode')) row[field.field] = await this.nextCode(manager, target, field.field, field.autocode!);
    const statement = insertStatement(this.dialect, collection, this.encode(collection, row));
    const result: unknown = await manager.query(statement.sql, statement.params);
    return { key: row.id ?? Number(insertedKey(result)), row: insertedRow(result) };
  }

  /**
   * The next code of an autocode field. The counter row is updated inside the write's transaction, so
   * concurrent inserts take turns on it and a rolled-back insert gives its number back: no gaps.
   */
  private async nextCode(manager: EntityManager, target: GrantedTarget, field: string, spec: { prefix: string; padding: number }): Promise<string> {
    const q = (name: string) => this.dialect.quote(name);
    const p = (n: number) => this.dialect.placeholder(n);
    const where = `${q('workspace_id')} = ${p(1)} AND ${q('collection')} = ${p(2)} AND ${q('field')} = ${p(3)}`;
    const key = [target.access.workspace.id, target.collection.name, field];
    await manager.query(`UPDATE ${q('cairn_autocode_counters')} SET ${q('last_value')} = ${q('last_value')} + 1 WHERE ${where}`, key);
    const [row] = (await manager.query(`SELECT ${q('last_value')} AS ${q('value')} FROM ${q('cairn_autocode_counters')} WHERE ${where}`, key)) as Row[];
    return `${spec.prefix}${String(Number(row.value)).padStart(spec.padding, '0')}`;
  }

  /** The item's values with its generated key (uuid) and the system fields of a new item. */
  private withSystemFields(target: GrantedTarget, values: Row, stamp: Row = systemStamp(target.access)): Row {
    const row: Row = { ...values };
    if (target.collection.primaryKey === 'uuid' && row.id === undefined) row.id = randomUUID();
    return Object.assign(row, stamp);
  }

  private encode(collection: CollectionDef, row: Row): Row {
    return encodeRow(collection, row, this.db.kind);
  }
}

/** The system fields of new items written now by the caller; the items of one batch share them. */
export function systemStamp(access: ItemsAccess): Row {
  const now = new Date().toISOString();
  const by = actor(access);
  return { created_at: now, updated_at: now, created_by: by, updated_by: by };
}

/** The system fields an update by the caller sets now. */
export function updateStamp(access: ItemsAccess): Row {
  return { updated_at: new Date().toISOString(), updated_by: actor(access) };
}

function actor(access: ItemsAccess): string | null {
  if (isAppRoleAccess(access)) return access.principal?.appUserId ?? null;
  return personId(access.principal);
}

/** Returned rows in the order of the rows inserted, matched by their (UUID) key. */
function inValuesOrder(returned: Row[], inserted: Row[]): Row[] {
  const byKey = new Map(returned.map((row) => [String(row.id), row]));
  return inserted.map((row) => {
    const found = byKey.get(String(row.id));
    if (!found) throw new Error(`The insert did not return the row "${String(row.id)}".`);
    return found;
  });
}

const shapes = new WeakMap<CollectionDef, string>();

/**
 * A digest of a collection's fields, and so of the columns a `RETURNING *` answers: a prepared statement
 * is kept per shape, so that a field added, retyped or resized makes a new one. The registry makes a new definition on every
 * change, so each is worked out once.
 */
function tableShape(collection: CollectionDef): string {
  let shape = shapes.get(collection);
  if (shape === undefined) {
    shape = createHash('sha256').update(JSON.stringify(collection.fields)).digest('base64url').slice(0, 22);
    shapes.set(collection, shape);
  }
  return shape;
}
