/**
 * The registry's model of a workspace's schema: what collections, fields and relations exist. Every
 * identifier that reaches SQL comes from here, never from a request.
 */

export type FieldTypeName =
  | 'string'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'time'
  | 'json'
  | 'uuid'
  | 'enum'
  | 'autocode'
  | 'file'
  /** The id of one of the workspace's app users, expandable as `cairn_users` (see users.collection.ts). */
  | 'app_user'
  /** The id of one of the workspace's members (a platform account), expandable as `cairn_users`. */
  | 'member';

export const FIELD_TYPES: readonly FieldTypeName[] = [
  'string', 'text', 'integer', 'bigint', 'float', 'decimal', 'boolean', 'date', 'datetime', 'time', 'json', 'uuid', 'enum', 'autocode', 'file', 'app_user', 'member',
];

export type ValidationRuleName = 'required' | 'email' | 'url' | 'regex' | 'min' | 'max' | 'min_length' | 'max_length' | 'enum';

/** One validation rule with its argument (true for rules without one) and an optional custom message. */
export interface ValidationRule {
  value: unknown;
  message?: string;
}

export type FieldValidation = Partial<Record<ValidationRuleName, ValidationRule>>;

export type PrimaryKeyType = 'integer' | 'uuid';

/** A field of a collection, backed by one column of the same name. */
export interface FieldDef {
  field: string;
  type: FieldTypeName;
  /** id, created_at, updated_at, created_by, updated_by: present on every collection, not writable. */
  system: boolean;
  primaryKey: boolean;
  required: boolean;
  unique: boolean;
  index: boolean;
  /** The default value, as JSON. */
  defaultValue: unknown;
  length: number | null;
  precision: number | null;
  scale: number | null;
  /** The allowed values of an enum field. */
  values: string[] | null;
  /** Prefix and zero-padding of an autocode field: prefix CLI- and padding 4 make CLI-0001. */
  autocode: { prefix: string; padding: number } | null;
  validation: FieldValidation;
  note: string | null;
}

export type OnDelete = 'SET NULL' | 'CASCADE' | 'RESTRICT';

/**
 * A many-to-one from `collection.field` to `relatedCollection`'s primary key, with a real foreign key.
 * `oneField`, when set, is the one-to-many alias of the same relation on the related collection.
 * A many-to-many is two many-to-ones on a junction collection; `junction` records it.
 */
export interface RelationDef {
  id: string;
  collection: string;
  field: string;
  relatedCollection: string;
  onDelete: OnDelete;
  oneField: string | null;
  /** For the relations of a junction collection: the other many-to-one of the pair and the alias on each side. */
  junction: { otherField: string; alias: string | null } | null;
}

/** One column of a composite index, in the direction the index holds it. */
export interface IndexColumn {
  field: string;
  descending: boolean;
}

/**
 * A composite index made through the API, on columns of one collection. `name` is the API's name,
 * unique per collection; the database's own name is derived from the table and it (see schema.ddl.ts).
 */
export interface IndexDef {
  collection: string;
  name: string;
  fields: IndexColumn[];
  unique: boolean;
}

/** What a field name means on a collection when it leads to another collection. */
export type RelationalField =
  | { kind: 'm2o'; field: string; related: string; relation: RelationDef }
  | { kind: 'o2m'; field: string; related: string; foreignKey: string; relation: RelationDef }
  | { kind: 'm2m'; field: string; related: string; junction: string; junctionLocalKey: string; junctionRelatedKey: string; relation: RelationDef };

/**
 * Where a collection served from an external database lives (see connections/). Its statements run
 * there, with that database's dialect; Cairn runs no DDL for it.
 */
export interface ExternalSource {
  connectionId: string;
  /** The connection's name, the prefix of the collection's: `<connection>__<table>`. */
  connection: string;
  kind: 'postgres' | 'mysql';
  allowWrites: boolean;
  /** Changes when the connection's credentials do, so that pools opened with old ones are replaced. */
  revision: string;
}

export interface CollectionDef {
  name: string;
  /** The real table, kept apart per workspace. */
  table: string;
  primaryKey: PrimaryKeyType;
  /** Fields in their order, system fields first. */
  fields: FieldDef[];
  note: string | null;
  /** Set for a table of an external database; absent for Cairn's own collections. */
  external?: ExternalSource;
  /**
   * True for a table SchemaDdl made: its text columns compare and sort by code point (binary on MySQL,
   * "C" on PostgreSQL), so SQL need not ask for that and their indexes serve ORDER BY and GROUP BY.
   * Absent for tables whose collation Cairn does not choose: external ones and the platform's own.
   */
  codePointText?: true;
  /**
   * Set for a table Cairn owns that a workspace's fields may point at (the files of file fields, the
   * people of user fields; see relation-targets.ts): reached only through those fields, never listed,
   * read at its own items route or written through items.
   */
  relationTargetOnly?: true;
}

/**
 * A workspace's schema as one immutable value, versioned so caches (compiled policies, GraphQL schemas)
 * can be keyed by it.
 */
export interface WorkspaceSchema {
  workspaceId: string;
  version: number;
  collections: ReadonlyMap<string, CollectionDef>;
  relations: readonly RelationDef[];
  /** Composite indexes, in the order they were made. */
  indexes: readonly IndexDef[];
}
