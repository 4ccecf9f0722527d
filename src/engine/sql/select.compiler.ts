import { fieldType } from '../../modules/schema/field-types';
import { primaryKeyField } from '../../modules/schema/schema.lookup';
import { nullsClause } from '../../modules/schema/index-order';
import type { CollectionDef, FieldDef, RelationalField, WorkspaceSchema } from '../../modules/schema/schema.types';
import type { AggregateTerm, FilterNode, ItemsQuery, NestedRead, QueryContext, Selection, SortTerm } from '../query/query.ast';
import type { SqlDialect } from './dialect';
import {
  bind,
  column,
  compileCondition,
  compileSearch,
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
import { computedSelectList } from './expression.compiler';
import { compileRelationCount } from './count.compiler';
import { toDatabase } from './value-codec';

export type { CompiledSql } from './filter.compiler';

/** The column of a nested read's rows that names the parent row each belongs to. */
export const PARENT_KEY = '__parent';
/** The row number of a child within its parent, for a deep limit. */
const ROW_NUMBER = '__rn';

/** The root rows of a query: selected columns, filter and search, sort with a tie-breaker, limit/offset. */
export function compileSelect(query: ItemsQuery, schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext): CompiledSql {
  const statement = newStatement(schema, dialect, ctx);
  const root = scopeOf(statement, requireCollection(schema, query.collection));
  // Parameters are bound in the order their clauses appear in the SQL: SQLite's and MySQL's `?` are
  // positional, so a computed value's literals (in the select list) come before the filter's values.
  const columns = [selectList(readColumns(schema, root.collection, query.selection), root, statement), ...computedSelectList(query.computed ?? [], root, statement)];
  const sorted = sortCounts(query.sort, root, statement);
  columns.push(...sorted.columns);
  const order = compileOrder(query.sort, root, statement, [primaryKeyField(root.collection)], sorted.aliases);
  const where = compileWhere(query, root, statement);
  const sql = [
    `SELECT ${columns.join(', ')}`,
    `FROM ${tableOf(statement, root)}`,
    ...order.joins,
    where === null ? '' : `WHERE ${where}`,
    `ORDER BY ${order.terms.join(', ')}`,
    limitOffset(query.limit, query.offset, statement),
  ];
  return { sql: joinClauses(sql), params: statement.params };
}

/**
 * The columns ORDER BY names for the sort's `count(…)` terms, selected for the sort alone (`__s0`, …)
 * and not answered: the counts a read answers are read apart, for its page's rows only (see
 * compileRelationCounts). ORDER BY names them by alias, which all three databases allow, so that the
 * subqueries' parameters stay in the select list, bound in the order they appear.
 */
function sortCounts(sort: SortTerm[], root: Scope, statement: Statement): { columns: string[]; aliases: Map<SortTerm, string> } {
  const columns: string[] = [];
  const aliases = new Map<SortTerm, string>();
  sort.forEach((term, index) => {
    if (!term.count) return;
    const alias = `__s${index}`;
    columns.push(`${compileRelationCount({ field: term.path[0], filter: term.count.filter }, root, statement)} AS ${statement.dialect.quote(alias)}`);
    aliases.set(term, alias);
  });
  return { columns, aliases };
}

/** `COUNT(*)` of the collection: for total_count without the filter, for filter_count with filter and search. */
export function compileCount(
  query: ItemsQuery,
  schema: WorkspaceSchema,
  dialect: SqlDialect,
  ctx: QueryContext,
  options: { applyFilter: boolean },
): CompiledSql {
  const statement = newStatement(schema, dialect, ctx);
  const root = scopeOf(statement, requireCollection(schema, query.collection));
  const where = options.applyFilter ? compileWhere(query, root, statement) : null;
  const sql = [`SELECT COUNT(*) AS ${dialect.quote('count')}`, `FROM ${tableOf(statement, root)}`, where === null ? '' : `WHERE ${where}`];
  return { sql: joinClauses(sql), params: statement.params };
}

/**
 * One aggregate of an aggregate query: its function, its field (null for count *) with the path to it,
 * and its column alias. An average is read as a sum (under `alias`) and a count (under `countAlias`) and
 * divided by the reader: AVG itself answers differently on each database (PostgreSQL rounds a numeric to
 * 16 places, MySQL to 4, SQLite divides floating-point), where an exact sum divided once answers the same.
 */
export interface AggregateColumn {
  term: AggregateTerm;
  field: FieldDef | null;
  /** The field's path: `['views']`, or `['post', 'views']` through a many-to-one; empty for count *. */
  path: string[];
  alias: string;
  /** For avg: the alias of the count of non-NULL values; null for the other functions. */
  countAlias: string | null;
}

/**
 * The aggregate columns of a query, validated. Aliases are positional (`__a0`, `__a1`, …, and `__n0`
 * for the count of an average) so that they are short enough for any database and can not collide
 * with a grouped field.
 */
export function aggregateColumns(query: ItemsQuery, schema: WorkspaceSchema): AggregateColumn[] {
  return query.aggregate.map((term, index) => {
    const alias = `__a${index}`;
    if (term.field === '*') {
      if (term.fn !== 'count') throw invalidQuery(`Aggregate "${term.fn}" needs a field, not "*".`);
      return { term, field: null, path: [], alias, countAlias: null };
    }
    const { path, field } = fieldAlong(query, schema, term.field, 'aggregate');
    if ((term.fn === 'sum' || term.fn === 'avg') && !fieldType(field.type).numeric) {
      throw invalidQuery(`Aggregate "${term.fn}" needs a numeric field; "${term.field}" is ${field.type}.`, { field: term.field });
    }
    if ((term.fn === 'min' || term.fn === 'max') && !fieldType(field.type).ordered) {
      throw invalidQuery(`Aggregate "${term.fn}" needs a field whose values have an order; "${term.field}" is ${field.type}.`, { field: term.field });
    }
    return { term, field, path, alias, countAlias: term.fn === 'avg' ? `__n${index}` : null };
  });
}

/**
 * Aggregates grouped by fields, with filter and search. Sort may name grouped fields only; the grouped
 * fields not sorted on follow, so that groups come in a stable order and pages do not overlap.
 */
export function compileAggregate(query: ItemsQuery, schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext): CompiledSql {
  const statement = newStatement(schema, dialect, ctx);
  const root = scopeOf(statement, requireCollection(schema, query.collection));
  // Paths through many-to-one relations are LEFT JOINs, one per path prefix shared by groups and
  // aggregates, each joined with the row filter of its collection's read policy: a related row the
  // caller may not read groups, and is aggregated, as none (NULL).
  const joins = new Map<string, Scope>();
  const ordering: Ordering = { joins: [], terms: [] };
  const scopeAt = (path: string[]) => {
    let scope = root;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const prefix = path.slice(0, depth + 1);
      scope = joinedScope(prefix, scope, joins, ordering, statement, query.joinFilters?.[prefix.join('.')] ?? null);
    }
    return scope;
  };
  const grouped = groupColumns(query, schema).map((group) => {
    const scope = scopeAt(group.path);
    const plain = column(statement, scope.alias, group.field.field);
    // Text groups exactly (see SqlDialect.exactText), selected as the same expression under its alias.
    const expression = exact(group.field, plain, scope, statement);
    return { ...group, scope, expression, selected: expression === plain && group.alias === group.field.field && scope === root ? plain : `${expression} AS ${dialect.quote(group.alias)}` };
  });
  const groups = grouped.map((group) => group.expression);
  const aggregates = aggregateColumns(query, schema).flatMap((aggregate) => aggregateExpressions(aggregate, scopeAt(aggregate.path), statement));
  if (groups.length + aggregates.length === 0) throw invalidQuery('An aggregate query needs an aggregate or a groupBy field.');
  const where = compileWhere(query, root, statement);
  const sql = [
    `SELECT ${[...grouped.map((group) => group.selected), ...aggregates].join(', ')}`,
    `FROM ${tableOf(statement, root)}`,
    ...ordering.joins,
    where === null ? '' : `WHERE ${where}`,
    groups.length === 0 ? '' : `GROUP BY ${groups.join(', ')}`,
    groups.length === 0 ? '' : `ORDER BY ${groupOrder(query, grouped, statement).join(', ')}`,
    limitOffset(query.limit, query.offset, statement),
  ];
  return { sql: joinClauses(sql), params: statement.params };
}

