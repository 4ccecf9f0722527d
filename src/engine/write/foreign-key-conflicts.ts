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
    if (missing) {
      const key = missing.values[relation.field];
      return conflict(`"${relation.field}": no item ${JSON.stringify(key)} in "${related.name}".`, { field: missing.where ? `${missing.where}.${relation.field}` : relation.field });
    }
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
    return conflict(
      `Item ${JSON.stringify(row)} of "${collection.name}" is still referred to by "${referring.name}" through "${relation.field}", whose relation restricts deletes: delete those items or change their "${relation.field}" first.`,
      { collection: referring.name, field: relation.field },
    );
  }
  return null;
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
