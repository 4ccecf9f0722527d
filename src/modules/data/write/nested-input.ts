import { invalidPayload } from '../../../common/errors/app-error';
import { findField, relationalFields } from '../../schema/schema.lookup';
import type { CollectionDef, RelationalField, WorkspaceSchema } from '../../schema/schema.types';

type Row = Record<string, unknown>;

export type ManyToOne = Extract<RelationalField, { kind: 'm2o' }>;
export type ToMany = Extract<RelationalField, { kind: 'o2m' | 'm2m' }>;

/**
 * An item of a nested write, split by what each value leads to: the item's own values (its columns, a
 * many-to-one as a key), the many-to-ones given as objects (related items to write first, whose keys
 * the item then holds), and the one-to-many and many-to-many aliases (related items to write once the
 * item's key is known).
 */
export interface NestedItem {
  own: Row;
  parents: Array<{ relation: ManyToOne; value: Row }>;
  children: Array<{ relation: ToMany; value: unknown }>;
}

/** Directus' detailed form of a to-many value: items to create, items to update (with their keys), keys to remove. */
export interface DetailedChanges {
  create: unknown[];
  update: unknown[];
  delete: unknown[];
}

const DETAILED_KEYS = new Set(['create', 'update', 'delete']);

/** Each schema's relational fields by collection and name, looked up for every key of every item written. */
const relationalIndexes = new WeakMap<WorkspaceSchema, Map<string, ReadonlyMap<string, RelationalField>>>();

function relationalIndex(schema: WorkspaceSchema, collection: string): ReadonlyMap<string, RelationalField> {
  let bySchema = relationalIndexes.get(schema);
  if (!bySchema) relationalIndexes.set(schema, (bySchema = new Map()));
  let index = bySchema.get(collection);
  if (!index) bySchema.set(collection, (index = new Map(relationalFields(schema, collection).map((field) => [field.field, field]))));
  return index;
}

export function isPlainObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a write of these items is nested: some item gives a many-to-one as an object, or a
 * one-to-many or many-to-many alias at all. Anything else is an ordinary write, left to the writer alone.
 */
export function isNestedWrite(schema: WorkspaceSchema, collection: string, items: readonly unknown[]): boolean {
  const index = relationalIndex(schema, collection);
  if (index.size === 0) return false;
  for (const item of items) {
    if (!isPlainObject(item)) continue;
    for (const [name, value] of Object.entries(item)) {
      const relational = index.get(name);
      if (!relational) continue;
      if (relational.kind !== 'm2o' || isPlainObject(value)) return true;
    }
  }
  return false;
}

/** Splits an item of a nested write (see NestedItem); an item that is no object is left to the writer to refuse. */
export function splitNested(schema: WorkspaceSchema, collection: CollectionDef, item: unknown): NestedItem | null {
  if (!isPlainObject(item)) return null;
  const index = relationalIndex(schema, collection.name);
  const split: NestedItem = { own: {}, parents: [], children: [] };
  for (const [name, value] of Object.entries(item)) {
    const relational = index.get(name);
    if (relational?.kind === 'm2o' && isPlainObject(value)) split.parents.push({ relation: relational, value });
    else if (relational && relational.kind !== 'm2o' && !findField(collection, name)) split.children.push({ relation: relational, value });
    else split.own[name] = value;
  }
  return split;
}

/**
 * A to-many value: a list (the related items, as objects or keys: on an update, the whole set) or the
 * detailed form. Anything else is 400, named by `where`.
 */
export function toManyValue(value: unknown, where: string): { list: unknown[] } | { detailed: DetailedChanges } {
  if (Array.isArray(value)) return { list: value };
  if (isPlainObject(value) && Object.keys(value).every((key) => DETAILED_KEYS.has(key))) {
    const detailed: DetailedChanges = { create: [], update: [], delete: [] };
    for (const key of DETAILED_KEYS) {
      const part = value[key];
      if (part === undefined) continue;
      if (!Array.isArray(part)) throw invalidPayload(`Invalid payload: "${key}" must be a list.`, `${where}.${key}`);
      detailed[key as keyof DetailedChanges] = part;
    }
    return { detailed };
  }
  throw invalidPayload('Invalid payload: a one-to-many or many-to-many value must be a list of items or keys, or {"create": [...], "update": [...], "delete": [...]}.', where);
}

/** A path of a nested write's value, for the errors that name it (`tags.1.name`). */
export function pathOf(...parts: Array<string | number>): string {
  return parts.filter((part) => part !== '').join('.');
}
