import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { invalidPayload } from '../../common/errors/app-error';
import { cairnVersion } from '../../common/version';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { parseFieldInput, toFieldDto } from './field-input';
import { checkCollectionName, checkNewCollectionName, checkFieldName, tableNameFor } from './names';
import { ownCollectionsOnly } from '../connections/external-schema';
import { SchemaMigrationEntity } from './registry.entities';
import { relationShape, RelationsService } from './relations.service';
import { SchemaRegistry } from './schema.registry';
import { assertFieldChangeAllowed, SchemaChangeContext, SchemaService } from './schema.service';
import type { CollectionDef, FieldDef, OnDelete, WorkspaceSchema } from './schema.types';
import { systemFields } from './system-fields';

type Raw = Record<string, unknown>;

export interface CollectionSnapshot {
  collection: string;
  primary_key: 'integer' | 'uuid';
  note: string | null;
  /** User fields only: system fields are the same on every collection. */
  fields: Raw[];
}

export interface RelationSnapshot {
  collection: string;
  field: string;
  related_collection: string;
  on_delete: OnDelete;
  one_field: string | null;
  junction: { other_field: string; alias: string | null } | null;
}

/** A workspace's schema as one portable JSON document. */
export interface SchemaSnapshot {
  version: 1;
  cairn: string;
  collections: CollectionSnapshot[];
  relations: RelationSnapshot[];
}

/** One step of a plan that turns a workspace's schema into a snapshot's. */
export type SchemaOperation =
  | { action: 'delete_relation'; collection: string; field: string }
  | { action: 'delete_field'; collection: string; field: string }
  | { action: 'delete_collection'; collection: string }
  | { action: 'create_collection'; collection: string; primary_key: 'integer' | 'uuid'; note: string | null; fields: Raw[] }
  | { action: 'update_collection'; collection: string; note: string | null }
  | { action: 'create_field'; collection: string; field: Raw }
  | { action: 'update_field'; collection: string; field: string; to: Raw }
  | { action: 'create_relation'; relation: RelationSnapshot };

