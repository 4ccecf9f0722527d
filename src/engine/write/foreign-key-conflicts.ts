import { AppError, conflict } from '../../common/errors/app-error';
import { findCollection, findField, primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, WorkspaceSchema } from '../../modules/schema/schema.types';
import type { RunSql } from '../read/read.runner';
import type { SqlDialect } from '../sql/dialect';
import { toDatabase } from '../sql/value-codec';

type Row = Record<string, unknown>;

/**
 * What a write that a foreign key refused had named: the values of each item, with where the item
 * sits in the request's body (`''`, `2`, `data`), or the keys it deleted.
 */
export type RefusedWrite = { items: Array<{ where: string; values: Row }> } | { deleted: unknown[] };

/** Where a refused write's statements ran: Cairn's database or a connection's. */
export interface ConflictSource {
  schema: WorkspaceSchema;
  dialect: SqlDialect;
  run: RunSql;
}

/**
 * Explains a foreign-key violation that the database reported for a write of `collection`, from the
 * registry's relations and what the write named, the same way on every database (SQLite's error says
 * nothing more than "FOREIGN KEY constraint failed"): the first many-to-one value whose related item
 * does not exist, or a relation that restricts deletes and still has items referring to a deleted one.
 * It reads after the write's transaction is gone, so null when nothing explains the violation any more
 * (a concurrent change, a restriction further down a cascade), and the generic conflict answers.
 */
export async function explainForeignKeyViolation(source: ConflictSource, collection: CollectionDef, write: RefusedWrite): Promise<AppError | null> {
  return 'deleted' in write ? restrictingReference(source, collection, write.deleted) : missingRelatedItem(source, collection, write.items);
}

async function missingRelatedItem(source: ConflictSource, collection: CollectionDef, items: Array<{ where: string; values: Row }>): Promise<AppError | null> {
  for (const relation of source.schema.relations.filter((r) => r.collection === collection.name)) {
    const related = findCollection(source.schema, relation.relatedCollection);
    const named = items.filter((item) => item.values[relation.field] !== undefined && item.values[relation.field] !== null);
    if (!related || named.length === 0) continue;
    const keys = [...new Set(named.map((item) => item.values[relation.field]))];
    const found = new Set((await rowsWith(source, related, primaryKeyField(related).field, keys)).map(String));
    const missing = named.find((item) => !found.has(String(item.values[relation.field])));
    if (missing) return missingConflict(relation.field, related, missing);
  }
  return null;
}

async function restrictingReference(source: ConflictSource, collection: CollectionDef, deleted: unknown[]): Promise<AppError | null> {
  const restricting = source.schema.relations.filter((r) => r.relatedCollection === collection.name && r.onDelete === 'RESTRICT');
  for (const relation of restricting) {
    const referring = findCollection(source.schema, relation.collection);
    if (!referring) continue;
    const [row] = await rowsWith(source, referring, relation.field, deleted, 1);
    if (row === undefined) continue;
    return restrictedConflict(collection, referring, relation.field, row);
  }
  return null;
}

/**
 * The same explanation from PostgreSQL's own report of the violation, without reading: for a write of a
 * unit of work that failed without a savepoint, whose transaction can run nothing more (see
 * Database.transaction), while a read from outside it would not see the rows the unit wrote before. The
 * report's detail names the column and the key that is missing ("Key (author)=(7) is not present in
 * table …"), or the table that still refers to a deleted key ("… is still referenced from table …").
 * Null when it names nothing the write named.
 */
export function explainPostgresViolation(schema: WorkspaceSchema, collection: CollectionDef, write: RefusedWrite, error: unknown): AppError | null {
  const detail = String((error as { detail?: unknown }).detail ?? (error as { driverError?: { detail?: unknown } }).driverError?.detail ?? '');
  const report = /^Key \((.+)\)=\((.*)\) is (not present in|still referenced from) table "(.+)"\.$/.exec(detail);
  if (!report) return null;
  const [, column, key, kind, table] = report;
  const sameKey = (value: unknown) => value !== undefined && value !== null && String(value).toLowerCase() === key.toLowerCase();
  if ('deleted' in write) {
    if (kind !== 'still referenced from') return null;
    const deleted = write.deleted.find(sameKey);
    const referring = [...schema.collections.values()].find((c) => c.table === table);
    const relation = referring && schema.relations.find((r) => r.collection === referring.name && r.relatedCollection === collection.name && r.onDelete === 'RESTRICT');
    return deleted !== undefined && referring && relation ? restrictedConflict(collection, referring, relation.field, deleted) : null;
  }
  if (kind !== 'not present in') return null;
  const relation = schema.relations.find((r) => r.collection === collection.name && r.field === column);
  const related = relation && findCollection(schema, relation.relatedCollection);
  const missing = relation && write.items.find((item) => sameKey(item.values[relation.field]));
  return relation && related && missing ? missingConflict(relation.field, related, missing) : null;
}

function missingConflict(field: string, related: CollectionDef, missing: { where: string; values: Row }): AppError {
  return conflict(`"${field}": no item ${JSON.stringify(missing.values[field])} in "${related.name}".`, { field: missing.where ? `${missing.where}.${field}` : field });
}

function restrictedConflict(collection: CollectionDef, referring: CollectionDef, field: string, key: unknown): AppError {
  return conflict(
    `Item ${JSON.stringify(key)} of "${collection.name}" is still referred to by "${referring.name}" through "${field}", whose relation restricts deletes: delete those items or change their "${field}" first.`,
    { collection: referring.name, field },
  );
}

/** The values of `column` among `keys` that rows of the collection hold (at most `limit` of them). */
async function rowsWith(source: ConflictSource, collection: CollectionDef, column: string, keys: unknown[], limit: number | null = null): Promise<unknown[]> {
  const { dialect } = source;
  const field = findField(collection, column)!;
  const placeholders = keys.map((_, index) => dialect.placeholder(index + 1)).join(', ');
  const quoted = dialect.quote(column);
  const sql = `SELECT ${quoted} AS ${dialect.quote('key')} FROM ${dialect.quote(collection.table)} WHERE ${quoted} IN (${placeholders}) ${dialect.limitOffset(limit, 0)}`;
  const rows = await source.run(sql.trim(), keys.map((key) => toDatabase(field, key, dialect.kind)));
  return rows.map((row) => (field.type === 'integer' ? Number(row.key) : row.key));
}