/** One groupBy entry: its path, the field it ends in, and the alias its value is selected under. */
export interface GroupColumn {
  name: string;
  path: string[];
  field: FieldDef;
  /** The field's own name for a field of the collection; `__g0`, `__g1`, … for a path through relations. */
  alias: string;
}

/** The groupBy entries of a query, each path followed through its many-to-one relations to its field. */
export function groupColumns(query: ItemsQuery, schema: WorkspaceSchema): GroupColumn[] {
  return query.groupBy.map((name, index) => {
    const { path, field } = fieldAlong(query, schema, name, 'group by');
    return { name, path, field, alias: path.length === 1 ? field.field : `__g${index}` };
  });
}

/** A field of the query's collection, or of a collection a path of many-to-one relations reaches (`post.views`). */
function fieldAlong(query: ItemsQuery, schema: WorkspaceSchema, name: string, verb: string): { path: string[]; field: FieldDef } {
  const path = name.split('.');
  let collection = requireCollection(schema, query.collection);
  for (const hop of path.slice(0, -1)) {
    const relation = requireRelation(schema, collection, hop);
    if (relation.kind !== 'm2o') throw invalidQuery(`Can not ${verb} "${name}": only many-to-one relations lead to one value.`, { field: name });
    collection = requireCollection(schema, relation.related);
  }
  return { path, field: requireColumn(collection, path[path.length - 1]) };
}

