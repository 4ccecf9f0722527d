import { checkCollectionName } from './names';
import { isFileField } from './file-fields';
import { findField } from './schema.lookup';
import type { CollectionDef, RelationDef, WorkspaceSchema } from './schema.types';

/**
 * `files` fields: many files per item, the way Directus builds them, from parts that already exist. A
 * `files` field `gallery` of `posts` is a junction collection `posts_gallery` holding a many-to-one
 * `posts_id` to `posts` (ON DELETE CASCADE), a `file` field (the single file type, with its foreign key
 * to the files) and an integer `position` to order them by (`sort` is reserved: it names the query
 * parameter); `gallery` is the one-to-many alias of `posts_id`. Nothing marks it in the registry: a files field is that shape (an alias whose junction is named after it and holds the
 * `file` file field), so snapshots carry it as the collection and relation it is, and reads, filters,
 * GraphQL and policies take the paths of any one-to-many (`gallery.file.*`).
 */

export const FILES_TYPE = 'files';
/** The junction's field holding the file (Directus calls it `directus_files_id`). */
export const JUNCTION_FILE_FIELD = 'file';
/** The junction's field a client may order the files by. */
export const JUNCTION_POSITION_FIELD = 'position';

/** The name of a files field's junction: `<collection>_<field>`, checked as any collection name. */
export function filesJunctionName(collection: string, field: string): string {
  return checkCollectionName(`${collection}_${field}`, 'field');
}

/** The key of the junction to the item that holds the files. */
export function junctionItemKey(collection: string): string {
  return `${collection}_id`;
}

export interface FilesField {
  collection: string;
  field: string;
  junction: CollectionDef;
  /** The junction's many-to-one to the item; `field` is its one-to-many alias. */
  relation: RelationDef;
}

/** The files field `field` of `collection`, if that name is one. */
export function findFilesField(schema: WorkspaceSchema, collection: string, field: string): FilesField | null {
  return filesFieldsOf(schema, collection).find((found) => found.field === field) ?? null;
}

/** The files fields of a collection, in the order their relations were made. */
export function filesFieldsOf(schema: WorkspaceSchema, collection: string): FilesField[] {
  const found: FilesField[] = [];
  for (const relation of schema.relations) {
    if (relation.relatedCollection !== collection || relation.oneField === null || relation.junction !== null) continue;
    if (relation.collection !== `${collection}_${relation.oneField}` || relation.field !== junctionItemKey(collection)) continue;
    const junction = schema.collections.get(relation.collection);
    const file = junction && findField(junction, JUNCTION_FILE_FIELD);
    if (junction && file && isFileField(file)) found.push({ collection, field: relation.oneField, junction, relation });
  }
  return found;
}

/**
 * A files field as the fields routes show it: of type `files`, with no column, default or rule of its
 * own (what its junction holds is the junction's own fields).
 */
export function filesFieldDto(collection: string, field: string): Record<string, unknown> {
  return {
    collection,
    field,
    type: FILES_TYPE,
    system: false,
    primary_key: false,
    required: false,
    unique: false,
    index: false,
    default: null,
    length: null,
    precision: null,
    scale: null,
    values: null,
    autocode: null,
    validation: {},
    note: null,
  };
}

/** The files field whose junction is this collection, if it is one. */
export function filesFieldOfJunction(schema: WorkspaceSchema, junction: string): FilesField | null {
  for (const relation of schema.relations) {
    if (relation.collection !== junction || relation.oneField === null) continue;
    const found = findFilesField(schema, relation.relatedCollection, relation.oneField);
    if (found && found.junction.name === junction) return found;
  }
  return null;
}
