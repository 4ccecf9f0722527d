import { createHash } from 'node:crypto';
import { conflict, invalidPayload } from '../../common/errors/app-error';
import { IndexEntity } from './registry.entities';
import { findField, findRelationalField } from './schema.lookup';
import type { SchemaChangeContext } from './schema.service';
import type { CollectionDef, FieldDef, IndexColumn, IndexDef, WorkspaceSchema } from './schema.types';

type Raw = Record<string, unknown>;

/** Index names: identifiers every database accepts, within PostgreSQL's 63 characters. */
const INDEX_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const INDEX_KEYS = new Set(['fields', 'unique', 'name']);
/** More columns help no query Cairn compiles, and MySQL refuses more than 16 key parts. */
export const MAX_INDEX_FIELDS = 16;

/** The API's form of an index's columns: `["status", "-published_at"]`. */
export function indexFieldList(fields: readonly IndexColumn[]): string[] {
  return fields.map((column) => (column.descending ? `-${column.field}` : column.field));
}

export function toIndexDto(index: IndexDef): Raw {
  return { name: index.name, fields: indexFieldList(index.fields), unique: index.unique };
}

/**
 * The name an index gets when the request gives none: short, the same for the same columns of the same
 * collection in every workspace (so snapshots of two workspaces agree), and within 63 characters.
 */
export function defaultIndexName(collection: string, fields: readonly IndexColumn[], unique: boolean): string {
  const digest = createHash('sha1').update(`${collection}(${indexFieldList(fields).join(',')})`).digest('hex').slice(0, 24);
  return `${unique ? 'uq' : 'ix'}_${collection.slice(0, 20)}_${digest}`;
}

/** Types whose columns cannot be index keys on every database (MySQL needs a prefix length for them). */
function indexable(field: FieldDef): boolean {
  return field.type !== 'text' && field.type !== 'json';
}

/**
 * Reads and checks an index request against a collection: every field a column of it (not a one-to-many
 * or many-to-many alias, which has none), none twice, at least one. `where` prefixes the payload paths.
 */
export function parseIndexInput(schema: WorkspaceSchema, collection: CollectionDef, body: unknown, where = ''): IndexDef {
  const at = (key: string) => `${where}${key}`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidPayload('Invalid payload: an index must be a JSON object.', where.replace(/\.$/, '') || undefined);
  const raw = body as Raw;
  for (const key of Object.keys(raw)) if (!INDEX_KEYS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not an index option; give "fields", "unique" and "name".`, at(key));
  if (!Array.isArray(raw.fields) || raw.fields.length === 0) throw invalidPayload('Invalid payload: fields must be a non-empty list of field names, "-" before a descending one.', at('fields'));
  if (raw.fields.length > MAX_INDEX_FIELDS) throw invalidPayload(`Invalid payload: an index may have at most ${MAX_INDEX_FIELDS} fields.`, at('fields'));
  const fields = raw.fields.map((entry, position): IndexColumn => {
    const path = at(`fields.${position}`);
    if (typeof entry !== 'string' || entry.length === 0) throw invalidPayload('Invalid payload: each index field must be a field name, "-" before a descending one.', path);
    const descending = entry.startsWith('-');
    const name = descending ? entry.slice(1) : entry;
    const field = findField(collection, name);
    if (!field) {
      const relational = findRelationalField(schema, collection.name, name);
      if (relational && relational.kind !== 'm2o') throw invalidPayload(`Invalid payload: "${name}" is a ${relational.kind === 'o2m' ? 'one-to-many' : 'many-to-many'} alias of "${collection.name}" and has no column to index.`, path);
      throw invalidPayload(`Invalid payload: "${collection.name}" has no field "${name}".`, path);
    }
    if (!indexable(field)) throw invalidPayload(`Invalid payload: a ${field.type} field cannot be part of an index; use a string field.`, path);
    return { field: name, descending };
  });
  const twice = fields.find((column, position) => fields.findIndex((other) => other.field === column.field) !== position);
  if (twice) throw invalidPayload(`Invalid payload: the field "${twice.field}" is listed twice in the index.`, at('fields'));
  if (raw.unique !== undefined && typeof raw.unique !== 'boolean') throw invalidPayload('Invalid payload: unique must be true or false.', at('unique'));
  const unique = raw.unique === true;
  if (raw.name !== undefined && raw.name !== null && (typeof raw.name !== 'string' || !INDEX_NAME.test(raw.name))) {
    throw invalidPayload('Invalid payload: an index name must start with a lowercase letter, hold only lowercase letters, digits and underscores, and have at most 63 characters.', at('name'));
  }
  const name = typeof raw.name === 'string' ? raw.name : defaultIndexName(collection.name, fields, unique);
  return { collection: collection.name, name, fields, unique };
}

/** Refuses an index the collection already has: the same name, or the same columns in the same directions. */
export function assertNewIndex(schema: WorkspaceSchema, index: IndexDef): void {
  for (const existing of indexesOf(schema, index.collection)) {
    if (existing.name === index.name) throw conflict(`The collection "${index.collection}" already has an index named "${index.name}".`, { field: 'name' });
    if (sameColumns(existing, index)) {
      throw conflict(`The index "${existing.name}" of "${index.collection}" already has the fields ${JSON.stringify(indexFieldList(index.fields))} in that order and direction.`, { field: 'fields' });
    }
  }
}

function sameColumns(a: IndexDef, b: IndexDef): boolean {
  return a.fields.length === b.fields.length && a.fields.every((column, position) => column.field === b.fields[position].field && column.descending === b.fields[position].descending);
}

export function indexesOf(schema: WorkspaceSchema, collection: string): IndexDef[] {
  return schema.indexes.filter((index) => index.collection === collection);
}

/** Reads the API's form of an index's columns, `["status", "-published_at"]`, already checked. */
export function parseIndexFieldList(list: readonly string[]): IndexColumn[] {
  return list.map((entry) => (entry.startsWith('-') ? { field: entry.slice(1), descending: true } : { field: entry, descending: false }));
}

/** Reads the stored JSON list back into columns. */
export function parseStoredFields(stored: string): IndexColumn[] {
  return parseIndexFieldList(JSON.parse(stored) as string[]);
}

/** Drops a composite index and its registry row. */
export async function dropIndexIn(context: SchemaChangeContext, collection: CollectionDef, index: IndexDef): Promise<void> {
  await context.ddl.dropCompositeIndex(collection.table, index);
  await context.manager.getRepository(IndexEntity).delete({ workspaceId: context.workspaceId, collection: collection.name, name: index.name });
}

/** Drops the composite indexes that use a field, before the field's column goes. */
export async function dropIndexesOfField(context: SchemaChangeContext, collection: CollectionDef, field: string): Promise<void> {
  for (const index of indexesOf(context.schema, collection.name)) {
    if (index.fields.some((column) => column.field === field)) await dropIndexIn(context, collection, index);
  }
}

/** Follows a field's rename in the registry; the databases rename the column inside their indexes themselves. */
export async function renameIndexedField(context: SchemaChangeContext, collection: string, from: string, to: string): Promise<void> {
  const repository = context.manager.getRepository(IndexEntity);
  for (const index of indexesOf(context.schema, collection)) {
    if (!index.fields.some((column) => column.field === from)) continue;
    const fields = index.fields.map((column) => (column.field === from ? { ...column, field: to } : column));
    await repository.update({ workspaceId: context.workspaceId, collection, name: index.name }, { fields: JSON.stringify(indexFieldList(fields)) });
  }
}
