import { AppError, type ErrorExtensions } from '../../common/errors/app-error';
import { fieldType } from '../../modules/schema/field-types';
import { findCollection, findField, findRelationalField, primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef, RelationalField, WorkspaceSchema } from '../../modules/schema/schema.types';
import type { ComparisonOperator, FilterNode, FilterScalar, FilterValue, FilterVariable, QueryContext } from '../query/query.ast';
import type { MatchMode, SqlDialect } from './dialect';
import { toDatabase } from './value-codec';

/** A statement or a condition with its parameters, in placeholder order. */
export interface CompiledSql {
  sql: string;
  params: unknown[];
}

/**
 * One statement while it is being compiled: the parameters bound so far (placeholders are numbered
 * across the whole statement) and the next free table alias (t0, t1, …).
 */
export interface Statement {
  readonly schema: WorkspaceSchema;
  readonly dialect: SqlDialect;
  readonly ctx: QueryContext;
  readonly params: unknown[];
  aliases: number;
}

/** A collection as a table alias of the statement. */
export interface Scope {
  collection: CollectionDef;
  alias: string;
}

export function newStatement(schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext): Statement {
  return { schema, dialect, ctx, params: [], aliases: 0 };
}

/** Adds a parameter and answers its placeholder. */
export function bind(statement: Statement, value: unknown): string {
  statement.params.push(value);
  return statement.dialect.placeholder(statement.params.length);
}

export function nextAlias(statement: Statement): string {
  return `t${statement.aliases++}`;
}

/** A new alias for a collection. */
export function scopeOf(statement: Statement, collection: CollectionDef): Scope {
  return { collection, alias: nextAlias(statement) };
}

/** `t0."field"` */
export function column(statement: Statement, alias: string, name: string): string {
  return `${alias}.${statement.dialect.quote(name)}`;
}

/** `"table" AS t0` */
export function tableOf(statement: Statement, scope: Scope): string {
  return `${statement.dialect.quote(scope.collection.table)} AS ${scope.alias}`;
}

export function invalidQuery(message: string, extensions: ErrorExtensions = {}): AppError {
  return new AppError('INVALID_QUERY', message, extensions);
}

export function requireCollection(schema: WorkspaceSchema, name: string): CollectionDef {
  const collection = findCollection(schema, name);
  if (!collection) throw invalidQuery(`Collection "${name}" does not exist.`, { collection: name });
  return collection;
}

/** A field of the collection that has a column (relation aliases have none). */
export function requireColumn(collection: CollectionDef, name: string): FieldDef {
  const field = findField(collection, name);
  if (!field) throw invalidQuery(`Field "${name}" does not exist on collection "${collection.name}".`, { field: name, collection: collection.name });
  return field;
}

export function requireRelation(schema: WorkspaceSchema, collection: CollectionDef, name: string): RelationalField {
  const relation = findRelationalField(schema, collection.name, name);
  if (!relation) throw invalidQuery(`Field "${name}" of collection "${collection.name}" is not a relation.`, { field: name, collection: collection.name });
  return relation;
}

/** Joins conditions with AND; a compound one is parenthesized so that it can be nested as it is. */
export function andAll(conditions: string[]): string {
  if (conditions.length === 0) return '1 = 1';
  return conditions.length === 1 ? conditions[0] : `(${conditions.join(' AND ')})`;
}

function orAny(conditions: string[]): string {
  if (conditions.length === 0) return '1 = 0';
  return conditions.length === 1 ? conditions[0] : `(${conditions.join(' OR ')})`;
}

/** A filter on a collection as a condition on the root alias t0, for statements built elsewhere. */
export function compileFilter(filter: FilterNode, collection: string, schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext): CompiledSql {
  const statement = newStatement(schema, dialect, ctx);
  const scope = scopeOf(statement, requireCollection(schema, collection));
  return { sql: compileCondition(filter, scope, statement), params: statement.params };
}

/** A filter node as an SQL condition on `scope`, binding its values to the statement. */
export function compileCondition(node: FilterNode, scope: Scope, statement: Statement): string {
  switch (node.type) {
    case 'and':
      return andAll(node.children.map((child) => compileCondition(child, scope, statement)));
    case 'or':
      return orAny(node.children.map((child) => compileCondition(child, scope, statement)));
    case 'compare':
      return compileComparison(requireColumn(scope.collection, node.field), node.operator, node.value, scope, statement);
    case 'relation':
      return compileRelationFilter(node.field, node.quantifier, node.filter, scope, statement);
  }
}

/**
 * A relation filter: a many-to-one's as its key IN the keys of the related rows that match, the others
 * as a correlated (NOT) EXISTS of the one-to-many's child rows or the many-to-many's related rows
 * through the junction. Nested filters recurse with new aliases of the same statement.
 */
