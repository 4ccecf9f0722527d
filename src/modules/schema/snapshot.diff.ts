import { withFileFields } from './file-fields';
import { withoutRelationTargets } from './relation-targets';
import { invalidPayload } from '../../common/errors/app-error';
import { cairnVersion } from '../../common/version';
import { ownCollectionsOnly } from './external-collections';
import { assertNewIndex, indexFieldList, parseIndexFieldList, parseIndexInput } from './composite-indexes';
import { parseFieldInput, toFieldDto } from './field-input';
import { checkCollectionName, checkFieldName, checkNewCollectionName, tableNameFor } from './names';
import { relationShape } from './relations.service';
import type { CollectionDef, FieldDef, IndexDef, OnDelete, RelationDef, WorkspaceSchema } from './schema.types';
import { systemFields } from './system-fields';

/*
 * The schema part of a snapshot: its shape, how a request's is read, and the steps that turn a
 * workspace's schema into it. Pure: the service reads the workspace and runs the steps.
 */

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

function userFieldDtos(collection: CollectionDef): Raw[] {
  return collection.fields.filter((field) => !field.system).map((field) => {
    const { collection: _collection, system: _system, primary_key: _primaryKey, ...rest } = toFieldDto(collection.name, field);
    return rest;
  });
}

/** Whether two entries have the same JSON, keys in the same order. */
export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The schema part of a snapshot of a workspace: its own collections, relations and indexes, in a stable order. */
export function schemaSnapshot(schema: WorkspaceSchema): SchemaSnapshot {
  // Tables of external connections are not part of the workspace's own schema, to copy or apply.
  schema = withoutRelationTargets(ownCollectionsOnly(schema));
  const collections = [...schema.collections.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    version: 2,
    cairn: cairnVersion(),
    collections: collections.map((collection) => ({ collection: collection.name, primary_key: collection.primaryKey, note: collection.note, fields: userFieldDtos(collection) })),
    relations: schema.relations.map(relationShape).sort((a, b) => `${a.collection}.${a.field}`.localeCompare(`${b.collection}.${b.field}`)),
    indexes: schema.indexes.filter((index) => schema.collections.has(index.collection)).map(indexShape).sort(byCollectionAndName),
  };
}

/**
 * The schema steps from a workspace's schema to a snapshot's, in the order they run: index deletions
 * first, then relations, fields and collections, index creations last. `wanted` is wantedSchema's.
 */
export function schemaSteps(current: WorkspaceSchema, target: ParsedSnapshot, wanted: WorkspaceSchema): SchemaOperation[] {
  const { deletions, creations } = diffIndexes(current, target, wanted);
  return [...deletions, ...diffSchema(current, target), ...creations];
}

/**
 * The index steps: deletions run before every other schema step (before the fields they use go),
 * creations after every other (once their fields exist). An index whose collection the snapshot
 * drops goes with its table. Each wanted index is checked against the snapshot's schema (400 naming it).
 */
function diffIndexes(current: WorkspaceSchema, target: ParsedSnapshot, wanted: WorkspaceSchema): { deletions: SchemaOperation[]; creations: SchemaOperation[] } {
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
  const now = new Map(schemaSnapshot(current).indexes.map((index) => [key(index), index]));
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
function diffSchema(current: WorkspaceSchema, target: ParsedSnapshot): SchemaOperation[] {
  const now = schemaSnapshot(current);
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

/** The schema a snapshot gives, with the workspace's external collections, which snapshots leave out. */
export function wantedSchema(current: WorkspaceSchema, target: ParsedSnapshot): WorkspaceSchema {
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
  return withFileFields({ workspaceId: current.workspaceId, version: current.version, collections, relations, indexes });
}

/** Reads and checks the schema part of a snapshot; names are checked again when it is applied. */
export function parseSchemaSnapshot(raw: unknown): ParsedSnapshot {
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
