import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { conflict, invalidPayload } from '../../common/errors/app-error';
import { cairnVersion } from '../../common/version';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { assertNewIndex, indexFieldList, parseIndexFieldList, parseIndexInput } from './composite-indexes';
import { ownCollectionsOnly } from './external-collections';
import { parseFieldInput, toFieldDto } from './field-input';
import { IndexesService } from './indexes.service';
import { checkCollectionName, checkNewCollectionName, checkFieldName, tableNameFor } from './names';
import { SchemaMigrationEntity } from './registry.entities';
import { relationShape, RelationsService } from './relations.service';
import { SchemaRegistry } from './schema.registry';
import { assertRemovable } from './schema-removal';
import { assertFieldChangeAllowed, RemovalOptions, SchemaChangeContext, SchemaService } from './schema.service';
import type { CollectionDef, FieldDef, IndexDef, OnDelete, RelationDef, WorkspaceSchema } from './schema.types';
import { checkingEntry, SectionStep, SnapshotParticipant, SnapshotParticipants } from './snapshot-participant';
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

/** A composite index in a snapshot: the API's shape with its collection. */
export interface IndexSnapshot {
  collection: string;
  name: string;
  fields: string[];
  unique: boolean;
}

/** The schema part of a snapshot; its other sections (roles, policies, …) are keyed by their name beside it. */
export interface SchemaSnapshot {
  version: 2;
  cairn: string;
  collections: CollectionSnapshot[];
  relations: RelationSnapshot[];
  indexes: IndexSnapshot[];
}

/**
 * A snapshot as read from a request: its schema, and the sections it gives (a section left out is left
 * alone). `indexes` is null when the snapshot has none (one made before composite indexes existed):
 * the workspace's indexes are then left alone too, but for those whose collection or field goes.
 */
