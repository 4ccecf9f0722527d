import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { classifyDatabaseError } from '../../common/database/db-errors';
import { Database } from '../../common/database/database.service';
import { AppError, forbidden, invalidPayload, notFound } from '../../common/errors/app-error';
import type { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { FilterNode, keysQuery } from '../../engine/query/query.ast';
import { decodeRows } from '../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import { compileSelect } from '../../engine/sql/select.compiler';
import { toDatabase } from '../../engine/sql/value-codec';
import { explainForeignKeyViolation, RefusedWrite } from '../../engine/write/foreign-key-conflicts';
import {
  deleteStatement,
  insertedKey,
  insertedKeyAsText,
  insertedRow,
  insertedRowAsJson,
  insertManyStatement,
  insertStatement,
  InsertWithLogTexts,
  LoggedRow,
  insertWithLogStatement,
  lockStatement,
  rowsStatement,
  updateStatement,
} from '../../engine/write/write.sql';
import { ACTIVITY_COLUMNS, ActivityEntry, activityRow, ItemAction, recordActivity, RequestOrigin } from '../audit/activity.recorder';
import { personId } from '../auth/principal';
import { ExternalDatabases } from '../connections/external-databases';
import { ExternalWrites } from '../connections/external-writes';
import { FlowTriggers, FlowTriggerWriter, KeysMatching, TriggeringChange } from '../flows/flow-triggers';
import { checkWritableFields, withGrantValidation, withPresets } from '../policies/write-permissions';
import { deltaOf, recordRevisions, REVISION_COLUMNS, revisionRow } from '../revisions/revision.recorder';
import { findField, primaryKeyField } from '../schema/schema.lookup';
import type { CollectionDef, WorkspaceSchema } from '../schema/schema.types';
import { OutboxWriter, WebhookOutbox } from '../webhooks/webhook-outbox';
import { isAppRoleAccess, ItemsAccess, WorkspaceAccess } from '../workspaces/workspaces.service';
import type { CreateCommand, DeleteCommand, ItemRequest, QueryParams, ReadRequest, UpdateCommand } from './items.commands';
import { keyFromBody, keysOf } from './items.keys';
import { GrantedTarget, ItemTargets, queryContext, WriteAction } from './items.targets';
import { ItemsReader, ReadResult } from './read/items.reader';
import { IMPORT_BATCH_SIZE, importRefused, ImportFailure, ImportResult, ImportRow, ItemsExport, MAX_REPORTED_IMPORT_FAILURES, ROW_FAILURES, rowFailureOf } from './transfer/transfer.types';
import { ItemHooks } from './write/item-hooks';
import { ItemValidator } from './write/item-validator';

export type { ReadResult } from './read/items.reader';

type Row = Record<string, unknown>;

/** The bus channel on which committed item changes are announced (realtime, webhooks and flows listen). */
export const ITEMS_CHANGED = 'items.changed';

export interface ItemsChanged {
  workspaceId: string;
  collection: string;
  action: ItemAction;
  keys: unknown[];
  /** Set when the change wrote webhook deliveries, so that dispatchers wake for it (and only then). */
  deliveries?: true;
  /** Set when the change may have written flow runs, so that flow runners wake for it. */
  flowRuns?: true;
  /**
   * A create's items as stored, decoded as reads decode them, in the order of `keys`: a subscriber whose
   * read would only pick columns of them takes them from here rather than reading them again. Absent
   * when the write did not have them at hand, and when they are large (every instance hears them).
   */
  rows?: Row[];
}

/** At most this much JSON of stored rows travels with a change; larger ones are read by their subscribers. */
const MAX_CARRIED_ROWS_BYTES = 16 * 1024;

/** The target of a write, and what writes the change's webhook deliveries and flow runs in its transaction. */
interface WriteTarget extends GrantedTarget {
  outbox: OutboxWriter;
  flows: FlowTriggerWriter;
}

/**
 * The items door. Reads: parameters → query AST → (policy seam) → compiled SQL → shaped rows. Writes:
 * validate → (policy and before-hook seams) → SQL, activity rows in one transaction → commit → event.
 */
@Injectable()
export class ItemsService {
  private readonly dialect: SqlDialect;
  private readonly logger = new Logger(ItemsService.name);
  /** The texts of one-statement creates (PostgreSQL), kept per collection definition and columns. */
  private readonly createTexts = new InsertWithLogTexts();

  constructor(
    private readonly db: Database,
    private readonly reader: ItemsReader,
    private readonly targets: ItemTargets,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectConfig() private readonly config: AppConfig,
    private readonly hooks: ItemHooks,
    private readonly outbox: WebhookOutbox,
    private readonly flowTriggers: FlowTriggers,
    private readonly external: ExternalDatabases,
  ) {
    this.dialect = dialectFor(db.kind);
  }

  // ----- reads: the reader's line -----

  list(access: ItemsAccess, request: ReadRequest): Promise<ReadResult> {
    return this.reader.list(access, request);
  }

  /** One item; 404 when it does not exist or the caller may not see it. */
  get(access: ItemsAccess, request: ItemRequest): Promise<Row> {
    return this.reader.get(access, request);
  }

  /** What a subscriber is sent of a change (see ItemsReader.readChanged). */
  readChanged(subscriber: ItemsAccess, collection: string, keys: unknown[], params: QueryParams, stored: Row[] | null = null): Promise<Row[]> {
    return this.reader.readChanged(subscriber, collection, keys, params, stored);
  }

  exportItems(access: ItemsAccess, request: { collection: string; params: QueryParams }): Promise<ItemsExport> {
    return this.reader.exportItems(access, request);
  }

  activity(access: WorkspaceAccess, params: QueryParams): Promise<ReadResult> {
    return this.reader.activity(access, params);
  }

  readLog(access: WorkspaceAccess, schema: WorkspaceSchema, collection: string, params: QueryParams, only: FilterNode | null = null): Promise<ReadResult> {
    return this.reader.readLog(access, schema, collection, params, only);
  }

  // ----- writes -----

  /**
   * Creates one item or a batch (all or nothing); answers them read back through the query language,
   * as the caller may read them: an app role without a read policy gets nothing back.
   */
  async create(access: ItemsAccess, command: CreateCommand): Promise<Row[]> {
    const target = await this.writeTarget(access, command.collection, 'create');
    const inputs = this.batch(command.items);
    const validator = this.validator(target);
    const where = (index: number) => (command.batch ? String(index) : '');
    const prepared = inputs.map((input, index) => validator.forCreate(this.granted(target, input, 'create', where(index)), where(index)));
    await this.before(target, 'create', [], prepared);
    const activity = { workspaceId: access.workspace.id, action: 'create' as const, collection: target.collection.name, principal: access.principal, origin: command.origin };
    let stored: Row[] | null = null;
    const named = { items: prepared.map((values, index) => ({ where: where(index), values })) };
    const inserted = await this.explainingConflicts(target, named, async () =>
      target.collection.external
        ? (await this.writeExternal(target, 'create', command.origin, prepared, (writes) => writes.insert(prepared))).map((key) => ({ key, row: null }))
        : this.insertsInOneStatement(target, prepared)
        ? [await this.insertWithActivity(target, prepared[0], activity)]
        : await this.db.transaction(async (manager) => {
            const written = await this.insertBatch(manager, target, prepared, activity);
            stored = written.stored;
            return written.rows;
          }),
    );
    const keys = inserted.map((r) => r.key);
    // The one-statement create has no stored rows of its own: RETURNING gave them.
    stored ??= inserted.every((r) => r.row !== null) ? decodeRows(inserted.map((r) => r.row!), target.collection.fields, this.dialect) : null;
    await this.announce(target, 'create', keys, stored);
    return (stored && inserted.every((r) => r.row !== null) ? this.reader.pickWritten(target, stored, command) : null) ?? (await this.reader.readKeys(target, keys, command));
  }

  /**
   * Updates items in one transaction: the same values for the keys named, or each item of a batch its
   * own. Keys that do not exist are skipped, except one named by its id: 404. Answers the items read back.
   */
  async update(access: ItemsAccess, command: UpdateCommand): Promise<Row[]> {
    const target = await this.writeTarget(access, command.collection, 'update');
    const validator = this.validator(target);
    const max = this.config.query.maxBatchSize;
    let changes: Array<{ keys: unknown[]; values: Row; where: string }>;
    if ('each' in command) {
      if (command.each.length > max) throw invalidPayload(`Invalid payload: a batch may hold at most ${max} items.`);
      changes = command.each.map((item, index) => {
        const id = (item as Row | null)?.[primaryKeyField(target.collection).field];
        if (id === undefined || id === null) throw invalidPayload('Invalid payload: each item of a batch update needs its "id".', `${index}.id`);
        const where = String(index);
        return { keys: [keyFromBody(target.collection, id, `${index}.id`)], values: validator.forUpdate(this.granted(target, item, 'update', where), where), where };
      });
    } else {
      const keys = keysOf(target.collection, command.keys, this.config.query.maxBatchSize);
      const where = 'id' in command.keys ? '' : 'data';
      changes = [{ keys, values: validator.forUpdate(this.granted(target, command.values, 'update', where), where), where }];
    }
    for (const change of changes) await this.before(target, 'update', change.keys, [change.values]);
    const named = { items: changes.map(({ where, values }) => ({ where, values })) };
    const updated = await this.explainingConflicts(target, named, () =>
      target.collection.external
        ? this.writeExternal(target, 'update', command.origin, changes.map((change) => change.values), (writes) => writes.update(changes))
        : this.db.transaction((manager) => this.updateRows(manager, target, changes, command.origin)),
    );
    if ('keys' in command && 'id' in command.keys && updated.length === 0) throw notFound('Item not found.');
    await this.announce(target, 'update', updated);
    return this.reader.readKeys(target, updated, command);
  }

  /** Deletes the items named in one transaction; keys that do not exist are skipped, except one named by its id: 404. */
  async delete(access: ItemsAccess, command: DeleteCommand): Promise<void> {
    const target = await this.writeTarget(access, command.collection, 'delete');
    const keys = keysOf(target.collection, command.keys, this.config.query.maxBatchSize);
    await this.before(target, 'delete', keys, []);
    const deleted = await this.explainingConflicts(target, { deleted: keys }, () =>
      target.collection.external
        ? this.writeExternal(target, 'delete', command.origin, undefined, (writes) => writes.remove(keys))
        : this.db.transaction((manager) => this.remove(manager, target, keys, command.origin)),
    );
    if ('id' in command.keys && deleted.length === 0) throw notFound('Item not found.');
    await this.announce(target, 'delete', deleted);
  }

  /**
   * Imports a file's items into a collection, all or nothing: each row goes through the create path
   * (validation, the caller's grant and presets, before-hooks, then activity, revisions, webhooks and
   * flows in the write's transaction), in batches, inside one transaction for the whole file. The first
   * row that fails refuses the import (400 naming its row and field) and nothing is written; after
   * commit, each batch is announced as a create. A dry run checks every row the same way, up to the
   * database (no before-hooks, no constraints), writes nothing and answers every failure.
   */
  async importItems(access: ItemsAccess, collectionName: string, rows: AsyncIterable<ImportRow>, options: { dryRun: boolean; origin: RequestOrigin }): Promise<ImportResult> {
    const target = await this.writeTarget(access, collectionName, 'create');
    if (target.collection.external) throw invalidPayload(`"${collectionName}" is a table of the connection "${target.collection.external.connection}": import into it is not supported; create its items through the API.`);
    const validator = this.validator(target);
    if (options.dryRun) {
      const errors: ImportFailure[] = [];
      let count = 0;
      for await (const input of rows) {
        count++;
        const { failures } = this.importValues(target, validator, input);
        if (errors.length < MAX_REPORTED_IMPORT_FAILURES) errors.push(...failures.slice(0, MAX_REPORTED_IMPORT_FAILURES - errors.length));
      }
      return { rows: count, errors };
    }
    const activity = { workspaceId: access.workspace.id, action: 'create' as const, collection: collectionName, principal: access.principal, origin: options.origin };
    const written: Array<{ keys: unknown[]; stored: Row[] | null }> = [];
    let count = 0;
    await this.db.transaction(async (manager) => {
      const write = async (batch: Row[]) => {
        await this.before(target, 'create', [], batch);
        const { rows: inserted, stored } = await this.insertBatch(manager, target, batch, activity);
        const keys = inserted.map((r) => r.key);
        // Only rows small enough to travel with the event are kept until commit: a file of any size
        // holds a key per row, not its rows.
        written.push({ keys, stored: carriedRows(stored, keys) });
      };
      // One batch is written while the next is read and checked: the database's time and the parse's
      // overlap. Batches are still written one after the other, in file order, on this one connection.
      let writing: Promise<void> | null = null;
      let batch: Row[] = [];
      const flush = async () => {
        if (writing) await writing;
        writing = batch.length > 0 ? write(batch) : null;
        // Awaited before the transaction ends, whatever happens meanwhile; its error is answered then.
        writing?.catch(() => undefined);
        batch = [];
      };
      try {
        for await (const input of rows) {
          const { values, failures } = this.importValues(target, validator, input);
          if (failures.length > 0) throw importRefused(failures[0]);
          batch.push(values);
          count++;
          if (batch.length === IMPORT_BATCH_SIZE) await flush();
        }
        await flush();
        if (writing) await writing;
      } finally {
        // A refused row or a bad file ends the import: the write under way finishes before the rollback.
        if (writing) await (writing as Promise<void>).catch(() => undefined);
      }
    });
    for (const { keys, stored } of written) await this.announce(target, 'create', keys, stored);
    return { rows: count, errors: [] };
  }

  /** A row of an import as the values a create would write, or why it can not be created (each failing field). */
  private importValues(target: WriteTarget, validator: ItemValidator, input: ImportRow): { values: Row; failures: ImportFailure[] } {
    if (input.failure) return { values: {}, failures: [{ row: input.row, ...input.failure }] };
    try {
      return { values: validator.forCreate(this.granted(target, input.values, 'create', ''), ''), failures: [] };
    } catch (error) {
      if (!(error instanceof AppError) || !ROW_FAILURES.has(error.code)) throw error;
      return { values: {}, failures: [rowFailureOf(input.row, error.message, error.extensions), ...error.more.map((more) => rowFailureOf(input.row, more.message, more.extensions))] };
    }
  }

  // ----- the steps -----

  /**
   * The target of a write, the caller's right to it checked (see ItemTargets). The webhooks and flows
   * that want the change are looked up now, before its transaction: inside it, a second connection
   * could wait on a full pool for ever.
   */
  private async writeTarget(access: ItemsAccess, collectionName: string, action: WriteAction): Promise<WriteTarget> {
    const target = await this.targets.write(access, collectionName, action);
    const [outbox, flows] = await Promise.all([
      this.outbox.prepare(access.workspace.id, target.collection.name, action),
      this.flowTriggers.prepare(access.workspace.id, target.schema, target.collection, action, access.principal),
    ]);
    return { ...target, outbox, flows };
  }

  /** The validator of a write: the fields' rules, plus the grant's. */
  private validator(target: WriteTarget): ItemValidator {
    return new ItemValidator(target.schema, target.grant ? withGrantValidation(target.collection, target.grant) : target.collection);
  }

  /** An item as an app role may write it: only granted fields (403 otherwise), presets forced. */
  private granted(target: WriteTarget, input: unknown, action: string, where: string): unknown {
    if (!target.grant) return input;
    checkWritableFields(input, target.grant, action, where);
    return withPresets(input, target.grant, target.collection, queryContext(target.access));
  }

  /**
   * Refuses (403, rolling the transaction back) a write that leaves a row outside the grant's filter:
   * an app role cannot move a row out of what it may write, or create one there.
   */
  private async assertWithinGrant(manager: EntityManager, target: WriteTarget, keys: unknown[], action: string): Promise<void> {
    const filter = target.grant?.filter;
    if (!filter || keys.length === 0) return;
    const kept = await this.keysMatching(manager, target, keys, filter, false);
    if (kept.length !== keys.length) throw forbidden(`You may not ${action} an item with these values.`);
  }

  /** How flows' trigger filters are tested on the rows of a change: with its connection, as written so far. */
  private matcher(manager: EntityManager, target: WriteTarget): KeysMatching {
    return (keys, filter) => this.keysMatching(manager, target, keys, filter, false);
  }

  /** Which of the keys have rows that match a filter, optionally locking them. */
  private async keysMatching(manager: EntityManager, target: WriteTarget, keys: unknown[], filter: FilterNode, lock: boolean): Promise<unknown[]> {
    const byKey: FilterNode = { type: 'compare', field: 'id', operator: '_in', value: keys as Array<string | number> };
    const query = keysQuery(target.collection.name, { filter: { type: 'and', children: [byKey, filter] }, sort: lock ? [{ path: ['id'], direction: 'asc' }] : [] });
    const compiled = compileSelect(query, target.schema, this.dialect, queryContext(target.access));
    const rows = (await manager.query(`${compiled.sql}${lock && this.db.kind !== 'sqlite' ? ' FOR UPDATE' : ''}`, compiled.params)) as Row[];
    return rows.map((row) => (target.collection.primaryKey === 'integer' ? Number(row.id) : row.id));
  }

  /**
   * Runs a write; a foreign-key violation it meets is answered with its cause, named from the registry's
   * relations and what the write named (see explainForeignKeyViolation), rather than the bare conflict.
   */
  private async explainingConflicts<T>(target: WriteTarget, named: RefusedWrite, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (classifyDatabaseError(error) !== 'foreign_key_violation') throw error;
      const { dialect, run } = this.reader.source(target.collection);
      throw (await explainForeignKeyViolation({ schema: target.schema, dialect, run }, target.collection, named)) ?? error;
    }
  }

  /**
   * A write on a table of an external database: one transaction there, then, after it committed (no
   * transaction spans two databases), the activity and webhook rows in Cairn's own. Should that second
   * step fail, the change stands and the failure is logged.
   */
  private async writeExternal(target: WriteTarget, action: ItemAction, origin: RequestOrigin, payloads: Row[] | undefined, write: (writes: ExternalWrites) => Promise<unknown[]>): Promise<unknown[]> {
    const { access, collection } = target;
    const database = await this.external.database(collection.external!);
    const keys = await write(new ExternalWrites(database, target.schema, collection, queryContext(access), target.grant?.filter ?? null));
    if (keys.length === 0) return keys;
    await this.db
      .transaction(async (manager) => {
        await recordActivity(manager, this.db.kind, { workspaceId: access.workspace.id, action, collection: collection.name, items: keys, principal: access.principal, origin });
        await target.outbox.record(manager, keys, payloads);
      })
      .catch((error: unknown) => this.logger.error(`A ${action} of ${collection.name} is committed in its external database, but its activity could not be recorded: ${String(error)}`));
    return keys;
  }

  private batch(inputs: unknown[]): unknown[] {
    if (inputs.length === 0) throw invalidPayload('Invalid payload: the batch is empty.');
    if (inputs.length > this.config.query.maxBatchSize) throw invalidPayload(`Invalid payload: a batch may hold at most ${this.config.query.maxBatchSize} items.`);
    return inputs;
  }

  /**
   * Inserts validated items inside the caller's transaction with everything a create writes beside
   * them: the grant's filter checked, activity, revisions, webhook deliveries and flow runs. Answers
   * the inserted keys (with RETURNING's rows) and the stored rows, decoded.
   */
  private async insertBatch(manager: EntityManager, target: WriteTarget, prepared: Row[], activity: Omit<ActivityEntry, 'items'>): Promise<{ rows: Array<{ key: unknown; row: Row | null }>; stored: Row[] }> {
    const rows: Array<{ key: unknown; row: Row | null }> = [];
    if (await this.insertsTogether(manager, target, prepared)) rows.push(...(await this.insertTogether(manager, target, prepared)));
    else for (const values of prepared) rows.push(await this.insert(manager, target, values));
    const keys = rows.map((r) => r.key);
    await this.assertWithinGrant(manager, target, keys, 'create');
    const logged = await recordActivity(manager, this.db.kind, { ...activity, items: keys });
    const stored = await this.storedRows(manager, target, keys, rows.map((r) => r.row));
    await this.recordRevisions(manager, target, keys, logged, stored, prepared.map((values) => Object.keys(values)));
    await target.outbox.record(manager, keys, prepared);
    await target.flows.record(manager, keys.map((key, index) => ({ keys: [key], payload: prepared[index] })), this.matcher(manager, target));
    return { rows, stored };
  }

  /**
   * Whether a batch can be one multi-row INSERT, each key paired with its item: where RETURNING gives the
   * stored rows back (PostgreSQL, SQLite), or on MySQL/MariaDB where keys are UUIDs set before the insert
   * or auto-increment numbers given consecutively to the rows of one statement. Not with an autocode to
   * number.
   */
  private async insertsTogether(manager: EntityManager, target: WriteTarget, prepared: Row[]): Promise<boolean> {
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

  private autoIncrement: Promise<number | null> | null = null;

  /**
   * A batch as multi-row INSERTs, each within the database's bound parameters (65,535 on PostgreSQL and
   * MySQL, 32,766 on SQLite). PostgreSQL's RETURNING answers the rows in the order of their VALUES;
   * SQLite's order is unspecified, so its rows are paired by key: a UUID is set before the insert, and
   * integer keys are numbered in VALUES order (one statement of the only writer, each row the highest key
   * + 1). MySQL answers no rows: a UUID is known, integer keys follow the first one by the server's step,
   * and the stored rows are read back for the revisions.
   */
  private async insertTogether(manager: EntityManager, target: WriteTarget, prepared: Row[]): Promise<Array<{ key: unknown; row: Row | null }>> {
    const { collection } = target;
    const stamp = this.systemStamp(target);
    const complete = prepared.map((values) => this.withSystemFields(target, values, stamp));
    const encoded = complete.map((row) => this.encode(collection, row));
    const columns = [...new Set(encoded.flatMap((row) => Object.keys(row)))];
    const perStatement = Math.max(1, Math.floor((this.db.kind === 'sqlite' ? 30_000 : 60_000) / columns.length));
    const integerKeys = collection.primaryKey === 'integer';
    const inserted: Array<{ key: unknown; row: Row | null }> = [];
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

  private async insert(manager: EntityManager, target: WriteTarget, values: Row): Promise<{ key: unknown; row: Row | null }> {
    const { collection } = target;
    const row = this.withSystemFields(target, values);
    for (const field of collection.fields.filter((f) => f.type === 'autocode')) row[field.field] = await this.nextCode(manager, target, field.field, field.autocode!);
    const statement = insertStatement(this.dialect, collection, this.encode(collection, row));
    const result: unknown = await manager.query(statement.sql, statement.params);
    return { key: row.id ?? Number(insertedKey(result)), row: insertedRow(result) };
  }

  /**
   * Whether a create can be one statement with its activity row: on PostgreSQL, for a single item
   * whose values need nothing read first (an autocode takes its number from a counter row).
   */
  private insertsInOneStatement(target: WriteTarget, prepared: Row[]): boolean {
    // A grant's filter is checked on the inserted row before commit, and webhooks' deliveries and flow
    // runs are written with it: all inside a transaction.
    return this.db.kind === 'postgres' && prepared.length === 1 && !target.grant?.filter && !target.outbox.wanted && !target.flows.wanted && !target.collection.fields.some((f) => f.type === 'autocode');
  }

  /**
   * The one-statement create: the row, its activity row and its revision. The revision's data is the
   * stored row turned into JSON by the SQL form of the value codec, so it equals what a read answers.
   */
  private async insertWithActivity(target: WriteTarget, values: Row, activity: Omit<ActivityEntry, 'items'>): Promise<{ key: unknown; row: Row }> {
    const { collection } = target;
    const row = this.withSystemFields(target, values);
    const logged = activityRow(this.db.kind, activity, null);
    const revised = { workspaceId: activity.workspaceId, collection: collection.name };
    const written = collection.fields.filter((field) => field.field in values);
    const key = () => insertedKeyAsText(this.dialect);
    const logs: LoggedRow[] = [
      { table: 'cairn_activity', columns: ACTIVITY_COLUMNS, values: logged, fromInserted: { item: key } },
      {
        table: 'cairn_revisions',
        columns: REVISION_COLUMNS,
        values: revisionRow(this.db.kind, revised, { activity: logged[0] as string, item: null, data: {}, delta: {} }),
        fromInserted: { item: key, data: () => insertedRowAsJson(this.dialect, collection.fields), delta: () => insertedRowAsJson(this.dialect, written) },
      },
    ];
    // The revision's delta lists the fields the client gave: with the columns, they make the text.
    const variant = written.map((field) => field.field).join(',');
    const statement = insertWithLogStatement(this.dialect, collection, this.encode(collection, row), logs, { cache: this.createTexts, variant });
    const [inserted] = await this.db.atomicStatement(statement.sql, statement.params);
    return { key: row.id ?? Number(inserted.id), row: inserted };
  }

  /** The item's values with its generated key (uuid) and the system fields of a new item. */
  private withSystemFields(target: WriteTarget, values: Row, stamp: Row = this.systemStamp(target)): Row {
    const row: Row = { ...values };
    if (target.collection.primaryKey === 'uuid' && row.id === undefined) row.id = randomUUID();
    return Object.assign(row, stamp);
  }

  /** The system fields of new items written now by the caller; the items of one batch share them. */
  private systemStamp(target: WriteTarget): Row {
    const now = new Date().toISOString();
    const actor = this.actor(target.access);
    return { created_at: now, updated_at: now, created_by: actor, updated_by: actor };
  }

  private async updateRows(manager: EntityManager, target: WriteTarget, changes: Array<{ keys: unknown[]; values: Row }>, origin: RequestOrigin): Promise<unknown[]> {
    const { collection, access } = target;
    const updated: unknown[] = [];
    /** The fields each updated key had written, in the order of `updated`. */
    const written: string[][] = [];
    const groups: TriggeringChange[] = [];
    // Every row of the batch is locked first, in key order: two batches naming the same rows in other
    // orders then wait for each other instead of deadlocking.
    const lockable = new Set((await this.lock(manager, target, changes.flatMap((change) => change.keys))).map(String));
    for (const change of changes) {
      const existing = change.keys.filter((key) => lockable.has(String(key)));
      if (existing.length === 0) continue;
      const row = { ...change.values, updated_at: new Date().toISOString(), updated_by: this.actor(access) };
      const statement = updateStatement(this.dialect, collection, this.encode(collection, row), existing);
      await manager.query(statement.sql, statement.params);
      updated.push(...existing);
      for (let i = 0; i < existing.length; i++) written.push(Object.keys(change.values));
      groups.push({ keys: existing, payload: change.values });
    }
    await this.assertWithinGrant(manager, target, updated, 'update');
    const logged = await recordActivity(manager, this.db.kind, { workspaceId: access.workspace.id, action: 'update', collection: collection.name, items: updated, principal: access.principal, origin });
    await this.recordRevisions(manager, target, updated, logged, await this.storedRows(manager, target, updated), written);
    await target.outbox.record(manager, updated, changes.map((change) => change.values));
    await target.flows.record(manager, groups, this.matcher(manager, target));
    return updated;
  }

  private async remove(manager: EntityManager, target: WriteTarget, keys: unknown[], origin: RequestOrigin): Promise<unknown[]> {
    const { collection, access } = target;
    const existing = await this.lock(manager, target, keys);
    if (existing.length === 0) return [];
    // A delete's revision keeps the item as it was, so it can be brought back.
    const stored = await this.storedRows(manager, target, existing);
    // Before the rows go: a flow's filter is tested on the items as they were.
    await target.flows.record(manager, [{ keys: existing }], this.matcher(manager, target));
    const statement = deleteStatement(this.dialect, collection, existing);
    await manager.query(statement.sql, statement.params);
    const logged = await recordActivity(manager, this.db.kind, { workspaceId: access.workspace.id, action: 'delete', collection: collection.name, items: existing, principal: access.principal, origin });
    await this.recordRevisions(manager, target, existing, logged, stored, null);
    await target.outbox.record(manager, existing);
    return existing;
  }

  /**
   * The stored rows of these keys, in their order, decoded by the value codec as reads decode them:
   * the rows RETURNING gave where there are all of them, else read now, inside the transaction.
   */
  private async storedRows(manager: EntityManager, target: WriteTarget, keys: unknown[], returned: Array<Row | null> = []): Promise<Row[]> {
    const { collection } = target;
    let raw = returned.length === keys.length && returned.every((row) => row !== null) ? (returned as Row[]) : null;
    if (!raw) {
      const statement = rowsStatement(this.dialect, collection, [...new Set(keys)]);
      raw = (await manager.query(statement.sql, statement.params)) as Row[];
    }
    const byKey = new Map(decodeRows(raw, collection.fields, this.dialect).map((row) => [String(row.id), row]));
    return keys.map((key) => byKey.get(String(key)) ?? {});
  }

  /** One revision per changed item, linked to its activity row; `written` is null for a delete. */
  private async recordRevisions(manager: EntityManager, target: WriteTarget, keys: unknown[], activity: string[], stored: Row[], written: string[][] | null): Promise<void> {
    const revised = { workspaceId: target.access.workspace.id, collection: target.collection.name };
    const entries = keys.map((item, index) => ({ activity: activity[index], item, data: stored[index], delta: written ? deltaOf(stored[index], written[index]) : null }));
    await recordRevisions(manager, this.db.kind, revised, entries);
  }

  /**
   * Locks the rows with these keys (in key order) for the rest of the transaction and answers the keys
   * that exist, and that an app role's grant lets it touch: rows outside its filter are as good as missing.
   */
  private async lock(manager: EntityManager, target: WriteTarget, keys: unknown[]): Promise<unknown[]> {
    if (keys.length === 0) return [];
    if (target.grant?.filter) return this.keysMatching(manager, target, keys, target.grant.filter, true);
    const { collection } = target;
    const statement = lockStatement(this.dialect, collection, keys);
    const rows = (await manager.query(statement.sql, statement.params)) as Row[];
    return rows.map((row) => (collection.primaryKey === 'integer' ? Number(row.id) : row.id));
  }

  /**
   * The next code of an autocode field. The counter row is updated inside the write's transaction, so
   * concurrent inserts take turns on it and a rolled-back insert gives its number back: no gaps.
   */
  private async nextCode(manager: EntityManager, target: WriteTarget, field: string, spec: { prefix: string; padding: number }): Promise<string> {
    const q = (name: string) => this.dialect.quote(name);
    const p = (n: number) => this.dialect.placeholder(n);
    const where = `${q('workspace_id')} = ${p(1)} AND ${q('collection')} = ${p(2)} AND ${q('field')} = ${p(3)}`;
    const key = [target.access.workspace.id, target.collection.name, field];
    await manager.query(`UPDATE ${q('cairn_autocode_counters')} SET ${q('last_value')} = ${q('last_value')} + 1 WHERE ${where}`, key);
    const [row] = (await manager.query(`SELECT ${q('last_value')} AS ${q('value')} FROM ${q('cairn_autocode_counters')} WHERE ${where}`, key)) as Row[];
    return `${spec.prefix}${String(Number(row.value)).padStart(spec.padding, '0')}`;
  }

  private encode(collection: CollectionDef, row: Row): Row {
    const encoded: Row = {};
    for (const [name, value] of Object.entries(row)) {
      const field = findField(collection, name)!;
      encoded[name] = toDatabase(field, value, this.db.kind);
    }
    return encoded;
  }

  private actor(access: ItemsAccess): string | null {
    if (isAppRoleAccess(access)) return access.principal?.appUserId ?? null;
    return personId(access.principal);
  }

  /** Runs the before-hooks; a hook that rewrote a payload has its values validated again. */
  private async before(target: WriteTarget, action: ItemAction, keys: unknown[], payloads: Row[]): Promise<void> {
    const { access, collection, schema } = target;
    const ran = await this.hooks.runBefore({ workspaceId: access.workspace.id, collection: collection.name, action, principal: access.principal, access, keys, payloads });
    if (!ran) return;
    const validator = new ItemValidator(schema, collection);
    payloads.forEach((payload, index) => {
      const checked = action === 'create' ? validator.forCreate(payload, payloads.length > 1 ? String(index) : '') : validator.forUpdate(payload, '');
      for (const name of Object.keys(payload)) delete payload[name];
      Object.assign(payload, checked);
    });
  }

  /** After commit: the after-hooks, then the event every instance hears, with the stored rows when they are small. */
  private async announce(target: WriteTarget, action: ItemAction, keys: unknown[], stored: Row[] | null = null): Promise<void> {
    if (keys.length === 0) return;
    await this.hooks.runAfter({ workspaceId: target.access.workspace.id, collection: target.collection.name, action, principal: target.access.principal, access: target.access, keys });
    const event: ItemsChanged = {
      workspaceId: target.access.workspace.id,
      collection: target.collection.name,
      action,
      keys,
      ...(target.outbox.wanted ? { deliveries: true } : {}),
      ...(target.flows.wanted ? { flowRuns: true } : {}),
      ...(stored && carriedRows(stored, keys) ? { rows: stored } : {}),
    };
    // The change is committed; a bus that is down must not turn it into an error for the client.
    await this.bus.publish(ITEMS_CHANGED, event).catch((error: unknown) => this.logger.warn(`Could not announce a change of ${target.collection.name}: ${String(error)}`));
  }
}

/**
 * The stored rows of a change when they are small enough to travel with its event (one per key, their
 * JSON within MAX_CARRIED_ROWS_BYTES), else null; measured row by row, so a large batch stops early.
 */
function carriedRows(stored: Row[] | null, keys: unknown[]): Row[] | null {
  if (!stored || stored.length !== keys.length) return null;
  // The length of JSON.stringify(stored): brackets, rows, and commas between them.
  let size = 2 + Math.max(0, stored.length - 1);
  for (const row of stored) {
    size += JSON.stringify(row).length;
    if (size > MAX_CARRIED_ROWS_BYTES) return null;
  }
  return stored;
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