/** The selected columns of one aggregate: one, or a sum and a count for an average. */
function aggregateExpressions({ term, field, alias, countAlias }: AggregateColumn, scope: Scope, statement: Statement): string[] {
  const target = field === null ? '*' : column(statement, scope.alias, field.field);
  const as = (expression: string, name = alias) => `${expression} AS ${statement.dialect.quote(name)}`;
  switch (term.fn) {
    case 'count':
      return [as(`COUNT(${target})`)];
    case 'countDistinct':
      return [as(`COUNT(DISTINCT ${field === null ? target : exact(field, target, scope, statement)})`)];
    case 'sum':
      return [as(statement.dialect.sum(target, field!.type))];
    case 'avg':
      return [as(statement.dialect.sum(target, field!.type)), as(`COUNT(${target})`, countAlias!)];
    case 'min':
      return [as(`MIN(${field === null ? target : ordered(field, target, scope, statement)})`)];
    case 'max':
      return [as(`MAX(${field === null ? target : ordered(field, target, scope, statement)})`)];
  }
}

/**
 * True for a text column whose collation Cairn did not choose. The text columns of the tables Cairn
 * makes compare and sort by code point already (CollectionDef.codePointText) and are left bare, so that
 * their indexes serve ORDER BY and GROUP BY; external and platform tables' are wrapped.
 */
function foreignText(field: FieldDef, scope: Scope): boolean {
  return fieldType(field.type).textual && scope.collection.codePointText !== true;
}

/** A text column as it groups and counts distinct, exactly (see SqlDialect.exactText). */
function exact(field: FieldDef, expression: string, scope: Scope, statement: Statement): string {
  return foreignText(field, scope) ? statement.dialect.exactText(expression) : expression;
}

/** A text column as it sorts and takes a min or max, by code point (see SqlDialect.orderedText). */
function ordered(field: FieldDef, expression: string, scope: Scope, statement: Statement): string {
  return foreignText(field, scope) ? statement.dialect.orderedText(expression) : expression;
}

