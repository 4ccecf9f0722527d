import type { Database } from '../../common/database/database.service';
import { dialectFor } from '../../engine/sql/dialect';
import { encodeRow, fromDatabase } from '../../engine/sql/value-codec';
import { insertManyStatement, updateStatement } from '../../engine/write/write.sql';
import type { CollectionDef } from '../schema/schema.types';

type Row = Record<string, unknown>;

/**
 * A table's rows in pages of `size`, by primary key (keyset pages: each page one indexed range read,
 * whatever the table's size), each value decoded by its field's codec exactly as the API answers it,
 * so that the archive is the same whichever database wrote it: dates ISO, JSON as JSON, booleans as
 * booleans, bigints beyond 2^53 as strings of digits. With `workspaceId`, only that workspace's rows
 * of a table the workspaces share (files, folders).
 */
export async function* tablePages(db: Database, collection: CollectionDef, size: number, workspaceId?: string): AsyncGenerator<Row[]> {
  const dialect = dialectFor(db.kind);
  const q = (name: string) => dialect.quote(name);
  const columns = collection.fields.map((field) => q(field.field)).join(', ');
  let last: unknown = undefined;
  for (;;) {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (workspaceId !== undefined) conditions.push(`${q('workspace_id')} = ${dialect.placeholder(params.push(workspaceId))}`);
    if (last !== undefined) conditions.push(`${q('id')} > ${dialect.placeholder(params.push(last))}`);
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const rows = await db.read(`SELECT ${columns} FROM ${q(collection.table)}${where} ORDER BY ${q('id')} ${dialect.limitOffset(size, 0)}`, params);
    if (rows.length === 0) return;
    last = rows[rows.length - 1].id;
    yield rows.map((row) => decodeRow(db, collection, row));
    if (rows.length < size) return;
  }
}

function decodeRow(db: Database, collection: CollectionDef, row: Row): Row {
  const decoded: Row = {};
  for (const field of collection.fields) decoded[field.field] = fromDatabase(field, row[field.field], db.kind);
  return decoded;
}

/**
 * Inserts rows read from an archive, keys included, each value through its field's codec for this
 * database: no hook, flow, webhook or log row, since a restore recreates what was, it does not write
 * anew. A value of a name that is not a field is refused (the archive does not fit the schema).
 */
export async function insertRows(db: Database, collection: CollectionDef, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const dialect = dialectFor(db.kind);
  const columns = collection.fields.map((field) => field.field);
  const encoded = rows.map((row) => encodeRow(collection, pick(row, columns), db.kind));
  // A few thousand parameters per statement: under every database's limit on placeholders.
  const perStatement = Math.max(1, Math.floor(4000 / columns.length));
  await db.transaction(async (manager) => {
    for (let start = 0; start < encoded.length; start += perStatement) {
      const { sql, params } = insertManyStatement(dialect, collection, columns, encoded.slice(start, start + perStatement));
      await manager.query(sql, params);
    }
  });
}

/** Sets fields of rows already inserted: `{key, values}` each, the references a cycle kept out of their insert. */
export async function updateRows(db: Database, collection: CollectionDef, links: Array<{ key: unknown; values: Row }>): Promise<void> {
  if (links.length === 0) return;
  const dialect = dialectFor(db.kind);
  const names = collection.fields.map((field) => field.field);
  const key = collection.fields.find((field) => field.primaryKey)!;
  await db.transaction(async (manager) => {
    for (const link of links) {
      const { sql, params } = updateStatement(dialect, collection, encodeRow(collection, pick(link.values, names), db.kind), [encodeRow(collection, { [key.field]: link.key }, db.kind)[key.field]]);
      await manager.query(sql, params);
    }
  });
}

/** The row's values of `columns` (a column it lacks is null); any other name is refused. */
function pick(row: Row, columns: string[]): Row {
  const known = new Set(columns);
  const unknown = Object.keys(row).find((name) => !known.has(name));
  if (unknown !== undefined) throw new UnknownColumn(unknown);
  const picked: Row = {};
  for (const column of columns) if (column in row) picked[column] = row[column];
  return picked;
}

/** An archive's row names a column its collection does not have. */
export class UnknownColumn extends Error {
  constructor(readonly column: string) {
    super(`"${column}" is not a field`);
  }
}
