import { primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../../modules/schema/schema.types';
import type { QueryContext, RelationCount } from '../query/query.ast';
import type { SqlDialect } from './dialect';
import {
  bind,
  column,
  compileCondition,
  type CompiledSql,
  invalidQuery,
  newStatement,
  requireCollection,
  requireColumn,
  requireRelation,
  type Scope,
  scopeOf,
  type Statement,
  tableOf,
} from './filter.compiler';
import { toDatabase } from './value-codec';

/** The column of a count's rows that names the row it counts for (as nested reads name their parent). */
const PARENT_KEY = '__parent';

/**
 * `count(relation)` of one row of `scope`, as a correlated subquery: the one-to-many's child rows, or
 * the many-to-many's related rows through the junction, that the count's filter (the read policy of
 * the related collection) keeps. Zero when there are none, on every database; an index on the foreign
 * key (or on the junction's local key) serves it.
 *
 *   one-to-many   (SELECT COUNT(*) FROM child t1 WHERE t1.fk = t0.pk AND …)
 *   many-to-many  (SELECT COUNT(*) FROM junction t1 INNER JOIN related t2 ON t2.pk = t1.other WHERE t1.local = t0.pk AND …)
 */
export function compileRelationCount(count: RelationCount, scope: Scope, statement: Statement): string {
  const relation = requireRelation(statement.schema, scope.collection, count.field);
  const related = requireCollection(statement.schema, relation.related);
  const local = column(statement, scope.alias, primaryKeyField(scope.collection).field);
  switch (relation.kind) {
    case 'm2o':
      throw invalidQuery(`count(${count.field}) counts the items of a one-to-many or many-to-many; "${count.field}" is a many-to-one.`, { field: count.field });
    case 'o2m': {
      const target = scopeOf(statement, related);
      const conditions = [`${column(statement, target.alias, relation.foreignKey)} = ${local}`];
      if (count.filter) conditions.push(compileCondition(count.filter, target, statement));
      return `(SELECT COUNT(*) FROM ${tableOf(statement, target)} WHERE ${conditions.join(' AND ')})`;
    }
    case 'm2m': {
      const junction = scopeOf(statement, requireCollection(statement.schema, relation.junction));
      const target = scopeOf(statement, related);
      const join = `INNER JOIN ${tableOf(statement, target)} ON ${column(statement, target.alias, primaryKeyField(related).field)} = ${column(statement, junction.alias, relation.junctionRelatedKey)}`;
      const conditions = [`${column(statement, junction.alias, relation.junctionLocalKey)} = ${local}`];
      if (count.filter) conditions.push(compileCondition(count.filter, target, statement));
      return `(SELECT COUNT(*) FROM ${tableOf(statement, junction)} ${join} WHERE ${conditions.join(' AND ')})`;
    }
  }
}

/**
 * The counts of one relation for a whole level of rows, in one statement (never one per row): the
 * related rows grouped by the key of the row they belong to, among `keys` (the rows' primary keys),
 * that the count's filter keeps. A row with none has no group: its count is 0. Read apart from the
 * rows, so that a database counts for the page's rows only: a count in the select list of a paged
 * statement is computed for every row an offset skips too (PostgreSQL does so on an index scan).
 *
 *   one-to-many   SELECT t0.fk AS __parent, COUNT(*) AS count FROM child t0 WHERE t0.fk IN (…) AND … GROUP BY t0.fk
 *   many-to-many  SELECT t0.local AS __parent, COUNT(*) AS count FROM junction t0 INNER JOIN related t1 ON … WHERE t0.local IN (…) AND … GROUP BY t0.local
 */
export function compileRelationCounts(parent: CollectionDef, count: RelationCount, keys: unknown[], schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext): CompiledSql {
  const statement = newStatement(schema, dialect, ctx);
  const relation = requireRelation(schema, parent, count.field);
  if (relation.kind === 'm2o') throw invalidQuery(`count(${count.field}) counts the items of a one-to-many or many-to-many; "${count.field}" is a many-to-one.`, { field: count.field });
  const related = requireCollection(schema, relation.related);
  let from: string;
  let target: Scope;
  let parentColumn: string;
  let parentField: FieldDef;
  if (relation.kind === 'o2m') {
    target = scopeOf(statement, related);
    from = tableOf(statement, target);
    parentField = requireColumn(related, relation.foreignKey);
    parentColumn = column(statement, target.alias, parentField.field);
  } else {
    const junction = scopeOf(statement, requireCollection(schema, relation.junction));
    target = scopeOf(statement, related);
    from = `${tableOf(statement, junction)} INNER JOIN ${tableOf(statement, target)} ON ${column(statement, target.alias, primaryKeyField(related).field)} = ${column(statement, junction.alias, relation.junctionRelatedKey)}`;
    parentField = requireColumn(junction.collection, relation.junctionLocalKey);
    parentColumn = column(statement, junction.alias, parentField.field);
  }
  const placeholders = keys.map((key) => bind(statement, toDatabase(parentField, key, dialect.kind)));
  const conditions = [keys.length === 0 ? '1 = 0' : `${parentColumn} IN (${placeholders.join(', ')})`];
  if (count.filter) conditions.push(compileCondition(count.filter, target, statement));
  const sql = `SELECT ${parentColumn} AS ${dialect.quote(PARENT_KEY)}, COUNT(*) AS ${dialect.quote('count')} FROM ${from} WHERE ${conditions.join(' AND ')} GROUP BY ${parentColumn}`;
  return { sql, params: statement.params };
}