function userFieldDtos(collection: CollectionDef): Raw[] {
  return collection.fields.filter((field) => !field.system).map((field) => {
    const { collection: _collection, system: _system, primary_key: _primaryKey, ...rest } = toFieldDto(collection.name, field);
    return rest;
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Snapshots, diffs and applies: a schema change is a diff turned into steps, all run in one schema
 * change (one transaction where the database allows DDL in one), so a plan applies whole or not at all.
 */
@Injectable()
export class SnapshotService {
  constructor(
    private readonly schemas: SchemaService,
    private readonly relations: RelationsService,
    private readonly registry: SchemaRegistry,
    @InjectRepository(SchemaMigrationEntity) private readonly migrations: Repository<SchemaMigrationEntity>,
  ) {}

  snapshot(schema: WorkspaceSchema): SchemaSnapshot {
    // Tables of external connections are not part of the workspace's own schema, to copy or apply.
    schema = ownCollectionsOnly(schema);
    const collections = [...schema.collections.values()].sort((a, b) => a.name.localeCompare(b.name));
    return {
      version: 1,
      cairn: cairnVersion(),
      collections: collections.map((collection) => ({ collection: collection.name, primary_key: collection.primaryKey, note: collection.note, fields: userFieldDtos(collection) })),
      relations: schema.relations.map(relationShape).sort((a, b) => `${a.collection}.${a.field}`.localeCompare(`${b.collection}.${b.field}`)),
    };
  }

  /** The steps from the workspace's schema to the snapshot's, in the order they must run. */
  diff(current: WorkspaceSchema, target: SchemaSnapshot): SchemaOperation[] {
    const now = this.snapshot(current);
    const plan: SchemaOperation[] = [];
    const key = (r: RelationSnapshot) => `${r.collection}.${r.field}`;
    const targetRelations = new Map(target.relations.map((r) => [key(r), r]));
    const currentRelations = new Map(now.relations.map((r) => [key(r), r]));
    const targetCollections = new Map(target.collections.map((c) => [c.collection, c]));

    for (const relation of now.relations) {
      const wanted = targetRelations.get(key(relation));
      if (!wanted || !same(wanted, relation)) plan.push({ action: 'delete_relation', collection: relation.collection, field: relation.field });
    }
    for (const collection of now.collections) {
      const wanted = targetCollections.get(collection.collection);
      if (!wanted) continue;
      const wantedFields = new Set(wanted.fields.map((f) => f.field));
      for (const field of collection.fields) if (!wantedFields.has(field.field)) plan.push({ action: 'delete_field', collection: collection.collection, field: String(field.field) });
    }
    for (const collection of now.collections) {
      if (!targetCollections.has(collection.collection)) plan.push({ action: 'delete_collection', collection: collection.collection });
    }
    for (const wanted of target.collections) {
      const existing = now.collections.find((c) => c.collection === wanted.collection);
      if (!existing) {
        plan.push({ action: 'create_collection', collection: wanted.collection, primary_key: wanted.primary_key, note: wanted.note, fields: wanted.fields });
        continue;
      }
      if (existing.primary_key !== wanted.primary_key) {
        throw invalidPayload(`The snapshot gives "${wanted.collection}" a ${wanted.primary_key} primary key; a collection's primary key cannot change.`, 'snapshot');
      }
      if ((existing.note ?? null) !== (wanted.note ?? null)) plan.push({ action: 'update_collection', collection: wanted.collection, note: wanted.note ?? null });
      for (const field of wanted.fields) {
        const present = existing.fields.find((f) => f.field === field.field);
        if (!present) plan.push({ action: 'create_field', collection: wanted.collection, field });
        else if (!same(present, field)) plan.push({ action: 'update_field', collection: wanted.collection, field: String(field.field), to: field });
      }
    }
    for (const relation of target.relations) {
      const existing = currentRelations.get(key(relation));
      if (!existing || !same(existing, relation)) plan.push({ action: 'create_relation', relation });
    }
    return plan;
  }

  async apply(access: WorkspaceAccess, target: SchemaSnapshot, options: { dryRun: boolean; force: boolean }): Promise<SchemaOperation[]> {
    const current = await this.registry.forWorkspace(access.workspace);
    const plan = this.diff(current, target);
    this.assertApplicable(current, plan, options.force);
    if (options.dryRun || plan.length === 0) return plan;
    await this.schemas.change(access, 'apply_snapshot', { operations: plan }, async (context) => {
      for (const operation of plan) {
        await this.run(context, operation, options.force);
        context.schema = await this.registry.load(context.manager, context.workspaceId);
      }
    });
    return plan;
  }

  /** Checks the field changes of a plan up front: MySQL cannot roll back DDL that already ran. */
  private assertApplicable(current: WorkspaceSchema, plan: SchemaOperation[], force: boolean): void {
    for (const operation of plan) {
      if (operation.action !== 'update_field') continue;
      const collection = this.schemas.requireCollection(current, operation.collection);
      const field = collection.fields.find((f) => f.field === operation.field)!;
      assertFieldChangeAllowed(current, operation.collection, field, parseFieldInput(operation.to, `snapshot.${operation.collection}`), force);
    }
  }

  async history(access: WorkspaceAccess): Promise<Raw[]> {
    const rows = await this.migrations.find({ where: { workspaceId: access.workspace.id }, order: { version: 'ASC' } });
    return rows.map((row) => ({
      version: row.version,
      action: row.action,
      detail: JSON.parse(row.detail) as unknown,
      actor_type: row.actorType,
      actor_id: row.actorId,
      created_at: row.createdAt.toISOString(),
    }));
  }

  private async run(context: SchemaChangeContext, operation: SchemaOperation, force: boolean): Promise<void> {
    switch (operation.action) {
      case 'delete_relation':
        return this.relations.unlinkIn(context, operation.collection, operation.field);
      case 'delete_field':
        return this.schemas.deleteFieldIn(context, operation.collection, operation.field);
      case 'delete_collection':
        return this.schemas.deleteCollectionIn(context, operation.collection);
      case 'create_collection': {
        const fields = operation.fields.map((field, index) => parseFieldInput(field, `snapshot.${operation.collection}.fields.${index}`));
        const collection: CollectionDef = {
          name: operation.collection,
          table: tableNameFor(context.workspaceId, operation.collection),
          primaryKey: operation.primary_key,
          note: operation.note,
          fields: [...systemFields(operation.primary_key), ...fields],
        };
        return this.schemas.createCollectionIn(context, collection);
      }
      case 'update_collection':
        await context.manager.createQueryBuilder().update('cairn_collections').set({ note: operation.note }).where('workspace_id = :ws AND name = :name', { ws: context.workspaceId, name: operation.collection }).execute();
        return;
      case 'create_field':
        return this.schemas.addFieldIn(context, operation.collection, parseFieldInput(operation.field, `snapshot.${operation.collection}`));
      case 'update_field':
        return this.schemas.updateFieldIn(context, operation.collection, operation.field, parseFieldInput(operation.to, `snapshot.${operation.collection}`), force);
      case 'create_relation': {
        const r = operation.relation;
        await this.relations.linkIn(context, {
          collection: r.collection,
          field: r.field,
          relatedCollection: r.related_collection,
          onDelete: r.on_delete,
          oneField: r.one_field,
          junction: r.junction ? { otherField: r.junction.other_field, alias: r.junction.alias } : null,
        });
        return;
      }
    }
  }
}

/** Reads and checks a snapshot from a request body; names are checked again when it is applied. */
export function parseSnapshot(raw: unknown): SchemaSnapshot {
  const fail = (message: string) => invalidPayload(`Invalid payload: ${message}`, 'snapshot');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail('snapshot must be an object.');
  const snapshot = raw as Raw;
  if (snapshot.version !== 1) throw fail('snapshot.version must be 1.');
  if (!Array.isArray(snapshot.collections) || !Array.isArray(snapshot.relations)) throw fail('snapshot needs "collections" and "relations" lists.');
  const collections = snapshot.collections.map((entry, index): CollectionSnapshot => {
    if (typeof entry !== 'object' || entry === null) throw fail(`collections.${index} must be an object.`);
    const c = entry as Raw;
    const name = checkNewCollectionName(c.collection, `snapshot.collections.${index}.collection`);
    if (c.primary_key !== 'integer' && c.primary_key !== 'uuid') throw fail(`collections.${index}.primary_key must be "integer" or "uuid".`);
    if (!Array.isArray(c.fields)) throw fail(`collections.${index}.fields must be a list.`);
    const fields = (c.fields as unknown[]).map((field, fieldIndex): Raw => {
      const parsed: FieldDef = parseFieldInput(field, `snapshot.collections.${index}.fields.${fieldIndex}`);
      const { collection: _c, system: _s, primary_key: _p, ...rest } = toFieldDto(name, parsed);
      return rest;
    });
    return { collection: name, primary_key: c.primary_key, note: typeof c.note === 'string' ? c.note : null, fields };
  });
  const relations = snapshot.relations.map((entry, index): RelationSnapshot => {
    if (typeof entry !== 'object' || entry === null) throw fail(`relations.${index} must be an object.`);
    const r = entry as Raw;
    const junction = r.junction as Raw | null | undefined;
    const onDelete = (r.on_delete ?? 'SET NULL') as OnDelete;
    if (!['SET NULL', 'CASCADE', 'RESTRICT'].includes(onDelete)) throw fail(`relations.${index}.on_delete is invalid.`);
    return {
      collection: checkCollectionName(r.collection, `snapshot.relations.${index}.collection`),
      field: checkFieldName(r.field, `snapshot.relations.${index}.field`),
      related_collection: checkCollectionName(r.related_collection, `snapshot.relations.${index}.related_collection`),
      on_delete: onDelete,
      one_field: r.one_field === null || r.one_field === undefined ? null : checkFieldName(r.one_field, `snapshot.relations.${index}.one_field`),
      junction: junction
        ? { other_field: checkFieldName(junction.other_field, `snapshot.relations.${index}.junction.other_field`), alias: junction.alias === null || junction.alias === undefined ? null : checkFieldName(junction.alias, `snapshot.relations.${index}.junction.alias`) }
        : null,
    };
  });
  return { version: 1, cairn: typeof snapshot.cairn === 'string' ? snapshot.cairn : 'unknown', collections, relations };
}