function compileRelationFilter(field: string, quantifier: 'some' | 'none', filter: FilterNode, scope: Scope, statement: Statement): string {
  const relation = requireRelation(statement.schema, scope.collection, field);
  const related = requireCollection(statement.schema, relation.related);
  const local = primaryKeyField(scope.collection).field;
  let subquery: string;
  switch (relation.kind) {
    case 'm2o': {
      const target = scopeOf(statement, related);
      const key = column(statement, target.alias, primaryKeyField(related).field);
      const condition = compileCondition(filter, target, statement);
      // The related rows' keys, looked up in the foreign key's index: SQLite runs a correlated EXISTS
      // once per row of the whole table, and the others plan both forms alike. `_none` stays a NOT
      // EXISTS, which keeps the rows whose key is NULL where NOT IN would drop them.
      if (quantifier === 'some') return `${column(statement, scope.alias, relation.field)} IN (SELECT ${key} FROM ${tableOf(statement, target)} WHERE ${condition})`;
      subquery = `SELECT 1 FROM ${tableOf(statement, target)} WHERE ${key} = ${column(statement, scope.alias, relation.field)} AND ${condition}`;
      break;
    }
    case 'o2m': {
      const target = scopeOf(statement, related);
      const link = `${column(statement, target.alias, relation.foreignKey)} = ${column(statement, scope.alias, local)}`;
      subquery = `SELECT 1 FROM ${tableOf(statement, target)} WHERE ${link} AND ${compileCondition(filter, target, statement)}`;
      break;
    }
    case 'm2m': {
      const junction = scopeOf(statement, requireCollection(statement.schema, relation.junction));
      const target = scopeOf(statement, related);
      const join = `INNER JOIN ${tableOf(statement, target)} ON ${column(statement, target.alias, primaryKeyField(related).field)} = ${column(statement, junction.alias, relation.junctionRelatedKey)}`;
      const link = `${column(statement, junction.alias, relation.junctionLocalKey)} = ${column(statement, scope.alias, local)}`;
      subquery = `SELECT 1 FROM ${tableOf(statement, junction)} ${join} WHERE ${link} AND ${compileCondition(filter, target, statement)}`;
      break;
    }
  }
  return `${quantifier === 'none' ? 'NOT EXISTS' : 'EXISTS'} (${subquery})`;
}

function isVariable(value: unknown): value is FilterVariable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'variable' in value;
}

/** A filter scalar with its variable resolved from the query context. */
function resolve(value: FilterScalar, ctx: QueryContext): string | number | boolean | Date | null {
  if (!isVariable(value)) return value;
  switch (value.variable) {
    case 'CURRENT_USER':
      return ctx.userId;
    case 'CURRENT_ROLE':
      return ctx.role;
    case 'NOW':
      return new Date(ctx.now.getTime() + (value.offsetMs ?? 0));
  }
}

/** The value as the field's parameter; a value the field can not hold is a bad query, not a bad payload. */
function encode(field: FieldDef, value: unknown, statement: Statement): unknown {
  try {
    return toDatabase(field, value, statement.dialect.kind);
  } catch (error) {
    if (error instanceof AppError) throw invalidQuery(error.message, { field: field.field });
    throw error;
  }
}

function scalarOf(field: FieldDef, operator: ComparisonOperator, value: FilterValue, ctx: QueryContext) {
  if (Array.isArray(value)) throw invalidQuery(`Operator "${operator}" of field "${field.field}" takes one value, not a list.`, { field: field.field });
  return resolve(value, ctx);
}

function listOf(value: FilterValue, ctx: QueryContext) {
  return (Array.isArray(value) ? value : [value]).map((item) => resolve(item, ctx));
}

function flag(field: FieldDef, operator: ComparisonOperator, value: FilterValue): boolean {
  if (value === true || value === 'true' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 0 || value === '0') return false;
  throw invalidQuery(`Operator "${operator}" of field "${field.field}" takes true or false.`, { field: field.field });
}

