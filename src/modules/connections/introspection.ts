import type { FieldTypeName } from '../schema/schema.types';
import type { ConnectionKind } from './connection.entity';
import type { ExternalDatabase } from './external-database';

type Row = Record<string, unknown>;

/** A column as introspection found it, with the Cairn field type it is served as. */
export interface IntrospectedColumn {
  name: string;
  /** The database's own type, as information_schema names it. */
  dbType: string;
  type: FieldTypeName;
  nullable: boolean;
  /** It has a default, or the database generates it (serial, identity, auto_increment). */
  hasDefault: boolean;
  /** Its type has no Cairn equivalent: served as a string, never written. */
  readOnly: boolean;
  length: number | null;
  precision: number | null;
  scale: number | null;
}

export interface IntrospectedForeignKey {
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  /** CASCADE, SET NULL, RESTRICT, NO ACTION or SET DEFAULT. */
  onDelete: string;
}

export interface IntrospectedTable {
  name: string;
  columns: IntrospectedColumn[];
  primaryKey: string[];
  foreignKeys: IntrospectedForeignKey[];
}

/**
 * Reads the tables of an external database from information_schema (and pg_catalog for PostgreSQL's
 * keys, whose column order information_schema does not give for referenced columns): base tables
 * only, in the connection's schema (PostgreSQL) or database (MySQL/MariaDB).
 */
export async function introspect(database: ExternalDatabase, schema: string | null): Promise<IntrospectedTable[]> {
  return database.kind === 'postgres' ? introspectPostgres(database, schema ?? 'public') : introspectMysql(database);
}

