import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { conflict, forbidden, invalidPayload, notFound } from '../../common/errors/app-error';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspaceAccess, WorkspacesService } from '../workspaces/workspaces.service';
import { fieldType } from './field-types';
import { isFileField } from './file-fields';
import { findFilesField } from './files-fields';
import { withoutRelationTargets } from './relation-targets';
import { addFileKey, assertFileFieldChange } from './file-fields.ddl';
import { parseFieldInput, toFieldDto } from './field-input';
import { checkNewCollectionName, tableNameFor } from './names';
import { dropIndexesOfField, indexesOf, renameIndexedField } from './composite-indexes';
import { CollectionEntity, FieldEntity, IndexEntity, RelationEntity, SchemaMigrationEntity } from './registry.entities';
import { SchemaDdl } from './schema.ddl';
import { findField, findRelationalField } from './schema.lookup';
import { SchemaRegistry, StoredFieldOptions } from './schema.registry';
import { assertRemovable, relationDependants, schemaWithout } from './schema-removal';
import type { CollectionDef, FieldDef, WorkspaceSchema } from './schema.types';
import { Dependant, SchemaRemoval, SnapshotParticipant, SnapshotParticipants } from './snapshot-participant';
import { actorId } from '../../common/principal/principal';
import { systemFields } from './system-fields';

type Raw = Record<string, unknown>;

/** What a schema change works with: the transaction, the DDL runner and the schema as it stands. */
export interface SchemaChangeContext {
  manager: EntityManager;
  ddl: SchemaDdl;
  schema: WorkspaceSchema;
  workspaceId: string;
}

/**
 * How a deletion treats what depends on what it deletes: refused (409) unless `force`; `relations`
 * says whether dropped relations count (a schema apply plans those itself), `sections` which
 * participants are asked (an apply that sets a section whole checks it against the new schema instead).
 */
export interface RemovalOptions {
  force: boolean;
  relations: boolean;
  sections: readonly SnapshotParticipant[];
}

/** What a deletion would lose: the collection's rows (null for a field), and what would break. */
export interface RemovalImpact {
  rows: number | null;
  dependants: Dependant[];
}

