import { primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef } from '../../modules/schema/schema.types';
import type { SqlDialect } from '../sql/dialect';
import type { CompiledSql } from '../sql/select.compiler';
import { postgresJsonOf } from '../sql/value-codec';

/**
 * The SQL of the write path: INSERT, UPDATE and DELETE by primary key, and the row locks taken before
 * an update or delete. Column names come from the registry's definitions; values are parameters.
 */

function columnsOf(collection: CollectionDef, row: Record<string, unknown>): string[] {
  const columns = Object.keys(row);
  for (const column of columns) {
    if (!collection.fields.some((field) => field.field === column)) throw new Error(`"${column}" is not a column of ${collection.name}`);
  }
  return columns;
}

/** The primary key column, quoted: `id` for Cairn's collections, the table's own for an external one. */
function keyColumn(dialect: SqlDialect, collection: CollectionDef): string {
  return dialect.quote(primaryKeyField(collection).field);
}

function keyList(dialect: SqlDialect, keys: unknown[], first: number): string {
  return keys.map((_, index) => dialect.placeholder(first + index)).join(', ');
}

export function insertStatement(dialect: SqlDialect, collection: CollectionDef, row: Record<string, unknown>): CompiledSql {
  const columns = columnsOf(collection, row);
  // Where the database can, the whole stored row comes back, so a create needs no read-back.
  const returning = dialect.supportsReturning ? ' RETURNING *' : '';
  return {
    sql: `INSERT INTO ${dialect.quote(collection.table)} (${columns.map((c) => dialect.quote(c)).join(', ')}) VALUES (${columns.map((_, i) => dialect.placeholder(i + 1)).join(', ')})${returning}`,
    params: columns.map((column) => row[column]),
  };
}

/**
 * One INSERT of several rows, each with these columns (a value missing from a row is NULL), answering
 * the stored rows where the database can (RETURNING, in the order of `rows` on PostgreSQL).
 */