export interface ParsedSnapshot extends Omit<SchemaSnapshot, 'version' | 'indexes'> {
  version: 1 | 2;
  indexes: IndexSnapshot[] | null;
  sections: Map<string, unknown[]>;
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
  | { action: 'create_relation'; relation: RelationSnapshot }
  | { action: 'delete_index'; collection: string; name: string }
  | { action: 'create_index'; collection: string; index: Omit<IndexSnapshot, 'collection'> };

/** A step of a plan as the API shows it: a schema step, or `create_policy`, `delete_view`, … naming its entry. */
export type PlannedStep = SchemaOperation | ({ action: string } & Raw);

/** What a plan does to one participant's section. */
interface SectionPlan {
  participant: SnapshotParticipant;
  steps: SectionStep<unknown>[];
}

/** A whole plan: the schema's steps and each section's, and the participants the snapshot leaves alone. */
interface Plan {
  schema: SchemaOperation[];
  sections: SectionPlan[];
  untouched: SnapshotParticipant[];
}

function userFieldDtos(collection: CollectionDef): Raw[] {
  return collection.fields.filter((field) => !field.system).map((field) => {
    const { collection: _collection, system: _system, primary_key: _primaryKey, ...rest } = toFieldDto(collection.name, field);
    return rest;
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A section step as the API shows it: `{"action": "create_policy", "policy": "public read posts", "definition": {…}}`. */
function shown(participant: SnapshotParticipant, step: SectionStep<unknown>): PlannedStep {
  return { action: `${step.kind}_${participant.entryName}`, [participant.entryName]: step.key, ...(step.kind === 'delete' ? {} : { definition: step.entry }) };
}

/**
 * Snapshots, diffs and applies: a workspace's schema and its setup (the sections of the snapshot
 * participants: roles, policies, handlers, flows, webhooks, views) as one document, and the steps that
 * make a workspace match one, all run in one schema change (one transaction where the database allows
 * DDL in one), checked whole before anything runs, so a plan applies whole or not at all.
 */
@Injectable()
export class SnapshotService {
  constructor(
    private readonly schemas: SchemaService,
    private readonly relations: RelationsService,
    private readonly indexes: IndexesService,
    private readonly registry: SchemaRegistry,
    private readonly participants: SnapshotParticipants,
    private readonly db: Database,
    @InjectRepository(SchemaMigrationEntity) private readonly migrations: Repository<SchemaMigrationEntity>,
  ) {}

  /** The workspace's schema and every section, as one document. */
  async snapshot(access: WorkspaceAccess): Promise<SchemaSnapshot & Raw> {
    const document: SchemaSnapshot & Raw = { ...this.schemaSnapshot(await this.registry.forWorkspace(access.workspace)) };
    for (const participant of this.participants.all()) document[participant.section] = await this.exported(participant, access.workspace.id);
    return document;
  }

  /** A participant's entries in the order of their keys, by code point: the same on every database, whatever its collation. */
  private async exported(participant: SnapshotParticipant, workspaceId: string): Promise<unknown[]> {
    const entries = await participant.export(this.db.dataSource.manager, workspaceId);
    const keyed = entries.map((entry) => ({ key: participant.key(entry), entry }));
    return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ entry }) => entry);
  }

  private schemaSnapshot(schema: WorkspaceSchema): SchemaSnapshot {
    // Tables of external connections are not part of the workspace's own schema, to copy or apply.
    schema = ownCollectionsOnly(schema);
    const collections = [...schema.collections.values()].sort((a, b) => a.name.localeCompare(b.name));
    return {
      version: 2,
      cairn: cairnVersion(),
      collections: collections.map((collection) => ({ collection: collection.name, primary_key: collection.primaryKey, note: collection.note, fields: userFieldDtos(collection) })),
      relations: schema.relations.map(relationShape).sort((a, b) => `${a.collection}.${a.field}`.localeCompare(`${b.collection}.${b.field}`)),
      indexes: schema.indexes.filter((index) => schema.collections.has(index.collection)).map(indexShape).sort(byCollectionAndName),
    };
  }

  /** The steps from the workspace to the snapshot, in the order they run; every entry is checked first (400 naming it). */
  async diff(access: WorkspaceAccess, target: ParsedSnapshot): Promise<PlannedStep[]> {
    return this.shownPlan(await this.plan(access, target));
  }

  private shownPlan(plan: Plan): PlannedStep[] {
    return [
      ...[...plan.sections].reverse().flatMap(({ participant, steps }) => steps.filter((step) => step.kind === 'delete').map((step) => shown(participant, step))),
      ...plan.schema,
      ...plan.sections.flatMap(({ participant, steps }) => steps.filter((step) => step.kind !== 'delete').map((step) => shown(participant, step))),
    ];
  }

  private async plan(access: WorkspaceAccess, target: ParsedSnapshot): Promise<Plan> {
    const current = await this.registry.forWorkspace(access.workspace);
    const wanted = wantedSchema(current, target);
    const { deletions, creations } = this.diffIndexes(current, target, wanted);
    const schema = [...deletions, ...this.diffSchema(current, target), ...creations];
    const existing = new Map<string, unknown[]>();
    for (const participant of this.participants.all()) existing.set(participant.section, await this.exported(participant, access.workspace.id));
    const context = {
      workspaceId: access.workspace.id,
      schema: wanted,
      entries: (section: string) => target.sections.get(section) ?? existing.get(section) ?? [],
    };
    const sections: SectionPlan[] = [];
    const untouched: SnapshotParticipant[] = [];
    for (const participant of this.participants.all()) {
      const wanted = target.sections.get(participant.section);
      if (!wanted) {
        untouched.push(participant);
        continue;
      }
      for (const [index, entry] of wanted.entries()) {
        await checkingEntry(`snapshot.${participant.section}.${index}`, `${participant.entryName} "${participant.key(entry)}"`, async () => participant.check(entry, context));
      }
      sections.push({ participant, steps: sectionSteps(participant, existing.get(participant.section)!, wanted) });
    }
    return { schema, sections, untouched };
  }

  /**
   * The index steps: deletions run before every other schema step (before the fields they use go),
   * creations after every other (once their fields exist). An index whose collection the snapshot
   * drops goes with its table. Each wanted index is checked against the snapshot's schema (400 naming it).
   */
  private diffIndexes(current: WorkspaceSchema, target: ParsedSnapshot, wanted: WorkspaceSchema): { deletions: SchemaOperation[]; creations: SchemaOperation[] } {
    if (target.indexes === null) return { deletions: [], creations: [] };
    const key = (index: { collection: string; name: string }) => `${index.collection}.${index.name}`;
    const checked: IndexDef[] = [];
    for (const [position, entry] of target.indexes.entries()) {
      const path = `snapshot.indexes.${position}`;
      const collection = wanted.collections.get(entry.collection);
      if (!collection || collection.external) throw invalidPayload(`Invalid payload: ${path} is on "${entry.collection}", which the snapshot has no collection of.`, `${path}.collection`);
      const index = parseIndexInput(wanted, collection, { fields: entry.fields, unique: entry.unique, name: entry.name }, `${path}.`);
      try {
        assertNewIndex({ ...wanted, indexes: checked }, index);
      } catch {
        throw invalidPayload(`Invalid payload: ${path} repeats the name or the fields of another index of "${entry.collection}".`, path);
      }
      checked.push(index);
    }
    const now = new Map(this.schemaSnapshot(current).indexes.map((index) => [key(index), index]));
    const targetKeys = new Map(target.indexes.map((index) => [key(index), index]));
    const targetCollections = new Set(target.collections.map((collection) => collection.collection));
    const deletions: SchemaOperation[] = [];
    for (const [name, index] of now) {
      const wantedIndex = targetKeys.get(name);
      if (targetCollections.has(index.collection) && (!wantedIndex || !same(indexShape(indexDef(wantedIndex)), index))) deletions.push({ action: 'delete_index', collection: index.collection, name: index.name });
    }
    const creations: SchemaOperation[] = [];
    for (const index of checked.map(indexShape)) {
      const existing = now.get(key(index));
      // An index whose collection is made anew is made anew too, even where the old one matched.
      const kept = existing && same(existing, index) && current.collections.has(index.collection);
      if (!kept) creations.push({ action: 'create_index', collection: index.collection, index: { name: index.name, fields: index.fields, unique: index.unique } });
    }
    return { deletions, creations };
  }

  /** The schema steps from the workspace's schema to the snapshot's, in the order they must run. */
  private diffSchema(current: WorkspaceSchema, target: ParsedSnapshot): SchemaOperation[] {
    const now = this.schemaSnapshot(current);
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

  /**
   * Applies a snapshot: the sections' deletions (last section first), the schema steps, then the
   * sections' creations and updates (first section first), so that what an entry needs exists before
   * it and outlives it. Answers the steps, a new webhook's with its secret, shown this once.
   */
  async apply(access: WorkspaceAccess, target: ParsedSnapshot, options: { dryRun: boolean; force: boolean }): Promise<PlannedStep[]> {
    const plan = await this.plan(access, target);
    const steps = this.shownPlan(plan);
    const removal: RemovalOptions = { force: options.force, relations: false, sections: plan.untouched };
    await this.assertApplicable(await this.registry.forWorkspace(access.workspace), plan.schema, removal);
    if (options.dryRun || steps.length === 0) return steps;
    const learned = await this.schemas.change(access, 'apply_snapshot', { operations: steps }, async (context) => {
      const apply = { manager: context.manager, access };
      const results: Array<Record<string, string> | null> = [];
      for (const { participant, steps: sectionSteps } of [...plan.sections].reverse()) results.push(...(await participant.apply(sectionSteps.filter((step) => step.kind === 'delete'), apply)));
      for (const operation of plan.schema) {
        await this.run(context, operation, removal);
        results.push(null);
        context.schema = await this.registry.load(context.manager, context.workspaceId);
      }
      for (const { participant, steps: sectionSteps } of plan.sections) results.push(...(await participant.apply(sectionSteps.filter((step) => step.kind !== 'delete'), apply)));
      return results;
    });
    await this.participants.changed(access.workspace.id);
    return steps.map((step, index) => (learned[index] ? { ...step, ...learned[index] } : step));
  }

  /**
   * Checks the schema steps of a plan up front, since MySQL cannot roll back DDL that already ran: field
   * changes that could lose data, and deletions of collections that hold rows or of what the sections
   * the snapshot leaves out depend on, each refused (409) unless forced.
   */
  private async assertApplicable(current: WorkspaceSchema, plan: SchemaOperation[], removal: RemovalOptions): Promise<void> {
    for (const operation of plan) {
      if (operation.action === 'update_field') {
        const collection = this.schemas.requireCollection(current, operation.collection);
        const field = collection.fields.find((f) => f.field === operation.field)!;
        assertFieldChangeAllowed(current, operation.collection, field, parseFieldInput(operation.to, `snapshot.${operation.collection}`), removal.force);
      }
      if (operation.action === 'delete_collection' || operation.action === 'delete_field') {
        const field = operation.action === 'delete_field' ? operation.field : null;
        const impact = await this.schemas.removalImpact(this.db.dataSource.manager, this.schemas.removal(current, operation.collection, field), removal);
        assertRemovable(operation.collection, field, impact, removal.force);
      }
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

  private async run(context: SchemaChangeContext, operation: SchemaOperation, removal: RemovalOptions): Promise<void> {
    switch (operation.action) {
      case 'delete_relation':
        return this.relations.unlinkIn(context, operation.collection, operation.field);
      case 'delete_field':
        return this.schemas.deleteFieldIn(context, operation.collection, operation.field, removal);
      case 'delete_collection':
        return this.schemas.deleteCollectionIn(context, operation.collection, removal);
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
        return this.schemas.updateFieldIn(context, operation.collection, operation.field, parseFieldInput(operation.to, `snapshot.${operation.collection}`), removal.force);
      case 'delete_index':
        return this.indexes.removeIn(context, operation.collection, operation.name);
      case 'create_index': {
        const collection = this.schemas.requireCollection(context.schema, operation.collection);
        return this.indexes.createIn(context, parseIndexInput(context.schema, collection, operation.index, `snapshot.indexes.${operation.collection}.`));
      }
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

  /** Reads and checks a snapshot from a request body: its schema, and each section a participant knows. */
  parse(raw: unknown): ParsedSnapshot {
    const snapshot = parseSchemaSnapshot(raw);
    const document = raw as Raw;
    const known = new Set(['version', 'cairn', 'collections', 'relations', 'indexes', ...this.participants.all().map((p) => p.section)]);
    const unknown = Object.keys(document).find((key) => !known.has(key));
    if (unknown !== undefined) throw invalidPayload(`Invalid payload: a snapshot has no section "${unknown}".`, `snapshot.${unknown}`);
    for (const participant of this.participants.all()) {
      const entries = document[participant.section];
      if (entries === undefined) continue;
      if (!Array.isArray(entries)) throw invalidPayload(`Invalid payload: snapshot.${participant.section} must be a list.`, `snapshot.${participant.section}`);
      const parsed = entries.map((entry, index) => {
        const path = `snapshot.${participant.section}.${index}`;
        const name = typeof (entry as Raw | null)?.name === 'string' ? ` ("${String((entry as Raw).name)}")` : '';
        return checkingEntry(path, `${participant.section}.${index}${name}`, () => participant.parse(entry));
      });
      const seen = new Map<string, number>();
      for (const [index, entry] of parsed.entries()) {
        const key = participant.key(entry);
        if (seen.has(key)) throw invalidPayload(`Invalid snapshot: ${participant.section}.${seen.get(key)} and ${participant.section}.${index} are both the ${participant.entryName} "${key}".`, `snapshot.${participant.section}.${index}`);
        seen.set(key, index);
      }
      snapshot.sections.set(participant.section, parsed);
    }
    return snapshot;
  }
}

/**
 * The steps that make a section's entries the wanted ones, matched by natural key: deletions of the
 * entries the snapshot does not have, creations, and updates of the entries that differ.
 */
function sectionSteps(participant: SnapshotParticipant, current: unknown[], wanted: unknown[]): SectionStep<unknown>[] {
  const byKey = new Map<string, unknown>();
  for (const entry of current) {
    const key = participant.key(entry);
    if (byKey.has(key)) throw conflict(`The workspace has two ${participant.section} that are the ${participant.entryName} "${key}"; rename or delete one before applying a snapshot.`);
    byKey.set(key, entry);
  }
  const wantedKeys = new Set(wanted.map((entry) => participant.key(entry)));
  const steps: SectionStep<unknown>[] = [...byKey.keys()].filter((key) => !wantedKeys.has(key)).map((key) => ({ kind: 'delete', key }));
  for (const entry of wanted) {
    const key = participant.key(entry);
    const existing = byKey.get(key);
    if (existing === undefined) steps.push({ kind: 'create', key, entry });
    else if (!same(existing, entry)) steps.push({ kind: 'update', key, entry });
  }
  return steps;
}

/** The schema a snapshot gives, with the workspace's external collections, which snapshots leave out. */
function wantedSchema(current: WorkspaceSchema, target: ParsedSnapshot): WorkspaceSchema {
  const collections = new Map<string, CollectionDef>();
  for (const collection of current.collections.values()) if (collection.external) collections.set(collection.name, collection);
  for (const c of target.collections) {
    collections.set(c.collection, {
      name: c.collection,
      table: tableNameFor(current.workspaceId, c.collection),
      primaryKey: c.primary_key,
      note: c.note,
      fields: [...systemFields(c.primary_key), ...c.fields.map((field) => parseFieldInput(field, `snapshot.${c.collection}`))],
    });
  }
  const relations: RelationDef[] = [
    ...current.relations.filter((r) => current.collections.get(r.collection)?.external),
    ...target.relations.map((r) => ({
      id: `snapshot:${r.collection}.${r.field}`,
      collection: r.collection,
      field: r.field,
      relatedCollection: r.related_collection,
      onDelete: r.on_delete,
      oneField: r.one_field,
      junction: r.junction ? { otherField: r.junction.other_field, alias: r.junction.alias } : null,
    })),
  ];
  const indexes: IndexDef[] =
    target.indexes === null
      ? current.indexes.filter((index) => collections.has(index.collection) && index.fields.every((column) => collections.get(index.collection)!.fields.some((f) => f.field === column.field)))
      : target.indexes.map(indexDef);
  return { workspaceId: current.workspaceId, version: current.version, collections, relations, indexes };
}

/** Reads and checks the schema part of a snapshot; names are checked again when it is applied. */
function parseSchemaSnapshot(raw: unknown): ParsedSnapshot {
  const fail = (message: string) => invalidPayload(`Invalid payload: ${message}`, 'snapshot');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail('snapshot must be an object.');
  const snapshot = raw as Raw;
  // Version 1 had collections and relations only; it is read as a version 2 that leaves every other section alone.
  if (snapshot.version !== 1 && snapshot.version !== 2) throw fail('snapshot.version must be 2 (or 1).');
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
  return { version: snapshot.version, cairn: typeof snapshot.cairn === 'string' ? snapshot.cairn : 'unknown', collections, relations, indexes: parseIndexSnapshots(snapshot.indexes), sections: new Map() };
}

/** Reads the snapshot's indexes as given; their fields are checked against the snapshot's schema when planned. */
function parseIndexSnapshots(raw: unknown): IndexSnapshot[] | null {
  if (raw === undefined) return null;
  if (!Array.isArray(raw)) throw invalidPayload('Invalid payload: snapshot.indexes must be a list.', 'snapshot.indexes');
  return raw.map((entry, position): IndexSnapshot => {
    const path = `snapshot.indexes.${position}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidPayload(`Invalid payload: ${path} must be an object.`, path);
    const { collection, name, fields, unique, ...rest } = entry as Raw;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw invalidPayload(`Invalid payload: "${extra}" is not a part of an index.`, `${path}.${extra}`);
    if (typeof name !== 'string') throw invalidPayload(`Invalid payload: ${path}.name must be a string.`, `${path}.name`);
    if (!Array.isArray(fields) || !fields.every((field) => typeof field === 'string')) throw invalidPayload(`Invalid payload: ${path}.fields must be a list of field names.`, `${path}.fields`);
    if (unique !== undefined && typeof unique !== 'boolean') throw invalidPayload(`Invalid payload: ${path}.unique must be true or false.`, `${path}.unique`);
    return { collection: checkCollectionName(collection, `${path}.collection`), name, fields: fields as string[], unique: unique === true };
  });
}

function indexShape(index: IndexDef): IndexSnapshot {
  return { collection: index.collection, name: index.name, fields: indexFieldList(index.fields), unique: index.unique };
}

function indexDef(index: IndexSnapshot): IndexDef {
  return { collection: index.collection, name: index.name, fields: parseIndexFieldList(index.fields), unique: index.unique };
}

/** By collection, then name, by code point: the same order on every database. */
function byCollectionAndName(a: IndexSnapshot, b: IndexSnapshot): number {
  const left = `${a.collection}\u0000${a.name}`;
  const right = `${b.collection}\u0000${b.name}`;
  return left < right ? -1 : left > right ? 1 : 0;
}
