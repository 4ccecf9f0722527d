import { fieldDef } from './field-def';
import type { CollectionDef, FieldTypeName, RelationDef, WorkspaceSchema } from './schema.types';

/** The names under which files and folders are read, and granted by policies. */
export const FILES = 'files';
export const FOLDERS = 'folders';
export type FilesCollectionName = typeof FILES | typeof FOLDERS;

export function isFilesCollection(name: unknown): name is FilesCollectionName {
  return name === FILES || name === FOLDERS;
}

/**
 * Files' schemas are not the registry's, so they have no schema version; a negative one keeps the
 * permissions compiled for them apart from those compiled for any version of the registry's schema.
 */
export const FILES_SCHEMA_VERSION = -1;

/** Cairn sets these; nobody writes them through the API. */
const system = (name: string, type: FieldTypeName, options: { primaryKey?: boolean; length?: number } = {}) =>
  fieldDef(name, type, { system: true, primaryKey: options.primaryKey ?? false, length: options.length ?? null });
/** What a client may set, and what a policy's `fields` and `presets` may name. */
const writable = (name: string, type: FieldTypeName, length: number | null) => fieldDef(name, type, { length });

/**
 * The metadata of uploaded files described like a collection, so it is read with the items' query
 * language, parser and compiler. The table is shared by all workspaces; readers force the workspace.
 */
export const FILES_COLLECTION: CollectionDef = {
  name: FILES,
  table: 'cairn_files',
  primaryKey: 'uuid',
  note: 'Uploaded files: their metadata; the bytes are in the storage driver.',
  fields: [
    system('id', 'uuid', { primaryKey: true }),
    system('workspace_id', 'uuid'),
    system('storage', 'string', { length: 16 }),
    system('filename_disk', 'string', { length: 64 }),
    writable('filename_download', 'string', 255),
    writable('title', 'string', 255),
    system('type', 'string', { length: 255 }),
    system('filesize', 'bigint'),
    system('checksum', 'string', { length: 64 }),
    writable('folder', 'uuid', null),
    system('uploaded_by', 'string', { length: 36 }),
    system('uploaded_on', 'datetime'),
  ],
};

export const FOLDERS_COLLECTION: CollectionDef = {
  name: FOLDERS,
  table: 'cairn_folders',
  primaryKey: 'uuid',
  note: 'Folders of files; a folder may sit in another.',
  fields: [system('id', 'uuid', { primaryKey: true }), system('workspace_id', 'uuid'), writable('name', 'string', 255), writable('parent', 'uuid', null)],
};

const manyToOne = (collection: string, field: string): RelationDef => ({
  id: `${collection}.${field}`,
  collection,
  field,
  relatedCollection: FOLDERS,
  onDelete: 'SET NULL',
  oneField: null,
  junction: null,
});

/** Files and folders as one schema: `folder.name` and `parent.name` read through the relations. */
export function filesSchema(workspaceId: string): WorkspaceSchema {
  return {
    workspaceId,
    version: FILES_SCHEMA_VERSION,
    collections: new Map([
      [FILES, FILES_COLLECTION],
      [FOLDERS, FOLDERS_COLLECTION],
    ]),
    relations: [manyToOne(FILES, 'folder'), manyToOne(FOLDERS, 'parent')],
    indexes: [],
  };
}
