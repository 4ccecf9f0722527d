import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { MESSAGE_BUS, MessageBus } from '../../../common/bus/bus';
import { classifyDatabaseError } from '../../../common/database/db-errors';
import { Database } from '../../../common/database/database.service';
import { AppError, invalidPayload, notFound } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { dialectFor, SqlDialect } from '../../../engine/sql/dialect';
import type { FilterNode } from '../../../engine/query/query.ast';
import { explainForeignKeyViolation, explainPostgresViolation, RefusedWrite } from '../../../engine/write/foreign-key-conflicts';
import { ExternalDatabases } from '../../connections/external-databases';
import { ExternalWrites } from '../../connections/external-writes';
import { checkWritableFields, withGrantValidation, withPresets } from '../../policies/write-permissions';
import { primaryKeyField } from '../../schema/schema.lookup';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import type { ItemAction, LockedForUpdate, RequestOrigin, WriteIntent, WritePlan, WrittenChange, WrittenGroup } from '../../write-participants/write-participant';
import { WriteParticipants } from '../../write-participants/write-participants';
import { ITEMS_CHANGED, ItemsChanged } from '../../../common/bus/items-changed';
import { carriedRows } from './carried-rows';
import type { CreateCommand, DeleteCommand, UpdateCommand, WriteAnswer } from '../items.commands';
import { keyFromBody, keysOf } from '../items.keys';
import { GrantedTarget, ItemTargets, queryContext, WriteAction } from '../items.targets';
import { ItemsReader } from '../read/items.reader';
import { IMPORT_BATCH_SIZE, importRefused, ImportFailure, ImportResult, ImportRow, MAX_REPORTED_IMPORT_FAILURES, ROW_FAILURES, rowFailureOf } from '../transfer/transfer.types';
import { ItemValidator } from './item-validator';
import { Inserted, ItemTable } from './item-table';
import { joinsOneStatement, oneStatementLogs } from './one-statement-create';

type Row = Record<string, unknown>;

/** A write's target with the intent its participants were asked about and the plans they answered. */
interface WriteTarget extends GrantedTarget {
  intent: WriteIntent;
  plans: WritePlan[];
}

/** What a change wrote, before the participants' part of it. */
type Written = Pick<WrittenChange, 'keys' | 'groups' | 'payloads' | 'rows'>;

/**
 * The write line of the items door: validate → the caller's grant and presets → the participants'
 * before steps → one transaction (the table's statements, then every participant's rows) → after
 * commit, the participants' after steps and one event.
 */
@Injectable()
export class ItemsWriter {
  private readonly logger = new Logger(ItemsWriter.name);
  private readonly dialect: SqlDialect;