const COLLECTION_KEYS = new Set(['collection', 'primary_key', 'fields', 'note']);
const MAX_FIELDS = 500;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Refuses a change that names a table of an external connection: Cairn serves those tables and never
 * runs DDL for them (their DDL would not even reach their database, only Cairn's own).
 */
function refuseExternalCollections(schema: WorkspaceSchema, detail: Raw): void {
  for (const name of [detail.collection, detail.related_collection]) {
    const external = typeof name === 'string' ? schema.collections.get(name)?.external : undefined;
    if (external) throw forbidden(`"${String(name)}" is a table of the external connection "${external.connection}": Cairn never changes the schema of an external database.`);
  }
}

/** Collections and fields: each change is a diff turned into DDL, in one transaction with the registry. */
@Injectable()
export class SchemaService {
  constructor(
    private readonly db: Database,
    private readonly registry: SchemaRegistry,
    private readonly workspaces: WorkspacesService,
    private readonly participants: SnapshotParticipants,
  ) {}

  /** The workspace's schema as its schema routes show it: its own and external collections, without the tables its fields relate to (files, people). */
  async schemaOf(access: WorkspaceAccess): Promise<WorkspaceSchema> {
    return withoutRelationTargets(await this.registry.forWorkspace(access.workspace));
  }

  /**
   * Runs a schema change: locks the workspace's schema, applies `work`, bumps the schema version, logs
   * the change, commits, then tells every instance.
   */
  async change<T>(access: WorkspaceAccess, action: string, detail: Raw, work: (context: SchemaChangeContext) => Promise<T>): Promise<T> {
    const workspaceId = access.workspace.id;
    refuseExternalCollections(await this.registry.forWorkspace(access.workspace), detail);
    const outcome = await this.db.schemaChange(async (manager) => {
      const workspaces = manager.getRepository(WorkspaceEntity);
      // Serializes schema changes of one workspace across instances (SQLite's writers already take turns).
      const locked = await this.db.forUpdate(workspaces.createQueryBuilder('w')).where('w.id = :id', { id: workspaceId }).getOne();
      if (!locked) throw notFound('Workspace not found.');
      const schema = await this.registry.load(manager, workspaceId);
      const value = await work({ manager, ddl: await SchemaDdl.create(manager.queryRunner!, this.db.kind), schema, workspaceId });
      const version = locked.schemaVersion + 1;
      await workspaces.update({ id: workspaceId }, { schemaVersion: version });
      await manager.getRepository(SchemaMigrationEntity).insert({
        id: randomUUID(),
        workspaceId,
        version,
        action,
        detail: JSON.stringify(detail),
        actorType: access.principal.kind,
        actorId: actorId(access.principal),
        createdAt: new Date(),
      });
      return { value, version };
    });
    await Promise.all([this.registry.announce(workspaceId, outcome.version), this.workspaces.evictWorkspace(access.workspace)]);
    return outcome.value;
  }

  // ----- collections -----

  async createCollection(access: WorkspaceAccess, body: Raw): Promise<CollectionDef> {
    for (const key of Object.keys(body)) if (!COLLECTION_KEYS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a collection option.`, key);
    const name = checkNewCollectionName(body.collection);
    const primaryKey = body.primary_key ?? 'integer';
    if (primaryKey !== 'integer' && primaryKey !== 'uuid') throw invalidPayload('Invalid payload: primary_key must be "integer" or "uuid".', 'primary_key');
    if (body.note !== undefined && body.note !== null && typeof body.note !== 'string') throw invalidPayload('Invalid payload: note must be a string.', 'note');
    const rawFields = body.fields ?? [];
    if (!Array.isArray(rawFields) || rawFields.length > MAX_FIELDS) throw invalidPayload(`Invalid payload: fields must be a list of at most ${MAX_FIELDS} fields.`, 'fields');
    const fields = rawFields.map((raw, index) => parseFieldInput(raw, `fields.${index}`));
    const duplicate = fields.find((field, index) => fields.findIndex((other) => other.field === field.field) !== index);
    if (duplicate) throw invalidPayload(`Invalid payload: the field "${duplicate.field}" is listed twice.`, 'fields');

    const collection: CollectionDef = {
      name,
      table: tableNameFor(access.workspace.id, name),
      primaryKey,
      note: (body.note as string | undefined) ?? null,
      fields: [...systemFields(primaryKey), ...fields],
    };
    return this.change(access, 'create_collection', { collection: name, primary_key: primaryKey, fields: fields.map((f) => toFieldDto(name, f)) }, async (context) => {
      await this.createCollectionIn(context, collection);
      return collection;
    });
  }

  async createCollectionIn({ manager, ddl, schema, workspaceId }: SchemaChangeContext, collection: CollectionDef): Promise<void> {
    if (schema.collections.has(collection.name)) throw conflict(`A collection named "${collection.name}" already exists.`, { field: 'collection' });
    // DDL before the registry rows: MySQL commits before each DDL statement, so a failed statement
    // must not leave rows for a table that does not exist.
    await ddl.createTable(collection);
    for (const field of collection.fields.filter(isFileField)) await addFileKey({ ddl, manager }, collection.table, field);
    await this.insertCollectionRows(manager, workspaceId, collection);
  }

  /** Registry rows for a new collection and its fields (also used by relations for junctions). */
  async insertCollectionRows(manager: EntityManager, workspaceId: string, collection: CollectionDef): Promise<void> {
    const now = new Date();
    await manager.getRepository(CollectionEntity).insert({
      id: randomUUID(),
      workspaceId,
      name: collection.name,
      tableName: collection.table,
      primaryKey: collection.primaryKey,
      note: collection.note,
      createdAt: now,
      updatedAt: now,
    });
    const userFields = collection.fields.filter((field) => !field.system);
    for (const [index, field] of userFields.entries()) await this.insertFieldRow(manager, workspaceId, collection.name, field, index);
  }

  async updateCollection(access: WorkspaceAccess, name: string, body: Raw): Promise<CollectionDef> {
    for (const key of Object.keys(body)) if (key !== 'note') throw invalidPayload(`Invalid payload: only "note" of a collection can be changed; "${key}" cannot.`, key);
    if (body.note !== null && body.note !== undefined && typeof body.note !== 'string') throw invalidPayload('Invalid payload: note must be a string.', 'note');
    return this.change(access, 'update_collection', { collection: name, note: body.note ?? null }, async ({ manager, schema }) => {
      const collection = this.requireCollection(schema, name);
      await manager.getRepository(CollectionEntity).update({ workspaceId: access.workspace.id, name }, { note: (body.note as string | null) ?? null, updatedAt: new Date() });
      return { ...collection, note: (body.note as string | null) ?? null };
    });
  }

  /**
   * Drops a collection's table, its fields and every relation to or from it. One that holds rows, or
   * that relations, policies, views, flows, webhooks or handlers depend on, is refused (409) unless forced.
   */
  async deleteCollection(access: WorkspaceAccess, name: string, force: boolean): Promise<void> {
    const options = { force, relations: true, sections: this.participants.all() };
    await this.change(access, 'delete_collection', { collection: name, force }, (context) => this.deleteCollectionIn(context, name, options));
    await this.participants.changed(access.workspace.id);
  }

  async deleteCollectionIn(context: SchemaChangeContext, name: string, options: RemovalOptions): Promise<void> {
    const { manager, ddl, schema, workspaceId } = context;
    const collection = this.requireCollection(schema, name);
    const removal = this.removal(schema, name, null);
    assertRemovable(name, null, await this.removalImpact(manager, removal, options), options.force);
    const incoming = schema.relations.filter((r) => r.relatedCollection === name && r.collection !== name);
    for (const relation of incoming) await ddl.dropForeignKey(this.requireCollection(schema, relation.collection).table, relation.field);
    await ddl.dropTable(collection.table);
    const relations = manager.getRepository(RelationEntity);
    for (const relation of incoming) {
      await relations.delete({ id: relation.id });
      // The pair of a junction relation loses its alias: the other side of the many-to-many is gone.
      if (relation.junction) {
        await relations.update({ workspaceId, collection: relation.collection, field: relation.junction.otherField }, { junction: null });
      }
    }
    await relations.delete({ workspaceId, collection: name });
    await manager.getRepository(IndexEntity).delete({ workspaceId, collection: name });
    await manager.getRepository(FieldEntity).delete({ workspaceId, collection: name });
    await manager.getRepository(CollectionEntity).delete({ workspaceId, name });
    await manager.createQueryBuilder().delete().from('cairn_autocode_counters').where('workspace_id = :workspaceId AND collection = :name', { workspaceId, name }).execute();
    for (const section of options.sections) await section.release(manager, removal);
  }

  /** A collection (field null) or a field about to be deleted, with the schema without it. */
  removal(schema: WorkspaceSchema, collection: string, field: string | null): SchemaRemoval {
    return { workspaceId: schema.workspaceId, collection, field, before: schema, after: schemaWithout(schema, collection, field) };
  }

  /** What deleting the collection or field would lose: its rows, its relations, and the participants' entries that need it. */
  async removalImpact(manager: EntityManager, removal: SchemaRemoval, options: Omit<RemovalOptions, 'force'>): Promise<RemovalImpact> {
    const dependants = options.relations ? relationDependants(removal.before, removal.collection, removal.field) : [];
    for (const section of options.sections) dependants.push(...(await section.dependants(manager, removal)));
    return { rows: removal.field === null ? await this.countRows(manager, this.requireCollection(removal.before, removal.collection).table) : null, dependants };
  }

  private async countRows(manager: EntityManager, table: string): Promise<number> {
    const [row] = (await manager.query(`SELECT COUNT(*) AS n FROM ${manager.connection.driver.escape(table)}`)) as Array<{ n: number | string }>;
    return Number(row.n);
  }

  /** How many rows hold a value (not null) in the field: what deleting or narrowing it could lose. */
  async countValues(manager: EntityManager, schema: WorkspaceSchema, collection: string, field: string): Promise<number> {
    const escape = (name: string) => manager.connection.driver.escape(name);
    const table = this.requireCollection(schema, collection).table;
    const [row] = (await manager.query(`SELECT COUNT(${escape(field)}) AS n FROM ${escape(table)}`)) as Array<{ n: number | string }>;
    return Number(row.n);
  }

  // ----- fields -----

  async addField(access: WorkspaceAccess, collectionName: string, body: unknown): Promise<FieldDef> {
    const field = parseFieldInput(body, 'field');
    return this.change(access, 'create_field', toFieldDto(collectionName, field), async (context) => {
      await this.addFieldIn(context, collectionName, field);
      return field;
    });
  }

  async addFieldIn({ manager, ddl, schema, workspaceId }: SchemaChangeContext, collectionName: string, field: FieldDef): Promise<void> {
    const collection = this.requireCollection(schema, collectionName);
    if (findField(collection, field.field) || findRelationalField(schema, collectionName, field.field)) {
      throw conflict(`The collection "${collectionName}" already has a field "${field.field}".`, { field: 'field' });
    }
    await ddl.addColumn(collection.table, field);
    if (isFileField(field)) await addFileKey({ ddl, manager }, collection.table, field);
    await this.insertFieldRow(manager, workspaceId, collectionName, field, collection.fields.length);
    if (field.defaultValue !== null) await this.backfill(manager, collection.table, field);
  }

  /**
   * Changes a field: rename, retype, length, unique/index, default, validation, note. A change that
   * could lose data (a narrowing retype or a shorter length) is refused with 409 unless forced.
   */
  async updateField(access: WorkspaceAccess, collectionName: string, fieldName: string, body: unknown, force: boolean): Promise<FieldDef> {
    if (!isObject(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
    return this.change(access, 'update_field', { collection: collectionName, field: fieldName, changes: body, force }, async (context) => {
      const current = this.requireUserField(this.requireCollection(context.schema, collectionName), fieldName);
      const { collection: _c, system: _s, primary_key: _p, ...currentOptions } = toFieldDto(collectionName, current);
      const next = parseFieldInput({ ...currentOptions, ...body }, 'field');
      await this.updateFieldIn(context, collectionName, fieldName, next, force);
      return next;
    });
  }

  /** Makes a field what `next` describes, renaming and retyping its column where needed. */
  async updateFieldIn(context: SchemaChangeContext, collectionName: string, fieldName: string, next: FieldDef, force: boolean): Promise<void> {
    const { manager, ddl, schema, workspaceId } = context;
    const collection = this.requireCollection(schema, collectionName);
    const current = this.requireUserField(collection, fieldName);
    const renamed = next.field !== current.field;
    assertFieldChangeAllowed(schema, collectionName, current, next, force);

    if (renamed) {
      await ddl.renameColumn(collection.table, current.field, next.field);
      await renameIndexedField(context, collectionName, current.field, next.field);
      await manager.createQueryBuilder().update('cairn_autocode_counters').set({ field: next.field }).where('workspace_id = :workspaceId AND collection = :collectionName AND field = :fieldName', { workspaceId, collectionName, fieldName }).execute();
    }
    const renamedCurrent = { ...current, field: next.field };
    if (needsRetype(current, next)) {
      try {
        await ddl.changeType(collection.table, renamedCurrent, next);
      } catch {
        throw conflict(`The existing values of "${fieldName}" cannot be converted to ${next.type}.`, { field: fieldName });
      }
    }
    if (current.unique !== next.unique || current.index !== next.index) await ddl.syncIndices(collection.table, next);
    await manager.getRepository(FieldEntity).update({ workspaceId, collection: collectionName, field: fieldName }, { field: next.field, type: next.type, options: JSON.stringify(storedOptions(next)), updatedAt: new Date() });
  }

  /**
   * Drops a field's column, with its foreign key and relation if it is a many-to-one key. A field that a
   * relation, policy, view or flow depends on is refused (409) unless forced.
   */
  async deleteField(access: WorkspaceAccess, collectionName: string, fieldName: string, force: boolean): Promise<void> {
    const options = { force, relations: true, sections: this.participants.all() };
    await this.change(access, 'delete_field', { collection: collectionName, field: fieldName, force }, (context) => this.deleteFieldIn(context, collectionName, fieldName, options));
    await this.participants.changed(access.workspace.id);
  }

  async deleteFieldIn(context: SchemaChangeContext, collectionName: string, fieldName: string, options: RemovalOptions): Promise<void> {
    const { manager, ddl, schema, workspaceId } = context;
    const collection = this.requireCollection(schema, collectionName);
    this.requireUserField(collection, fieldName);
    const removal = this.removal(schema, collectionName, fieldName);
    assertRemovable(collectionName, fieldName, await this.removalImpact(manager, removal, options), options.force);
    const relation = schema.relations.find((r) => r.collection === collectionName && r.field === fieldName);
    if (relation || isFileField(findField(collection, fieldName)!)) await ddl.dropForeignKey(collection.table, fieldName);
    // The composite indexes that use the field go with it, as PostgreSQL itself would drop them.
    await dropIndexesOfField(context, collection, fieldName);
    await ddl.dropColumn(collection.table, fieldName);
    if (relation) {
      const relations = manager.getRepository(RelationEntity);
      await relations.delete({ id: relation.id });
      // The pair of a junction relation is no longer half of a many-to-many.
      if (relation.junction) await relations.update({ workspaceId, collection: collectionName, field: relation.junction.otherField }, { junction: null });
    }
    await manager.getRepository(FieldEntity).delete({ workspaceId, collection: collectionName, field: fieldName });
    await manager.createQueryBuilder().delete().from('cairn_autocode_counters').where('workspace_id = :workspaceId AND collection = :collectionName AND field = :fieldName', { workspaceId, collectionName, fieldName }).execute();
    for (const section of options.sections) await section.release(manager, removal);
  }

  /**
   * Drops a `files` field: its junction collection goes whole, with the links it holds (as a field's
   * values go with its column, they need no force), refused (409) unless forced only when a policy,
   * view or flow depends on the junction.
   */
  async deleteFilesField(access: WorkspaceAccess, collectionName: string, fieldName: string, force: boolean): Promise<void> {
    const sections = this.participants.all();
    await this.change(access, 'delete_files_field', { collection: collectionName, field: fieldName, force }, async (context) => {
      const found = findFilesField(context.schema, collectionName, fieldName);
      if (!found) throw notFound(`Field "${fieldName}" not found in "${collectionName}".`);
      const removal = this.removal(context.schema, found.junction.name, null);
      const impact = await this.removalImpact(context.manager, removal, { relations: false, sections });
      assertRemovable(collectionName, fieldName, { rows: null, dependants: impact.dependants }, force);
      await this.deleteCollectionIn(context, found.junction.name, { force: true, relations: false, sections });
    });
    await this.participants.changed(access.workspace.id);
  }

  async insertFieldRow(manager: EntityManager, workspaceId: string, collection: string, field: FieldDef, sort: number): Promise<void> {
    const now = new Date();
    await manager.getRepository(FieldEntity).insert({
      id: randomUUID(),
      workspaceId,
      collection,
      field: field.field,
      type: field.type,
      options: JSON.stringify(storedOptions(field)),
      sort,
      createdAt: now,
      updatedAt: now,
    });
    if (field.type === 'autocode') {
      await manager.createQueryBuilder().insert().into('cairn_autocode_counters').values({ workspace_id: workspaceId, collection, field: field.field, last_value: 0 }).execute();
    }
  }

  requireCollection(schema: WorkspaceSchema, name: string): CollectionDef {
    const collection = schema.collections.get(name);
    if (!collection) throw notFound(`Collection "${name}" not found.`);
    return collection;
  }

  private requireUserField(collection: CollectionDef, name: string): FieldDef {
    const field = findField(collection, name);
    if (!field) throw notFound(`Field "${name}" not found in "${collection.name}".`);
    if (field.system) throw conflict(`"${name}" is a system field and cannot be changed.`, { field: name });
    return field;
  }

  /** Gives existing rows a new field's default (never null here), with the value as a parameter. */
  private async backfill(manager: EntityManager, table: string, field: FieldDef): Promise<void> {
    const quote = (name: string) => manager.connection.driver.escape(name);
    const placeholder = this.db.kind === 'postgres' ? '$1' : '?';
    await manager.query(`UPDATE ${quote(table)} SET ${quote(field.field)} = ${placeholder} WHERE ${quote(field.field)} IS NULL`, [fieldType(field.type).codec.toDatabase(field.defaultValue, field, this.db.kind)]);
  }

  /** Removes fields no longer wanted from the registry only (their columns are dropped by the caller). */
  async forgetFields(manager: EntityManager, workspaceId: string, collection: string, fields: string[]): Promise<void> {
    if (fields.length > 0) await manager.getRepository(FieldEntity).delete({ workspaceId, collection, field: In(fields) });
  }
}

export function storedOptions(field: FieldDef): StoredFieldOptions {
  const { field: _name, type: _type, system: _system, primaryKey: _primaryKey, ...options } = field;
  return options;
}

function needsRetype(current: FieldDef, next: FieldDef): boolean {
  const before = fieldType(current.type).column(current, 'postgres');
  const after = fieldType(next.type).column(next, 'postgres');
  return before.type !== after.type || before.length !== after.length || before.precision !== after.precision || before.scale !== after.scale;
}

/**
 * Refuses a field change that cannot be made: renaming or retyping a relation's key, a name already
 * taken, or a change that could lose data without `force`. Schema apply checks a whole plan with it
 * before running any DDL, since MySQL cannot roll DDL back.
 */
export function assertFieldChangeAllowed(schema: WorkspaceSchema, collectionName: string, current: FieldDef, next: FieldDef, force: boolean): void {
  const renamed = next.field !== current.field;
  assertFileFieldChange(current, next);
  if ((renamed || next.type !== current.type) && findRelationalField(schema, collectionName, current.field)) {
    throw conflict(`"${current.field}" is part of a relation; remove the relation before renaming or retyping it.`, { field: 'field' });
  }
  const collection = schema.collections.get(collectionName)!;
  if (renamed && (findField(collection, next.field) || findRelationalField(schema, collectionName, next.field))) {
    throw conflict(`The collection "${collectionName}" already has a field "${next.field}".`, { field: 'field' });
  }
  const indexed = indexesOf(schema, collectionName).find((index) => index.fields.some((column) => column.field === current.field));
  if (indexed && (next.type === 'text' || next.type === 'json') && next.type !== current.type) {
    throw conflict(`"${current.field}" is part of the index "${indexed.name}", and a ${next.type} field cannot be indexed; delete the index first.`, { field: 'type' });
  }
  const loss = dataLoss(current, next);
  if (loss && !force) throw conflict(`Changing "${current.field}" ${loss}; force it (?force=true on the field, "force": true in a schema apply) to change it anyway.`, { field: current.field });
}

/** Why a change of field could lose data, or null when it cannot. */
export function dataLoss(current: FieldDef, next: FieldDef): string | null {
  if (current.type !== next.type) {
    return fieldType(current.type).widensTo.includes(next.type) ? null : `from ${current.type} to ${next.type} could lose data`;
  }
  if (current.length !== null && next.length !== null && next.length < current.length) return `to a shorter length could cut values`;
  if (current.precision !== null && next.precision !== null && (next.precision < current.precision || (next.scale ?? 0) < (current.scale ?? 0))) {
    return 'to a smaller precision or scale could round or refuse values';
  }
  return null;
}
