import { primaryKeyField } from '../../schema/schema.lookup';
import type { CollectionDef } from '../../schema/schema.types';
import type { SqlDialect } from '../sql/dialect';
import type { CompiledSql } from '../sql/select.compiler';

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
 * One PostgreSQL statement that inserts a row and its activity row, atomically as every statement is:
 * a create then costs one round trip instead of BEGIN, two INSERTs and COMMIT. The activity row's
 * values are given in `activityColumns` order; its `item` is taken from the inserted row, whose key
 * may only be known once it is inserted.
 */
export function insertWithActivityStatement(
  dialect: SqlDialect,
  collection: CollectionDef,
  row: Record<string, unknown>,
  activity: { table: string; columns: string[]; values: unknown[]; itemColumn: string },
): CompiledSql {
  if (dialect.kind !== 'postgres') throw new Error('insertWithActivityStatement is PostgreSQL only');
  const insert = insertStatement(dialect, collection, row);
  const params = [...insert.params];
  const values = activity.columns.map((column, index) => {
    if (column === activity.itemColumn) return `(SELECT CAST(${dialect.quote('id')} AS varchar) FROM ${dialect.quote('inserted')})`;
    params.push(activity.values[index]);
    return dialect.placeholder(params.length);
  });
  const logged = `INSERT INTO ${dialect.quote(activity.table)} (${activity.columns.map((c) => dialect.quote(c)).join(', ')}) VALUES (${values.join(', ')})`;
  return {
    sql: `WITH ${dialect.quote('inserted')} AS (${insert.sql}), ${dialect.quote('logged')} AS (${logged}) SELECT * FROM ${dialect.quote('inserted')}`,
    params,
  };
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