async function introspectPostgres(database: ExternalDatabase, schema: string): Promise<IntrospectedTable[]> {
  const [tables, columns, keys] = await Promise.all([
    database.read(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`, [schema]),
    database.read(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, is_generated, character_maximum_length, numeric_precision, numeric_scale
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    ),
    database.read(
      `SELECT cl.relname AS table_name, con.contype AS kind, con.confdeltype AS on_delete, fcl.relname AS referenced_table,
         CAST(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS text[]) AS columns,
         CAST(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS text[]) AS referenced_columns
       FROM pg_constraint con
       JOIN pg_class cl ON cl.oid = con.conrelid
       JOIN pg_namespace ns ON ns.oid = cl.relnamespace
       LEFT JOIN pg_class fcl ON fcl.oid = con.confrelid
       LEFT JOIN pg_namespace fns ON fns.oid = fcl.relnamespace
       WHERE ns.nspname = $1 AND (con.contype = 'p' OR (con.contype = 'f' AND fns.nspname = $1))
       ORDER BY cl.relname, con.conname`,
      [schema],
    ),
  ]);
  const deleteRules: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
  return tables.map((table) => {
    const name = String(table.table_name);
    const own = keys.filter((key) => key.table_name === name);
    return {
      name,
      columns: columns.filter((column) => column.table_name === name).map(postgresColumn),
      primaryKey: (own.find((key) => key.kind === 'p')?.columns as string[] | undefined) ?? [],
      foreignKeys: own
        .filter((key) => key.kind === 'f')
        .map((key) => ({ columns: key.columns as string[], referencedTable: String(key.referenced_table), referencedColumns: key.referenced_columns as string[], onDelete: deleteRules[String(key.on_delete)] ?? 'NO ACTION' })),
    };
  });
}

function postgresColumn(row: Row): IntrospectedColumn {
  const dbType = String(row.data_type);
  const type = POSTGRES_TYPES[dbType];
  return {
    name: String(row.column_name),
    dbType,
    type: type ?? 'string',
    nullable: row.is_nullable === 'YES',
    hasDefault: row.column_default !== null || row.is_identity === 'YES' || row.is_generated === 'ALWAYS',
    readOnly: type === undefined || row.is_generated === 'ALWAYS',
    ...sizes(row),
  };
}

const POSTGRES_TYPES: Record<string, FieldTypeName> = {
  smallint: 'integer',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'decimal',
  real: 'float',
  'double precision': 'float',
  'character varying': 'string',
  character: 'string',
  text: 'text',
  boolean: 'boolean',
  date: 'date',
  'timestamp with time zone': 'datetime',
  'timestamp without time zone': 'datetime',
  'time without time zone': 'time',
  json: 'json',
  jsonb: 'json',
  uuid: 'uuid',
};

async function introspectMysql(database: ExternalDatabase): Promise<IntrospectedTable[]> {
  const [tables, columns, keys] = await Promise.all([
    database.read(`SELECT TABLE_NAME AS table_name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`, []),
    database.read(
      `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, IS_NULLABLE AS is_nullable,
         COLUMN_DEFAULT AS column_default, EXTRA AS extra, CHARACTER_MAXIMUM_LENGTH AS character_maximum_length,
         NUMERIC_PRECISION AS numeric_precision, NUMERIC_SCALE AS numeric_scale
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [],
    ),
    database.read(
      `SELECT k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS constraint_name, c.CONSTRAINT_TYPE AS kind, k.COLUMN_NAME AS column_name,
         k.REFERENCED_TABLE_NAME AS referenced_table, k.REFERENCED_COLUMN_NAME AS referenced_column, r.DELETE_RULE AS on_delete
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.TABLE_CONSTRAINTS c
         ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       WHERE k.TABLE_SCHEMA = DATABASE() AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'FOREIGN KEY')
         AND (k.REFERENCED_TABLE_SCHEMA IS NULL OR k.REFERENCED_TABLE_SCHEMA = k.TABLE_SCHEMA)
       ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
      [],
    ),
  ]);
  return tables.map((table) => {
    const name = String(table.table_name);
    const own = keys.filter((key) => key.table_name === name);
    const constraints = [...new Set(own.filter((key) => key.kind === 'FOREIGN KEY').map((key) => String(key.constraint_name)))];
    return {
      name,
      columns: columns.filter((column) => column.table_name === name).map(mysqlColumn),
      primaryKey: own.filter((key) => key.kind === 'PRIMARY KEY').map((key) => String(key.column_name)),
      foreignKeys: constraints.map((constraint) => {
        const parts = own.filter((key) => key.constraint_name === constraint);
        return {
          columns: parts.map((part) => String(part.column_name)),
          referencedTable: String(parts[0].referenced_table),
          referencedColumns: parts.map((part) => String(part.referenced_column)),
          onDelete: String(parts[0].on_delete ?? 'RESTRICT'),
        };
      }),
    };
  });
}

function mysqlColumn(row: Row): IntrospectedColumn {
  const dbType = String(row.data_type).toLowerCase();
  const columnType = String(row.column_type).toLowerCase();
  // MySQL's BOOLEAN is TINYINT(1); an unsigned INT can exceed a signed 32-bit integer.
  const type = columnType.startsWith('tinyint(1)') ? 'boolean' : dbType === 'int' && columnType.includes('unsigned') ? 'bigint' : MYSQL_TYPES[dbType];
  const extra = String(row.extra ?? '').toLowerCase();
  const generated = /virtual|stored|persistent/.test(extra);
  return {
    name: String(row.column_name),
    dbType: columnType,
    type: type ?? 'string',
    nullable: row.is_nullable === 'YES',
    // MariaDB reports the default of a nullable column without one as the text NULL.
    hasDefault: (row.column_default !== null && row.column_default !== 'NULL') || extra.includes('auto_increment') || generated,
    readOnly: type === undefined || generated,
    ...sizes(row),
  };
}

const MYSQL_TYPES: Record<string, FieldTypeName> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  bigint: 'bigint',
  decimal: 'decimal',
  float: 'float',
  double: 'float',
  varchar: 'string',
  char: 'string',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'datetime',
  time: 'time',
  json: 'json',
};

function sizes(row: Row): Pick<IntrospectedColumn, 'length' | 'precision' | 'scale'> {
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return { length: number(row.character_maximum_length), precision: number(row.numeric_precision), scale: number(row.numeric_scale) };
}

/** The kinds' default ports, for a registration that leaves the port out. */
export const DEFAULT_PORTS: Record<ConnectionKind, number> = { postgres: 5432, mysql: 3306 };
