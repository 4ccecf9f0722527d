import { primaryKeyField } from '../../modules/schema/schema.lookup';
import type { RelationCount } from '../query/query.ast';
import { column, compileCondition, invalidQuery, requireCollection, requireRelation, type Scope, scopeOf, type Statement, tableOf } from './filter.compiler';

/** The alias a selected `count(relation)` is read under, by its position in the selection. */
export function countAlias(index: number): string {
  return `__c${index}`;
}

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

/** The selected counts of a selection, each under its positional alias. */
export function countSelectList(counts: readonly RelationCount[], scope: Scope, statement: Statement): string[] {
  return counts.map((count, index) => `${compileRelationCount(count, scope, statement)} AS ${statement.dialect.quote(countAlias(index))}`);
}
