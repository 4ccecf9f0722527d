import { primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, WorkspaceSchema } from '../../modules/schema/schema.types';
import type { FilterNode, QueryContext } from '../query/query.ast';
import type { SqlDialect } from './dialect';
import { bind, column, compileCondition, type CompiledSql, newStatement, nextAlias, scopeOf } from './filter.compiler';

/**
 * A row as a write would leave it, without the write: the stored row of `key` (none for a create) with
 * `values` (already encoded for the database) over it, as a derived table of one row.
 */
export interface RowImage {
  key: unknown;
  values: Record<string, unknown>;
}

/**
 * Whether a row image matches a filter, asked of the database: the image is a one-row derived table
 * under the root alias, and the filter is compiled on it exactly as on the table, relations included,
 * so the database compares (collations, types, variables) as it would once the row is written. Each
 * written value is a `CASE` whose other branch is the stored column, so PostgreSQL gives the
 * parameter the column's type; a create joins no stored row (`ON 1 = 0`), and its columns' types come
 * from the table all the same. Answers one row (`matches`) when the image matches, none otherwise.
 */
export function compileImageMatch(collection: CollectionDef, image: RowImage, filter: FilterNode, schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext): CompiledSql {
  const statement = newStatement(schema, dialect, ctx);
  const root = scopeOf(statement, collection);
  const one = nextAlias(statement);
  const stored = nextAlias(statement);
  const q = (name: string) => dialect.quote(name);
  const columns = collection.fields.map((field) => {
    const current = column(statement, stored, field.field);
    if (!(field.field in image.values)) return `${current} AS ${q(field.field)}`;
    return `CASE WHEN 1 = 1 THEN ${bind(statement, image.values[field.field])} ELSE ${current} END AS ${q(field.field)}`;
  });
  const on = image.key === null ? '1 = 0' : `${column(statement, stored, primaryKeyField(collection).field)} = ${bind(statement, image.key)}`;
  const derived = `SELECT ${columns.join(', ')} FROM (SELECT 1 AS ${q('one')}) AS ${one} LEFT JOIN ${q(collection.table)} AS ${stored} ON ${on}`;
  const condition = compileCondition(filter, root, statement);
  return { sql: `SELECT 1 AS ${q('matches')} FROM (${derived}) AS ${root.alias} WHERE ${condition}`, params: statement.params };
}