function groupOrder(query: ItemsQuery, grouped: Array<GroupColumn & { scope: Scope }>, statement: Statement): string[] {
  const byName = new Map(grouped.map((group) => [group.name, group]));
  const sorted = query.sort.map((term) => {
    const group = term.count ? undefined : byName.get(term.path.join('.'));
    if (!group) {
      throw invalidQuery(`An aggregate query can only be sorted by its groupBy fields, not "${term.path.join('.')}".`, { field: term.path.join('.') });
    }
    return { group, direction: term.direction };
  });
  const rest = grouped.filter((group) => !sorted.some((term) => term.group === group)).map((group) => ({ group, direction: 'asc' as const }));
  // A column reached through a LEFT JOIN is NULL where there is no related row, whatever its definition.
  return [...sorted, ...rest].map(({ group, direction }) => orderTerm(direction, group.path.length > 1 ? { ...group.field, primaryKey: false, system: false } : group.field, group.scope, statement));
}

/**
 * The rows of one nested read for a whole level of parents, in one statement:
 * - many-to-one: the related rows whose primary key is among `keys` (the parents' foreign keys);
 * - one-to-many: the children whose foreign key is among `keys` (the parents' primary keys);
 * - many-to-many: the related rows joined through the junction whose local key is among `keys`.
 * Every row carries, as `__parent`, the key its parents hold: the primary key of a many-to-one's row,
 * the foreign key of a child, the junction's local key. One-to-many and many-to-many reads honour the
 * deep filter and sort, and a deep limit/offset per parent through ROW_NUMBER() OVER (PARTITION BY …).
 */
export function compileNestedSelect(
  parent: CollectionDef,
  nested: NestedRead,
  keys: unknown[],
  schema: WorkspaceSchema,
  dialect: SqlDialect,
  ctx: QueryContext,
): CompiledSql {
  const relation = requireRelation(schema, parent, nested.field);
  const statement = newStatement(schema, dialect, ctx);
  const target = scopeOf(statement, requireCollection(schema, relation.related));
  const sql = relation.kind === 'm2o' ? manyToOneSelect(target, nested, keys, statement) : childrenSelect(relation, target, nested, keys, statement);
  return { sql, params: statement.params };
}

function manyToOneSelect(target: Scope, nested: NestedRead, keys: unknown[], statement: Statement): string {
  const primaryKey = primaryKeyField(target.collection);
  const key = column(statement, target.alias, primaryKey.field);
  const conditions = [keyCondition(key, primaryKey, keys, statement)];
  if (nested.filter) conditions.push(compileCondition(nested.filter, target, statement));
  const sql = [
    `SELECT ${selectList(readColumns(statement.schema, target.collection, nested.selection), target, statement)}, ${key} AS ${statement.dialect.quote(PARENT_KEY)}`,
    `FROM ${tableOf(statement, target)}`,
    `WHERE ${conditions.join(' AND ')}`,
  ];
  return joinClauses(sql);
}