export function insertManyStatement(dialect: SqlDialect, collection: CollectionDef, columns: string[], rows: Array<Record<string, unknown>>): CompiledSql {
  for (const column of columns) {
    if (!collection.fields.some((field) => field.field === column)) throw new Error(`"${column}" is not a column of ${collection.name}`);
  }
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((column) => (params.push(row[column] ?? null), dialect.placeholder(params.length))).join(', ')})`);
  const returning = dialect.supportsReturning ? ' RETURNING *' : '';
  return { sql: `INSERT INTO ${dialect.quote(collection.table)} (${columns.map((c) => dialect.quote(c)).join(', ')}) VALUES ${tuples.join(', ')}${returning}`, params };
}

/** One INSERT of log rows (activity, revisions), each of `columns` in order, every value a parameter. */
export function logInsertStatement(dialect: SqlDialect, table: string, columns: readonly string[], rows: unknown[][]): CompiledSql {
  let position = 0;
  const values = rows.map((row) => `(${row.map(() => dialect.placeholder(++position)).join(', ')})`).join(', ');
  return { sql: `INSERT INTO ${dialect.quote(table)} (${columns.map((column) => dialect.quote(column)).join(', ')}) VALUES ${values}`, params: rows.flat() };
}

/** A log row written beside an insert: its table, columns and values, some taken from the inserted row. */
export interface LoggedRow {
  table: string;
  columns: string[];
  /** In `columns` order; the values of the columns `fromInserted` names are ignored. */
  values: unknown[];
  /** SQL expressions over the inserted row (the CTE `inserted`), by column; built only with the text. */
  fromInserted: Record<string, () => string>;
}

/** Column sets kept per collection; beyond, that collection's texts start over. */
const TEXTS_PER_COLLECTION = 64;

/**
 * The texts of insertWithLogStatement, by collection definition (a schema change makes a new one) and
 * the columns given. A create of a collection with the same fields has the same text, which is long (two
 * JSON snapshots of the row in SQL) and names its prepared statement: built once, and the same string
 * each time, whose hash the statement's lookup then need not compute again.
 */
export class InsertWithLogTexts {
  private readonly byCollection = new WeakMap<CollectionDef, Map<string, string>>();

  text(collection: CollectionDef, columns: string[], variant: string, build: () => string): string {
    let texts = this.byCollection.get(collection);
    if (!texts || texts.size >= TEXTS_PER_COLLECTION) this.byCollection.set(collection, (texts = new Map()));
    const key = `${columns.join(',')}|${variant}`;
    let text = texts.get(key);
    if (text === undefined) texts.set(key, (text = build()));
    return text;
  }
}

/**
 * One PostgreSQL statement that inserts a row and its log rows (activity, revision), atomically as
 * every statement is: a create then costs one round trip instead of BEGIN, three INSERTs and COMMIT.
 * Log values that can only be known once the row is inserted (its key, the stored row) are read from
 * the CTE `inserted`. `texts` keeps the text by collection, row columns and `variant`, which names
 * whatever else the logs' tables, columns and expressions depend on.
 */
export function insertWithLogStatement(
  dialect: SqlDialect,
  collection: CollectionDef,
  row: Record<string, unknown>,
  logs: LoggedRow[],
  texts: { cache: InsertWithLogTexts; variant: string },
): CompiledSql {
  if (dialect.kind !== 'postgres') throw new Error('insertWithLogStatement is PostgreSQL only');
  const columns = columnsOf(collection, row);
  const params = columns.map((column) => row[column]);
  for (const log of logs) log.columns.forEach((column, position) => log.fromInserted[column] === undefined && params.push(log.values[position]));
  return { sql: texts.cache.text(collection, columns, texts.variant, () => insertWithLogText(dialect, collection, columns, logs)), params };
}

/** The text of insertWithLogStatement: its parameters are the row's values, then the logs' own, in order. */
function insertWithLogText(dialect: SqlDialect, collection: CollectionDef, columns: string[], logs: LoggedRow[]): string {
  const { parts, inserted } = insertWithLogParts(dialect, collection, columns, logs, { suffix: '', parameters: 0 });
  return `WITH ${parts.join(', ')} SELECT * FROM ${inserted}`;
}

/**
 * The CTEs of one row and its log rows: the insert as `inserted<suffix>`, then each log row reading it.
 * Its parameters follow the `parameters` before it: the row's values, then the logs' own.
 */
function insertWithLogParts(dialect: SqlDialect, collection: CollectionDef, columns: string[], logs: LoggedRow[], at: { suffix: string; parameters: number }): { parts: string[]; inserted: string } {
  let parameter = at.parameters;
  const insertSql = `INSERT INTO ${dialect.quote(collection.table)} (${columns.map((c) => dialect.quote(c)).join(', ')}) VALUES (${columns.map(() => dialect.placeholder((parameter += 1))).join(', ')}) RETURNING *`;
  const inserted = dialect.quote(`inserted${at.suffix}`);
  const statements = logs.map((log, index) => {
    const values = log.columns.map((column) => {
      const expression = log.fromInserted[column];
      return expression !== undefined ? `(SELECT ${expression()} FROM ${inserted})` : dialect.placeholder((parameter += 1));
    });
    const sql = `INSERT INTO ${dialect.quote(log.table)} (${log.columns.map((c) => dialect.quote(c)).join(', ')}) VALUES (${values.join(', ')})`;
    return `${dialect.quote(`logged${at.suffix}_${index}`)} AS (${sql})`;
  });
  return { parts: [`${inserted} AS (${insertSql})`, ...statements], inserted };
}

/** The column by which insertManyWithLogStatement's rows are ordered; answered with them, for the caller to drop. */
export const INSERTED_ROW_ORDER = 'cairn_inserted_row';

/**
 * insertWithLogStatement for several rows, each with its own log rows, in one statement: each row is
 * its own INSERT (`inserted_0`, `inserted_1`…), so that each log row reads the key of its own row. The
 * rows are answered in the order given, each with its place in INSERTED_ROW_ORDER. The text is kept by
 * the collection definition and every row's columns and variant.
 */
export function insertManyWithLogStatement(
  dialect: SqlDialect,
  collection: CollectionDef,
  rows: Array<{ row: Record<string, unknown>; logs: LoggedRow[]; variant: string }>,
  cache: InsertWithLogTexts,
): CompiledSql {
  if (dialect.kind !== 'postgres') throw new Error('insertManyWithLogStatement is PostgreSQL only');
  const params: unknown[] = [];
  const shapes = rows.map(({ row, logs }) => {
    const columns = columnsOf(collection, row);
    params.push(...columns.map((column) => row[column]));
    for (const log of logs) log.columns.forEach((column, position) => log.fromInserted[column] === undefined && params.push(log.values[position]));
    return columns;
  });
  const key = rows.map(({ variant }, index) => `${shapes[index].join(',')}|${variant}`).join(';');
  const sql = cache.text(collection, [`${rows.length} rows`], key, () => {
    let parameters = 0;
    const parts: string[] = [];
    const selects: string[] = [];
    rows.forEach(({ logs }, index) => {
      const built = insertWithLogParts(dialect, collection, shapes[index], logs, { suffix: `_${index}`, parameters });
      parameters += shapes[index].length + logs.reduce((count, log) => count + log.columns.filter((column) => log.fromInserted[column] === undefined).length, 0);
      parts.push(...built.parts);
      selects.push(`SELECT ${index} AS ${dialect.quote(INSERTED_ROW_ORDER)}, * FROM ${built.inserted}`);
    });
    return `WITH ${parts.join(', ')} SELECT * FROM (${selects.join(' UNION ALL ')}) AS ${dialect.quote('inserted')} ORDER BY ${dialect.quote(INSERTED_ROW_ORDER)}`;
  });
  return { sql, params };
}

/** PostgreSQL: the key of the inserted row as text. */
export function insertedKeyAsText(dialect: SqlDialect): string {
  return `CAST(${dialect.quote('id')} AS varchar)`;
}

/**
 * PostgreSQL: a jsonb object of these fields of the inserted row, each as the value codec reads it.
 * jsonb_build_object takes at most 100 arguments, so wide rows are built in parts and concatenated.
 */
export function insertedRowAsJson(dialect: SqlDialect, fields: FieldDef[]): string {
  const parts: string[] = [];
  for (let start = 0; start === 0 || start < fields.length; start += 50) {
    const pairs = fields.slice(start, start + 50).map((field) => `'${field.field.replace(/'/g, "''")}', ${postgresJsonOf(field, dialect.quote(field.field))}`);
    parts.push(`jsonb_build_object(${pairs.join(', ')})`);
  }
  return parts.join(' || ');
}