function compileComparison(field: FieldDef, operator: ComparisonOperator, value: FilterValue, scope: Scope, statement: Statement): string {
  const target = column(statement, scope.alias, field.field);
  switch (operator) {
    case '_eq':
    case '_neq':
    case '_lt':
    case '_lte':
    case '_gt':
    case '_gte':
      return compileBinary(field, operator, scalarOf(field, operator, value, statement.ctx), target, statement);
    case '_in':
    case '_nin':
      return compileList(field, operator === '_nin', listOf(value, statement.ctx), target, statement);
    case '_between':
    case '_nbetween':
      return compileBetween(field, operator, listOf(value, statement.ctx), target, statement);
    case '_null':
      return flag(field, operator, value) ? `${target} IS NULL` : `${target} IS NOT NULL`;
    case '_nnull':
      return flag(field, operator, value) ? `${target} IS NOT NULL` : `${target} IS NULL`;
    case '_empty':
      return compileEmpty(field, flag(field, operator, value), target, statement);
    case '_nempty':
      return compileEmpty(field, !flag(field, operator, value), target, statement);
    case '_contains':
      return compileMatch(field, operator, 'contains', true, false, value, target, statement);
    case '_ncontains':
      return compileMatch(field, operator, 'contains', true, true, value, target, statement);
    case '_icontains':
      return compileMatch(field, operator, 'contains', false, false, value, target, statement);
    case '_starts_with':
      return compileMatch(field, operator, 'starts', true, false, value, target, statement);
    case '_istarts_with':
      return compileMatch(field, operator, 'starts', false, false, value, target, statement);
    case '_ends_with':
      return compileMatch(field, operator, 'ends', true, false, value, target, statement);
    case '_iends_with':
      return compileMatch(field, operator, 'ends', false, false, value, target, statement);
  }
}

const BINARY_OPERATORS = { _eq: '=', _neq: '<>', _lt: '<', _lte: '<=', _gt: '>', _gte: '>=' } as const;

/** True for the fields whose columns hold text, which every database must compare the same, exactly. */
function isText(field: FieldDef): boolean {
  return fieldType(field.type).textual;
}

/** A bound value of the field, compared exactly when it is text (see SqlDialect.exactValue). */
function bindExact(field: FieldDef, value: unknown, statement: Statement): string {
  const placeholder = bind(statement, encode(field, value, statement));
  return isText(field) ? statement.dialect.exactValue(placeholder) : placeholder;
}

/** The column as the operand of `<`, `>` or BETWEEN: text in code point order on every database. */
function ordered(field: FieldDef, target: string, statement: Statement): string {
  return isText(field) ? statement.dialect.orderedText(target) : target;
}

/**
 * `=`, `<>`, `<`, …; `_eq`/`_neq` null become IS (NOT) NULL. `_neq` excludes NULL rows, as in SQL and
 * Directus. An ordering against null (an unset $CURRENT_USER) matches nothing, as SQL would. Text
 * compares exactly and orders by code point, whatever the database's collation.
 */
function compileBinary(field: FieldDef, operator: keyof typeof BINARY_OPERATORS, value: unknown, target: string, statement: Statement): string {
  if (value === null) {
    if (operator === '_eq') return `${target} IS NULL`;
    if (operator === '_neq') return `${target} IS NOT NULL`;
    return '1 = 0';
  }
  const place = rangePlace(field, value);
  if (place !== 'within') return beyondRange(operator, place, target);
  if (operator === '_eq' || operator === '_neq') return `${target} ${BINARY_OPERATORS[operator]} ${bindExact(field, value, statement)}`;
  return `${ordered(field, target, statement)} ${BINARY_OPERATORS[operator]} ${bind(statement, encode(field, value, statement))}`;
}

/**
 * IN / NOT IN; an empty list matches nothing (IN) or everything (NOT IN); a null in IN also matches NULL
 * rows. Whole numbers beyond an integer column's range equal no value, so they are left out of the list.
 */
function compileList(field: FieldDef, negate: boolean, values: unknown[], target: string, statement: Statement): string {
  const given = values.filter((value) => value !== null);
  const withNull = given.length < values.length;
  const present = given.filter((value) => rangePlace(field, value) === 'within');
  if (present.length === 0) {
    if (withNull) return negate ? `${target} IS NOT NULL` : `${target} IS NULL`;
    // NOT IN of values no row holds still leaves NULL rows out, as any NOT IN does.
    if (given.length > 0) return negate ? `${target} IS NOT NULL` : '1 = 0';
    return negate ? '1 = 1' : '1 = 0';
  }
  const placeholders = present.map((value) => bindExact(field, value, statement)).join(', ');
  const condition = `${target} ${negate ? 'NOT IN' : 'IN'} (${placeholders})`;
  if (!withNull) return condition;
  return negate ? `(${condition} AND ${target} IS NOT NULL)` : `(${condition} OR ${target} IS NULL)`;
}

function compileBetween(field: FieldDef, operator: '_between' | '_nbetween', values: unknown[], target: string, statement: Statement): string {
  if (values.length !== 2 || values.includes(null)) {
    throw invalidQuery(`Operator "${operator}" of field "${field.field}" takes two values.`, { field: field.field });
  }
  // Bounds beyond an integer column's range: a range that misses the column's is empty, and one that
  // reaches past it is cut to it.
  const [lowPlace, highPlace] = values.map((value) => rangePlace(field, value));
  if (lowPlace === 'above' || highPlace === 'below') return operator === '_nbetween' ? `${target} IS NOT NULL` : '1 = 0';
  const bounds = [lowPlace === 'below' ? rangeEnd(field, 'min') : values[0], highPlace === 'above' ? rangeEnd(field, 'max') : values[1]];
  const [low, high] = bounds.map((value) => bind(statement, encode(field, value, statement)));
  return `${ordered(field, target, statement)} ${operator === '_nbetween' ? 'NOT BETWEEN' : 'BETWEEN'} ${low} AND ${high}`;
}