/** One-to-many and many-to-many rows, with the parent key, deep filter, sort and per-parent limit. */
function childrenSelect(relation: Exclude<RelationalField, { kind: 'm2o' }>, target: Scope, nested: NestedRead, keys: unknown[], statement: Statement): string {
  const { schema } = statement;
  let from = tableOf(statement, target);
  let parentKey: string;
  let parentField: FieldDef;
  let junctionOrder: string | null = null;
  if (relation.kind === 'o2m') {
    parentField = requireColumn(target.collection, relation.foreignKey);
    parentKey = column(statement, target.alias, parentField.field);
  } else {
    const junction = scopeOf(statement, requireCollection(schema, relation.junction));
    const relatedKey = column(statement, target.alias, primaryKeyField(target.collection).field);
    from += ` INNER JOIN ${tableOf(statement, junction)} ON ${column(statement, junction.alias, relation.junctionRelatedKey)} = ${relatedKey}`;
    parentField = requireColumn(junction.collection, relation.junctionLocalKey);
    parentKey = column(statement, junction.alias, parentField.field);
    // Without a sort, related rows come in the order they were linked.
    junctionOrder = `${column(statement, junction.alias, primaryKeyField(junction.collection).field)} ASC`;
  }
  const order = compileOrder(nested.sort, target, statement, junctionOrder === null ? [primaryKeyField(target.collection)] : []);
  if (junctionOrder !== null) order.terms.push(junctionOrder);
  const conditions = [keyCondition(parentKey, parentField, keys, statement)];
  if (nested.filter) conditions.push(compileCondition(nested.filter, target, statement));
  const columns = readColumns(schema, target.collection, nested.selection);
  const select = `${selectList(columns, target, statement)}, ${parentKey} AS ${statement.dialect.quote(PARENT_KEY)}`;
  const where = `WHERE ${conditions.join(' AND ')}`;
  if (nested.limit === null && nested.offset === 0) {
    return joinClauses([`SELECT ${select}`, `FROM ${from}`, ...order.joins, where, `ORDER BY ${order.terms.join(', ')}`]);
  }
  const rowNumber = `ROW_NUMBER() OVER (PARTITION BY ${parentKey} ORDER BY ${order.terms.join(', ')}) AS ${statement.dialect.quote(ROW_NUMBER)}`;
  const inner = joinClauses([`SELECT ${select}, ${rowNumber}`, `FROM ${from}`, ...order.joins, where]);
  const outer = scopeOf(statement, target.collection).alias;
  const outerColumns = [...columns.map((field) => field.field), PARENT_KEY].map((name) => column(statement, outer, name)).join(', ');
  const rank = column(statement, outer, ROW_NUMBER);
  const window = rowWindow(nested.limit, nested.offset, rank, statement);
  return joinClauses([`SELECT ${outerColumns}`, `FROM (${inner}) AS ${outer}`, `WHERE ${window}`, `ORDER BY ${rank}`]);
}

/** The row numbers a deep limit/offset keeps, as parameters. */
function rowWindow(limit: number | null, offset: number, rank: string, statement: Statement): string {
  checkPagination(limit, offset);
  const conditions: string[] = [];
  if (offset > 0) conditions.push(`${rank} > ${bind(statement, offset)}`);
  if (limit !== null) conditions.push(`${rank} <= ${bind(statement, offset + limit)}`);
  return conditions.join(' AND ');
}

function keyCondition(target: string, field: FieldDef, keys: unknown[], statement: Statement): string {
  if (keys.length === 0) return '1 = 0';
  const placeholders = keys.map((key) => bind(statement, toDatabase(field, key, statement.dialect.kind)));
  return `${target} IN (${placeholders.join(', ')})`;
}

/**
 * The columns a read selects: the selection's fields, and the keys that nested reads join on when the
 * selection lacks them (a many-to-one's foreign key, the primary key for the other kinds).
 */
export function readColumns(schema: WorkspaceSchema, collection: CollectionDef, selection: Selection): FieldDef[] {
  const names = [...selection.fields];
  for (const nested of selection.relations) {
    const relation = requireRelation(schema, collection, nested.field);
    names.push(relation.kind === 'm2o' ? relation.field : primaryKeyField(collection).field);
  }
  if (names.length === 0) names.push(primaryKeyField(collection).field);
  return [...new Set(names)].map((name) => requireColumn(collection, name));
}

function selectList(fields: FieldDef[], scope: Scope, statement: Statement): string {
  return fields.map((field) => column(statement, scope.alias, field.field)).join(', ');
}

/** Filter and search of a query, ANDed; null when there is neither. */
function compileWhere(query: ItemsQuery, scope: Scope, statement: Statement): string | null {
  const conditions: string[] = [];
  if (query.filter) conditions.push(compileCondition(query.filter, scope, statement));
  if (query.search !== null && query.search !== '') conditions.push(compileSearch(query.search, scope, statement, query.searchIn));
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? conditions[0] : conditions.join(' AND ');
}

interface Ordering {
  /** LEFT JOINs of the many-to-one relations that sort paths go through. */
  joins: string[];
  terms: string[];
}

/**
 * ORDER BY terms of sort paths, joining the many-to-one relations a path goes through (once per path
 * prefix), then the tie-breaker columns of the root that the sort does not already name. Ties go the
 * way of the last sort term (`published_at DESC, id DESC`): an index on the sorted column holds the
 * primary key too on MySQL and SQLite, so one walk of it, forwards or backwards, gives the whole order.
 */
