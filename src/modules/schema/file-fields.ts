import { FILES, FILES_COLLECTION } from './files.collection';
import type { CollectionDef, FieldDef, RelationDef, WorkspaceSchema } from './schema.types';

/**
 * File fields: a `file` field holds the id of one of the workspace's files, in a column with a real
 * foreign key to the files table (ON DELETE SET NULL). To the query engine it is a many-to-one to the
 * files, described here as a collection that is only reached through such fields: so `cover.*`,
 * `filter[cover][type][_eq]`, `sort=cover.filesize`, GraphQL's `cover { type }` and policies all take
 * the paths relations take. The relation is derived from the field's type when the schema is served,
 * never stored: a snapshot carries the type alone, and the field's DDL makes the key (file-fields.ddl.ts).
 */

/** The files table as the target of file fields: the files API's fields, read only through a file field. */
export const FILES_TARGET: CollectionDef = { ...FILES_COLLECTION, relationTargetOnly: true };

/** The table the foreign keys of file fields reference. */
export const FILES_TABLE = FILES_COLLECTION.table;

export function isFileField(field: FieldDef): boolean {
  return field.type === 'file';
}

/** The derived relation of a file field: its id names it as such, no registry row has it. */
export function fileRelation(collection: string, field: string): RelationDef {
  return { id: `file:${collection}.${field}`, collection, field, relatedCollection: FILES, onDelete: 'SET NULL', oneField: null, junction: null };
}

/** The file fields of a schema, by collection. */
export function fileFieldsOf(schema: WorkspaceSchema): Array<{ collection: CollectionDef; field: FieldDef }> {
  const found: Array<{ collection: CollectionDef; field: FieldDef }> = [];
  for (const collection of schema.collections.values()) {
    if (collection.relationTargetOnly) continue;
    for (const field of collection.fields) if (isFileField(field)) found.push({ collection, field });
  }
  return found;
}

/**
 * The schema as it is served: with the files as a relation target and a many-to-one for each file
 * field. A workspace that still has a collection of its own named `files` (made before the name was
 * reserved) keeps it: its file fields are then plain ids.
 */
export function withFileFields(schema: WorkspaceSchema): WorkspaceSchema {
  const fields = fileFieldsOf(schema);
  if (fields.length === 0 || schema.collections.has(FILES)) return schema;
  const collections = new Map(schema.collections);
  collections.set(FILES, FILES_TARGET);
  return { ...schema, collections, relations: [...schema.relations, ...fields.map(({ collection, field }) => fileRelation(collection.name, field.field))] };
}