type RangePlace = 'below' | 'within' | 'above';

/**
 * Where a value lies against the range of an integer or bigint column. A whole number beyond it can not
 * be bound as a parameter of the column's type (PostgreSQL refuses it), and needs none: no value equals
 * it, and every value lies on one side of it. Anything else is `within`, for the value codec to check.
 */
function rangePlace(field: FieldDef, value: unknown): RangePlace {
  const range = fieldType(field.type).range;
  if (!range) return 'within';
  const whole = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? BigInt(value.trim()) : null;
  if (whole === null) return 'within';
  return whole < range.min ? 'below' : whole > range.max ? 'above' : 'within';
}

/** The smallest or largest value of an integer column, as the value codec takes it. */
function rangeEnd(field: FieldDef, end: 'min' | 'max'): number | string {
  const value = fieldType(field.type).range![end];
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

/** A comparison with a whole number beyond the column's range: nothing equals it, every value lies on one side. */
function beyondRange(operator: keyof typeof BINARY_OPERATORS, place: Exclude<RangePlace, 'within'>, target: string): string {
  const everyValue = `${target} IS NOT NULL`;
  switch (operator) {
    case '_eq':
      return '1 = 0';
    case '_neq':
      return everyValue;
    case '_lt':
    case '_lte':
      return place === 'above' ? everyValue : '1 = 0';
    case '_gt':
    case '_gte':
      return place === 'below' ? everyValue : '1 = 0';
  }
}

/** Empty: NULL, or for text also '' (exactly: a string of spaces is not empty). */
function compileEmpty(field: FieldDef, empty: boolean, target: string, statement: Statement): string {
  if (!isText(field)) return empty ? `${target} IS NULL` : `${target} IS NOT NULL`;
  const blank = statement.dialect.exactValue("''");
  return empty ? `(${target} IS NULL OR ${target} = ${blank})` : `(${target} IS NOT NULL AND ${target} <> ${blank})`;
}

/** Text matches go through the dialect; a column whose type matches only as a whole or not at all is matched as its text. */
function compileMatch(
  field: FieldDef,
  operator: ComparisonOperator,
  mode: MatchMode,
  caseSensitive: boolean,
  negate: boolean,
  value: FilterValue,
  target: string,
  statement: Statement,
): string {
  const resolved = scalarOf(field, operator, value, statement.ctx);
  if (resolved === null) throw invalidQuery(`Operator "${operator}" of field "${field.field}" needs a value.`, { field: field.field });
  const text = resolved instanceof Date ? resolved.toISOString() : String(resolved);
  const expression = fieldType(field.type).filter.match === 'contains' ? target : statement.dialect.asText(target);
  const placeholder = bind(statement, statement.dialect.matchParameter(text, mode, caseSensitive));
  return statement.dialect.textMatch(expression, placeholder, caseSensitive, negate);
}

/**
 * `search`: a case-insensitive contains across the collection's text fields, ORed. Fields matched as
 * a whole (UUIDs) match only a search that is a whole value of theirs, by equality (a fragment of one
 * means nothing to a reader, and PostgreSQL's uuid type has no LIKE); an integer primary key matches
 * an integer search by equality.
 */
export function compileSearch(search: string, scope: Scope, statement: Statement, searchIn?: readonly string[]): string {
  const conditions: string[] = [];
  for (const field of scope.collection.fields) {
    if (searchIn && !searchIn.includes(field.field)) continue;
    const target = column(statement, scope.alias, field.field);
    const { match } = fieldType(field.type).filter;
    if (match === 'whole') {
      const whole = wholeValue(field, search, statement);
      if (whole !== null) conditions.push(`${target} = ${bind(statement, whole)}`);
    } else if (match === 'contains') {
      const placeholder = bind(statement, statement.dialect.matchParameter(search, 'contains', false));
      conditions.push(statement.dialect.textMatch(target, placeholder, false, false));
    } else if (field.primaryKey && field.type === 'integer' && /^\d{1,15}$/.test(search) && rangePlace(field, search) === 'within') {
      conditions.push(`${target} = ${bind(statement, Number(search))}`);
    }
  }
  return orAny(conditions);
}

/** The search as a value of the field, or null when it is none (a fragment, or not of its type). */
function wholeValue(field: FieldDef, search: string, statement: Statement): unknown {
  try {
    return toDatabase(field, search, statement.dialect.kind);
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
}