/** Selects whole rows by key, for the revisions of a change (read inside its transaction). */
export function rowsStatement(dialect: SqlDialect, collection: CollectionDef, keys: unknown[]): CompiledSql {
  const columns = collection.fields.map((field) => dialect.quote(field.field)).join(', ');
  return { sql: `SELECT ${columns} FROM ${dialect.quote(collection.table)} WHERE ${dialect.quote('id')} IN (${keyList(dialect, keys, 1)})`, params: keys };
}

export function updateStatement(dialect: SqlDialect, collection: CollectionDef, row: Record<string, unknown>, keys: unknown[]): CompiledSql {
  const columns = columnsOf(collection, row);
  const assignments = columns.map((column, index) => `${dialect.quote(column)} = ${dialect.placeholder(index + 1)}`).join(', ');
  return {
    sql: `UPDATE ${dialect.quote(collection.table)} SET ${assignments} WHERE ${keyColumn(dialect, collection)} IN (${keyList(dialect, keys, columns.length + 1)})`,
    params: [...columns.map((column) => row[column]), ...keys],
  };
}

export function deleteStatement(dialect: SqlDialect, collection: CollectionDef, keys: unknown[]): CompiledSql {
  return { sql: `DELETE FROM ${dialect.quote(collection.table)} WHERE ${keyColumn(dialect, collection)} IN (${keyList(dialect, keys, 1)})`, params: keys };
}

/** Selects and locks the rows with these keys (SQLite's writers already take turns, so it needs no lock). */
export function lockStatement(dialect: SqlDialect, collection: CollectionDef, keys: unknown[]): CompiledSql {
  // In key order, so that writers locking overlapping rows take them in the same order and cannot deadlock.
  const lock = dialect.kind === 'sqlite' ? '' : ' FOR UPDATE';
  const key = keyColumn(dialect, collection);
  // The key is answered as `id` whatever its column's name.
  const selected = primaryKeyField(collection).field === 'id' ? key : `${key} AS ${dialect.quote('id')}`;
  return { sql: `SELECT ${selected} FROM ${dialect.quote(collection.table)} WHERE ${key} IN (${keyList(dialect, keys, 1)}) ORDER BY ${key}${lock}`, params: keys };
}

/** The row just inserted, as RETURNING gave it (PostgreSQL, SQLite); null where there is none (MySQL). */
export function insertedRow(result: unknown): Record<string, unknown> | null {
  return Array.isArray(result) ? ((result[0] as Record<string, unknown> | undefined) ?? null) : null;
}

/** The key of a row just inserted: from its RETURNING row, or MySQL's insertId. */
export function insertedKey(result: unknown): unknown {
  return insertedRow(result)?.id ?? (result as { insertId?: unknown } | undefined)?.insertId;
}