  constructor(
    private readonly db: Database,
    private readonly targets: ItemTargets,
    private readonly table: ItemTable,
    private readonly participants: WriteParticipants,
    private readonly reader: ItemsReader,
    private readonly external: ExternalDatabases,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {
    this.dialect = dialectFor(db.kind);
  }

  /** Creates one item or a batch (all or nothing); answers them as the caller may read them (maybe nothing). */
  async create(access: ItemsAccess, command: CreateCommand): Promise<Row[]> {
    const { target, keys, returned } = await this.created(access, command);
    return returned ?? this.reader.readKeys(target, keys, command);
  }

  /** Creates the items as create does, answering only their keys: for a write that reads them back once it is done (a nested write). */
  async createKeys(access: ItemsAccess, command: CreateCommand): Promise<unknown[]> {
    return (await this.created(access, command)).keys;
  }

  /**
   * Creates the items as create does, answering their keys and, where the rows the insert answered are
   * enough for `answer` (see ItemsReader.pickWritten), the items as the caller asked for them: for a
   * nested write, which reads them back only when they are not.
   */
  async createAnswered(access: ItemsAccess, command: CreateCommand, answer: WriteAnswer): Promise<{ keys: unknown[]; answered: Row[] | null }> {
    const { keys, returned } = await this.created(access, { ...command, fields: answer.fields });
    return { keys, answered: returned };
  }

  private async created(access: ItemsAccess, command: CreateCommand): Promise<{ target: WriteTarget; keys: unknown[]; returned: Row[] | null }> {
    const target = await this.target(access, command.collection, 'create', command.origin);
    const max = this.config.maxBatchSize;
    if (command.items.length === 0) throw invalidPayload('Invalid payload: the batch is empty.');
    if (command.items.length > max) throw invalidPayload(`Invalid payload: a batch may hold at most ${max} items.`);
    const validator = this.validator(target);
    const where = (index: number) => (command.batch ? String(index) : '');
    const prepared = command.items.map((input, index) => validator.forCreate(this.granted(target, input, 'create', where(index)), where(index)));
    await this.before(target, [], prepared);
    const named = { items: prepared.map((values, index) => ({ where: where(index), values })) };
    const { inserted, stored } = await this.explainingConflicts(target, named, () => this.insert(target, prepared));
    const keys = inserted.map((r) => r.key);
    await this.announce(target, keys, stored);
    const returned = stored && inserted.every((r) => r.row !== null) ? this.reader.pickWritten(target, stored, command) : null;
    return { target, keys, returned };
  }

  /**
   * Updates items in one transaction: the same values for the keys named or for the items a query finds,
   * or each item of a batch its own. Keys that do not exist are skipped, except one named by its id: 404.
   * Answers the items read back.
   */
  async update(access: ItemsAccess, command: UpdateCommand): Promise<Row[]> {
    const { target, keys } = await this.updated(access, command);
    return this.reader.readKeys(target, keys, command);
  }

  /** Updates the items as update does, answering only the keys updated: for a write that reads them back once it is done (a nested write). */
  async updateKeys(access: ItemsAccess, command: UpdateCommand): Promise<unknown[]> {
    return (await this.updated(access, command)).keys;
  }

  private async updated(access: ItemsAccess, command: UpdateCommand): Promise<{ target: WriteTarget; keys: unknown[] }> {
    const target = await this.target(access, command.collection, 'update', command.origin);
    const validator = this.validator(target);
    const max = this.config.maxBatchSize;
    let changes: Array<{ keys: unknown[]; values: Row; where: string }>;
    /**
     * What the rows must still match once locked: the filter a query found them by, before the
     * transaction (on Cairn's own tables; an external table's write checks its grant's filter only).
     */
    let within: FilterNode | null = null;
    if ('query' in command) {
      const values = validator.forUpdate(this.granted(target, command.values, 'update', 'data'), 'data');
      const named = await this.reader.keysNamed(target, command.query, target.grant?.filter ?? null, max + 1);
      if (named.keys.length > max) throw invalidPayload(`Invalid payload: the query names ${await named.count()} items, and an update may change at most ${max} at once; narrow its filter or give a limit.`, 'query');
      if (named.keys.length === 0) return { target, keys: [] };
      changes = [{ keys: named.keys, values, where: 'data' }];
      within = named.filter;
    } else if ('each' in command) {
      if (command.each.length > max) throw invalidPayload(`Invalid payload: a batch may hold at most ${max} items.`);
      changes = command.each.map((item, index) => {
        const id = (item as Row | null)?.[primaryKeyField(target.collection).field];
        if (id === undefined || id === null) throw invalidPayload('Invalid payload: each item of a batch update needs its "id".', `${index}.id`);
        const where = String(index);
        return { keys: [keyFromBody(target.collection, id, `${index}.id`)], values: validator.forUpdate(this.granted(target, item, 'update', where), where), where };
      });
    } else {
      const keys = keysOf(target.collection, command.keys, max);
      const where = 'id' in command.keys ? '' : 'data';
      changes = [{ keys, values: validator.forUpdate(this.granted(target, command.values, 'update', where), where), where }];
    }
    for (const change of changes) await this.before(target, change.keys, [change.values]);
    const named = { items: changes.map(({ where, values }) => ({ where, values })) };
    const payloads = changes.map((change) => change.values);
    const updated = await this.explainingConflicts(target, named, () =>
      target.collection.external
        ? this.writeExternal(target, payloads, (writes) => writes.update(changes), (keys) => [{ keys }])
        : this.db.transaction(async (tx) => {
            const groups = await this.table.update(tx, target, changes, within, this.beforeUpdate(tx, target));
            const keys = groups.flatMap((group) => group.keys);
            await this.table.assertWithinGrant(tx, target, keys, 'update');
            const rows = this.needsRows(target) ? await this.table.storedRows(tx, target, keys) : null;
            await this.record(tx, target, { keys, groups, payloads, rows });
            return keys;
          }),
    );
    if ('keys' in command && 'id' in command.keys && updated.length === 0) throw notFound('Item not found.');
    await this.announce(target, updated);
    return { target, keys: updated };
  }

  /** Deletes the items named in one transaction; keys that do not exist are skipped, except one named by its id: 404. */
  async delete(access: ItemsAccess, command: DeleteCommand): Promise<void> {
    const target = await this.target(access, command.collection, 'delete', command.origin);
    const keys = keysOf(target.collection, command.keys, this.config.maxBatchSize);
    await this.before(target, keys, []);
    const deleted = await this.explainingConflicts(target, { deleted: keys }, () =>
      target.collection.external
        ? this.writeExternal(target, undefined, (writes) => writes.remove(keys), (written) => [{ keys: written }])
        : this.db.transaction(async (tx) => {
            const existing = await this.table.lock(tx, target, keys);
            if (existing.length === 0) return [];
            // A delete's revision keeps the item as it was, so it can be brought back.
            const rows = this.needsRows(target) ? await this.table.storedRows(tx, target, existing) : null;
            const change = this.change(tx, target, { keys: existing, groups: [{ keys: existing }], rows });
            await this.recordWith(tx, change, target.plans.filter((plan) => plan.beforeDelete));
            await this.table.delete(tx, target, existing);
            await this.recordWith(tx, change, target.plans.filter((plan) => !plan.beforeDelete));
            return existing;
          }),
    );
    if ('id' in command.keys && deleted.length === 0) throw notFound('Item not found.');
    await this.announce(target, deleted);
  }

  /**
   * Imports a file's items into a collection, all or nothing: each row goes through the create path
   * (validation, the caller's grant and presets, before steps, then every participant's rows in the
   * write's transaction), in batches, inside one transaction for the whole file. The first row that
   * fails refuses the import (400 naming its row and field) and nothing is written; after commit, each
   * batch is announced as a create. A dry run checks every row the same way, up to the database (no
   * before steps, no constraints), writes nothing and answers every failure.
   */
  async importItems(access: ItemsAccess, collectionName: string, rows: AsyncIterable<ImportRow>, options: { dryRun: boolean; origin: RequestOrigin }): Promise<ImportResult> {
    const target = await this.target(access, collectionName, 'create', options.origin);
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
    const written: Array<{ keys: unknown[]; stored: Row[] | null }> = [];
    let count = 0;
    await this.db.transaction(async (tx) => {
      const write = async (batch: Row[]) => {
        await this.before(target, [], batch);
        const { inserted, stored } = await this.insertBatch(tx, target, batch);
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
    for (const { keys, stored } of written) await this.announce(target, keys, stored);
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

  /** The target of a write (the caller's right to it checked), and the plans of the participants that want it. */
  private async target(access: ItemsAccess, collection: string, action: WriteAction, origin: RequestOrigin): Promise<WriteTarget> {
    const target = await this.targets.write(access, collection, action);
    this.db.noteUnitWrite(collection);
    const intent: WriteIntent = { workspaceId: access.workspace.id, schema: target.schema, collection: target.collection, action, access, principal: access.principal, permissions: target.permissions, origin };
    return { ...target, intent, plans: await this.participants.prepare(intent) };
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

  /** Runs the participants' before steps; a payload one of them may have rewritten is validated again. */
  private async before(target: WriteTarget, keys: unknown[], payloads: Row[]): Promise<void> {
    let changed = false;
    for (const plan of target.plans) if (plan.before && (await plan.before({ ...target.intent, keys, payloads }))) changed = true;
    if (!changed) return;
    const validator = new ItemValidator(target.schema, target.collection);
    payloads.forEach((payload, index) => {
      const checked = target.intent.action === 'create' ? validator.forCreate(payload, payloads.length > 1 ? String(index) : '') : validator.forUpdate(payload, '');
      for (const name of Object.keys(payload)) delete payload[name];
      Object.assign(payload, checked);
    });
  }

  /** A create: on an external table, in one statement with the participants' rows, or in a transaction. */
  private async insert(target: WriteTarget, prepared: Row[]): Promise<{ inserted: Inserted[]; stored: Row[] | null }> {
    if (target.collection.external) {
      const keys = await this.writeExternal(target, prepared, (writes) => writes.insert(prepared), (written) => written.map((key, index) => ({ keys: [key], payload: prepared[index] })));
      return { inserted: keys.map((key) => ({ key, row: null })), stored: null };
    }
    if (this.table.insertsInOneStatement(target, prepared) && joinsOneStatement(target.plans)) {
      const items = prepared.map((values) => {
        const written = target.collection.fields.filter((field) => field.field in values);
        const logs = oneStatementLogs(target.plans, { ...target.intent, dialect: this.dialect, entry: timeOrderedUuid(), written });
        return { values, logs: logs.rows, variant: logs.variant };
      });
      const inserted = items.length === 1 ? [await this.table.insertWithLogs(target, items[0].values, items[0].logs, items[0].variant)] : await this.table.insertManyWithLogs(target, items);
      return { inserted, stored: this.table.decode(target.collection, inserted.map((r) => r.row)) };
    }
    return this.db.transaction((tx) => this.insertBatch(tx, target, prepared));
  }

  /** Inserts validated items inside the caller's transaction, with the grant's filter checked and every participant's rows. */
  private async insertBatch(tx: EntityManager, target: WriteTarget, prepared: Row[]): Promise<{ inserted: Inserted[]; stored: Row[] }> {
    const inserted = await this.table.insert(tx, target, prepared);
    const keys = inserted.map((r) => r.key);
    await this.table.assertWithinGrant(tx, target, keys, 'create');
    const stored = await this.table.storedRows(tx, target, keys, inserted.map((r) => r.row));
    const groups = keys.map((key, index) => ({ keys: [key], payload: prepared[index] }));
    await this.record(tx, target, { keys, groups, payloads: prepared, rows: stored });
    return { inserted, stored };
  }

  /**
   * The plans' steps on an update's locked rows before they change, or nothing when no plan has one
   * (then the update reads nothing more).
   */
  private beforeUpdate(tx: EntityManager, target: WriteTarget): ((groups: unknown[][]) => Promise<void>) | undefined {
    const plans = target.plans.filter((plan) => plan.beforeUpdate);
    if (plans.length === 0) return undefined;
    return async (groups) => {
      const locked: LockedForUpdate = {
        groups,
        rows: (keys) => (keys.length === 0 ? Promise.resolve([]) : this.table.storedRows(tx, target, keys)),
        matching: (keys, filter) => (keys.length === 0 ? Promise.resolve([]) : this.table.keysMatching(tx, target, keys, filter, false)),
      };
      for (const plan of plans) await plan.beforeUpdate!(locked);
    };
  }

  /** Whether any plan of the write reads the stored rows of the change. */
  private needsRows(target: WriteTarget): boolean {
    return target.plans.some((plan) => plan.needsRows);
  }

  private change(tx: EntityManager, target: WriteTarget, written: Written): WrittenChange {
    return {
      ...target.intent,
      ...written,
      entries: written.keys.map(() => timeOrderedUuid()),
      matching: (keys, filter) => this.table.keysMatching(tx, target, keys, filter, false),
    };
  }

  /** Every participant's rows of a change, in their order, in its transaction. */
  private record(tx: EntityManager, target: WriteTarget, written: Written): Promise<void> {
    return this.recordWith(tx, this.change(tx, target, written), target.plans);
  }

  private async recordWith(tx: EntityManager, change: WrittenChange, plans: WritePlan[]): Promise<void> {
    if (change.keys.length === 0) return;
    for (const plan of plans) if (plan.record) await plan.record(tx, change);
  }

  /**
   * A write on a table of an external database: one transaction there, then, after it committed (no
   * transaction spans two databases), the participants' rows in Cairn's own, without the stored rows
   * (they are in the other database). Participants that need the write's own transaction (revisions,
   * flow triggers) do not join such writes: see their `prepare`. Should that second step fail, the
   * change stands and the failure is logged.
   */
  private async writeExternal(target: WriteTarget, payloads: Row[] | undefined, write: (writes: ExternalWrites) => Promise<unknown[]>, groups: (keys: unknown[]) => WrittenGroup[]): Promise<unknown[]> {
    const { access, collection } = target;
    // Cairn's transaction cannot span another database: a rehearsal (a handler's sample run) or a unit of
    // work (a batch, a nested write) refuses a write there, which could not be undone with the rest.
    if (this.db.inAmbient) {
      const why = this.db.rehearsing ? 'a sample run cannot write to it, since that write could not be undone' : 'it cannot be written in one transaction with other writes';
      throw invalidPayload(`"${collection.name}" is a table of the connection "${collection.external!.connection}": ${why}.`);
    }
    const database = await this.external.database(collection.external!);
    const keys = await write(new ExternalWrites(database, target.schema, collection, queryContext(access), target.grant?.filter ?? null));
    if (keys.length === 0) return keys;
    const { action } = target.intent;
    await this.db
      .transaction((tx) => this.record(tx, target, { keys, groups: groups(keys), payloads, rows: null }))
      .catch((error: unknown) => this.logger.error(`A ${action} of ${collection.name} is committed in its external database, but its activity could not be recorded: ${String(error)}`));
    return keys;
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
      // A unit of work's transaction on PostgreSQL runs nothing more once a write of it failed.
      if (this.db.kind === 'postgres' && this.db.inFailedUnit) throw explainPostgresViolation(target.schema, target.collection, named, error) ?? error;
      const { dialect, run } = this.reader.source(target.collection);
      throw (await explainForeignKeyViolation({ schema: target.schema, dialect, run }, target.collection, named)) ?? error;
    }
  }

  /**
   * After commit: the participants' after steps, then the event every instance hears, with the stored
   * rows when they are small. In a unit of work (Database.together), once it has committed; nothing, in a
   * rehearsal (Database.rehearse): its change is rolled back, so nobody may hear of it.
   */
  private announce(target: WriteTarget, keys: unknown[], stored: Row[] | null = null): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.db.afterCommit(() => this.announceNow(target, keys, stored));
  }

  private async announceNow(target: WriteTarget, keys: unknown[], stored: Row[] | null): Promise<void> {
    const { intent } = target;
    for (const plan of target.plans) {
      if (!plan.afterCommit) continue;
      try {
        await plan.afterCommit({ ...intent, keys });
      } catch (error) {
        this.logger.error(`An after-commit step on ${intent.collection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const event: ItemsChanged = {
      workspaceId: intent.workspaceId,
      collection: intent.collection.name,
      action: intent.action satisfies ItemAction,
      keys,
      ...Object.assign({}, ...target.plans.map((plan) => plan.event ?? {})),
      ...(stored && carriedRows(stored, keys) ? { rows: stored } : {}),
    };
    // The change is committed; a bus that is down must not turn it into an error for the client.
    await this.bus.publish(ITEMS_CHANGED, event).catch((error: unknown) => this.logger.warn(`Could not announce a change of ${intent.collection.name}: ${String(error)}`));
  }
}