function compileOrder(sort: SortTerm[], root: Scope, statement: Statement, tieBreakers: FieldDef[], countAliases: ReadonlyMap<SortTerm, string> = new Map()): Ordering {
  const joins = new Map<string, Scope>();
  const ordering: Ordering = { joins: [], terms: [] };
  for (const term of sort) {
    if (term.path.length === 0) throw invalidQuery('An empty sort path.');
    if (term.count) {
      const alias = countAliases.get(term);
      if (alias === undefined) throw invalidQuery(`count(${term.path[0]}) can sort only the items of the read itself.`, { field: term.path.join('.') });
      // A count is never NULL: no NULLS clause.
      ordering.terms.push(`${statement.dialect.quote(alias)} ${term.direction === 'asc' ? 'ASC' : 'DESC'}`);
      continue;
    }
    let scope = root;
    for (let depth = 0; depth < term.path.length - 1; depth++) {
      scope = joinedScope(term.path.slice(0, depth + 1), scope, joins, ordering, statement);
    }
    const field = requireColumn(scope.collection, term.path[term.path.length - 1]);
    ordering.terms.push(orderTerm(term.direction, field, scope, statement));
  }
  const tieDirection = sort.length === 0 ? 'asc' : sort[sort.length - 1].direction;
  for (const field of tieBreakers) {
    if (!sort.some((term) => !term.count && term.path.length === 1 && term.path[0] === field.field)) {
      ordering.terms.push(orderTerm(tieDirection, field, root, statement));
    }
  }
  return ordering;
}

function joinedScope(path: string[], from: Scope, joins: Map<string, Scope>, ordering: Ordering, statement: Statement, rowFilter: FilterNode | null = null): Scope {
  const key = path.join('.');
  const known = joins.get(key);
  if (known) return known;
  const name = path[path.length - 1];
  const relation = requireRelation(statement.schema, from.collection, name);
  if (relation.kind !== 'm2o') throw invalidQuery(`Can not sort through "${key}": only many-to-one relations lead to one value.`, { field: key });
  const scope = scopeOf(statement, requireCollection(statement.schema, relation.related));
  const on = [`${column(statement, scope.alias, primaryKeyField(scope.collection).field)} = ${column(statement, from.alias, relation.field)}`];
  if (rowFilter) on.push(compileCondition(rowFilter, scope, statement));
  ordering.joins.push(`LEFT JOIN ${tableOf(statement, scope)} ON ${on.join(' AND ')}`);
  joins.set(key, scope);
  return scope;
}

/**
 * One ORDER BY term of a column of `scope`. NULLs sort first ascending and last descending on all
 * three databases: SQLite and MySQL do so already, PostgreSQL is told, except for columns that cannot
 * be NULL (see index-order.ts, the same rule Cairn's indexes are built by, so that they serve the
 * order). Text sorts by code point on all three, whatever the collation of the database ('ALPHA' <
 * 'Alpha' < 'Zeta' < 'alpha' < 'Éclair', '' < ' ', 'ok' < 'ok ').
 */
function orderTerm(direction: 'asc' | 'desc', field: FieldDef, scope: Scope, statement: Statement): string {
  const expression = column(statement, scope.alias, field.field);
  const sorted = field.primaryKey ? expression : ordered(field, expression, scope, statement);
  return [sorted, direction === 'asc' ? 'ASC' : 'DESC', nullsClause(field, direction, statement.dialect.kind)].filter(Boolean).join(' ');
}

function checkPagination(limit: number | null, offset: number): void {
  if ((limit !== null && (!Number.isSafeInteger(limit) || limit < 0)) || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidQuery('limit and offset must be whole numbers, not negative.');
  }
}

function limitOffset(limit: number | null, offset: number, statement: Statement): string {
  checkPagination(limit, offset);
  return statement.dialect.limitOffset(limit, offset);
}

function joinClauses(clauses: string[]): string {
  return clauses.filter((clause) => clause !== '').join(' ');
}
