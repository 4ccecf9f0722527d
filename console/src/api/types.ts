/** The shapes of Cairn's API the console reads (docs/API.md). */

export type WorkspaceRole = 'owner' | 'admin' | 'editor' | 'viewer';
export const WORKSPACE_ROLES: WorkspaceRole[] = ['owner', 'admin', 'editor', 'viewer'];

export interface User {
  id: string;
  email: string;
  name: string | null;
  is_superadmin: boolean;
}

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  role: WorkspaceRole;
  app_url: string | null;
  created_at: string;
}

export interface Member {
  id: string;
  email: string;
  name: string | null;
  role: WorkspaceRole;
  created_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: WorkspaceRole;
  prefix: string;
  created_at: string;
}

export const FIELD_TYPES = [
  'string',
  'text',
  'integer',
  'bigint',
  'float',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'time',
  'json',
  'uuid',
  'enum',
  'autocode',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface ValidationRule {
  value?: unknown;
  message?: string;
}

export interface Field {
  field: string;
  type: FieldType | 'alias';
  system?: boolean;
  required?: boolean;
  unique?: boolean;
  index?: boolean;
  default?: unknown;
  length?: number | null;
  precision?: number | null;
  scale?: number | null;
  values?: string[] | null;
  autocode?: { prefix: string; padding: number } | null;
  validation?: Record<string, ValidationRule | boolean | number | string> | null;
  note?: string | null;
}

export interface Collection {
  collection: string;
  primary_key: 'integer' | 'uuid';
  note: string | null;
  fields: Field[];
}

export interface Relation {
  collection: string;
  field: string;
  related_collection: string;
  one_field?: string | null;
  on_delete?: 'SET NULL' | 'CASCADE' | 'RESTRICT';
  junction?: unknown;
}

export type Item = Record<string, unknown>;

/** A file's metadata (`GET /files`); its bytes are at `/assets/{id}`. */
export interface FileRow {
  id: string;
  filename_download: string;
  title: string | null;
  type: string;
  /** Bytes; PostgreSQL's bigint may come as a string. */
  filesize: number | string;
  folder: string | null;
  uploaded_on: string;
}

export interface Folder {
  id: string;
  name: string;
  parent: string | null;
}
