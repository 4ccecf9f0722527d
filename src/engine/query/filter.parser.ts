import { AppError, ErrorExtensions } from '../../common/errors/app-error';
import { MAX_JSON_NESTING, nestsDeeperThan } from '../../common/input/nesting';
import { textFault } from '../../common/input/text-faults';
import { fieldType } from '../../modules/schema/field-types';
import { findCollection, findField, findRelationalField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef, RelationalField, WorkspaceSchema } from '../../modules/schema/schema.types';
import { COMPARISON_OPERATORS, ComparisonOperator, FilterNode, FilterScalar, FilterValue, FilterVariable } from './query.ast';

/**
 * The filter language (Directus's) → FilterNode. Used for `filter`, `deep._filter` and the shorthand
 * parameters of REST, and by anything else that receives a filter as JSON or as an object. Every field
 * name in the result is one the registry knows; values are coerced to the type of their field.
 */

/** An INVALID_QUERY error: a request's query that Cairn can not run, naming the parameter and culprit. */
export function invalidQuery(message: string, extensions: ErrorExtensions): AppError {
  return new AppError('INVALID_QUERY', message, extensions);
}

/** Keys that would reach an object's prototype if they were ever assigned; refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Refuses a key that must never be used as an object key. */
export function assertSafeKey(key: string, parameter: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw invalidQuery(`Forbidden key "${key}" in ${parameter}.`, { parameter, field: key });
}

/** Refuses a forbidden key anywhere in a value parsed from JSON or passed in as an object. */
export function assertSafeTree(value: unknown, parameter: string): void {
  if (Array.isArray(value)) {
    for (const element of value) assertSafeTree(element, parameter);
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      assertSafeKey(key, parameter);
      assertSafeTree((value as Record<string, unknown>)[key], parameter);
    }
  }
}

/** True for a plain object: one from JSON, an object literal, or a null-prototype object (bracket trees, GraphQL). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The elements of a list: an array, or an object keyed by indexes — what bracket form gives for
 * `filter[_or][0][...]`, `filter[_or][1][...]`. Anything else is not a list (null).
 */
export function listOf(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (!isRecord(value)) return null;
  const keys = Object.keys(value);
  if (!keys.every((key) => /^\d+$/.test(key))) return null;
  return keys.sort((a, b) => Number(a) - Number(b)).map((key) => value[key]);
}

/**
 * Reads a parameter that holds a JSON object: a JSON string (what @directus/sdk sends) or an object
 * already. Refuses malformed JSON, anything that is not an object, and forbidden keys.
 */
export function readJsonObject(value: unknown, parameter: string, label = parameter): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidQuery(`Malformed JSON in ${label}.`, { parameter });
    }
  }
  if (!isRecord(parsed)) throw invalidQuery(`${label} must be a JSON object.`, { parameter });
  // Before anything recurses through it: a bracket form or a GraphQL variable may be as deep as it likes.
  if (nestsDeeperThan(parsed, MAX_JSON_NESTING)) throw invalidQuery(`${label} nests deeper than ${MAX_JSON_NESTING} levels of arrays and objects.`, { parameter });
  assertSafeTree(parsed, parameter);
  return parsed;
}

/**
 * Where a filter comes from, for errors: `parameter` goes into the error's extensions, `label` into its
 * message (`filter`, `deep[comments][_filter]`, `parameter "rating__gt"`).
 */
export interface FilterSource {
  parameter: string;
  label: string;
  /** How many relations deep a condition may reach; each level is one more subquery. */
  maxDepth?: number;
}

/**
 * Parses one filter — a JSON string or an object — on a collection. An empty filter is no filter (null).
 */
export function parseFilter(schema: WorkspaceSchema, collection: CollectionDef, input: unknown, source: FilterSource): FilterNode | null {
  const filter = readJsonObject(input, source.parameter, source.label);
  const entries = Object.entries(filter);
  if (entries.length === 0) return null;
  return parseConditions({ schema, source }, collection, entries, []);
}

/** A many-to-one compared by its key alone (`{"author":{"_eq":3}}`) reads no related table. */
function isPlainKeyComparison(relational: { kind: string }, value: unknown): boolean {
  return relational.kind === 'm2o' && isRecord(value) && Object.keys(value).every((key) => OPERATORS.has(key));
}

/** What every step of a filter parse needs: the registry and where the filter came from. */
interface FilterScope {
  schema: WorkspaceSchema;
  source: FilterSource;
}

const LOGICAL_KEYS = new Set(['_and', '_or']);
const QUANTIFIERS = new Set(['_some', '_none']);
const OPERATORS: ReadonlySet<string> = new Set(COMPARISON_OPERATORS);

function isOperator(key: string): key is ComparisonOperator {
  return OPERATORS.has(key);
}

/** Several conditions of one object: all must hold, so more than one becomes an `and`. */
function parseConditions(scope: FilterScope, collection: CollectionDef, entries: [string, unknown][], path: string[]): FilterNode {
  const nodes = entries.flatMap(([key, value]) => parseCondition(scope, collection, key, value, path));
  return nodes.length === 1 ? nodes[0] : { type: 'and', children: nodes };
}

/** One key of a filter object: `_and`/`_or`, or a field (plain or relational) with what applies to it. */
function parseCondition(scope: FilterScope, collection: CollectionDef, key: string, value: unknown, path: string[]): FilterNode[] {
  const { parameter, label } = scope.source;
  assertSafeKey(key, parameter);
  if (LOGICAL_KEYS.has(key)) return [parseLogical(scope, collection, key as '_and' | '_or', value, path)];

  const fieldPath = [...path, key].join('.');
  const relational = findRelationalField(scope.schema, collection.name, key);
  const maxDepth = scope.source.maxDepth ?? Number.POSITIVE_INFINITY;
  if (relational && path.length + 1 > maxDepth && !isPlainKeyComparison(relational, value)) {
    throw invalidQuery(`The filter path "${fieldPath}" in ${label} goes deeper than ${maxDepth} relations.`, { parameter, field: fieldPath });
  }
  if (relational?.kind === 'm2o') {
    return parseManyToOne(scope, foreignKeyField(collection, relational), relational, operatorObject(value, fieldPath, scope.source), path);
  }
  if (relational) return parseToMany(scope, relational, operatorObject(value, fieldPath, scope.source), path);
  const field = findField(collection, key);
  if (!field) {
    if (isOperator(key) || QUANTIFIERS.has(key)) {
      throw invalidQuery(`Operator "${key}" in ${label} must be applied to a field.`, { parameter, operator: key });
    }
    throw invalidQuery(`Unknown field "${fieldPath}" in ${label}.`, { parameter, field: fieldPath });
  }
  return Object.entries(operatorObject(value, fieldPath, scope.source)).map(([operator, operand]) => {
    if (!isOperator(operator)) {
      throw invalidQuery(`Unknown operator "${operator}" in ${label} on "${fieldPath}".`, { parameter, field: fieldPath, operator });
    }
    return parseComparison(scope.source, field, operator, operand, path);
  });
}

/** What a field maps to in a filter: always an object (of operators, or of related fields), never a bare value. */
function operatorObject(value: unknown, fieldPath: string, source: FilterSource): Record<string, unknown> {
  if (isRecord(value)) return value;
  throw invalidQuery(`The filter on "${fieldPath}" in ${source.label} must be an object of operators, such as {"_eq": value}.`, {
    parameter: source.parameter,
    field: fieldPath,
  });
}

function parseLogical(scope: FilterScope, collection: CollectionDef, key: '_and' | '_or', value: unknown, path: string[]): FilterNode {
  const { parameter, label } = scope.source;
  const elements = listOf(value);
  if (!elements) throw invalidQuery(`"${key}" in ${label} must be an array of filters.`, { parameter, operator: key });
  const children = elements.map((element) => {
    if (!isRecord(element)) throw invalidQuery(`Each element of "${key}" in ${label} must be a filter object.`, { parameter, operator: key });
    return parseConditions(scope, collection, Object.entries(element), path);
  });
  return { type: key === '_and' ? 'and' : 'or', children };
}

/**
 * A many-to-one field: operators compare its foreign key column; other keys are fields of the related
 * item, which must match.
 */
function parseManyToOne(scope: FilterScope, field: FieldDef, relational: RelationalField, value: Record<string, unknown>, path: string[]): FilterNode[] {
  const { parameter, label } = scope.source;
  const fieldPath = [...path, field.field].join('.');
  const comparisons: FilterNode[] = [];
  const related: [string, unknown][] = [];
  for (const [key, operand] of Object.entries(value)) {
    if (QUANTIFIERS.has(key)) {
      throw invalidQuery(`"${key}" can not be used on the many-to-one "${fieldPath}" in ${label}; filter its fields directly.`, {
        parameter,
        field: fieldPath,
        operator: key,
      });
    }
    if (isOperator(key)) comparisons.push(parseComparison(scope.source, field, key, operand, path));
    else related.push([key, operand]);
  }
  if (related.length === 0) return comparisons;
  const filter = parseConditions(scope, relatedCollection(scope.schema, relational), related, [...path, field.field]);
  return [...comparisons, { type: 'relation', field: field.field, quantifier: 'some', filter }];
}

/**
 * A one-to-many or many-to-many alias: `_some`/`_none` of the related items match; a filter without
 * either means `_some`. The alias has no column, so operators directly on it are refused.
 */
function parseToMany(scope: FilterScope, relational: RelationalField, value: Record<string, unknown>, path: string[]): FilterNode[] {
  const { parameter, label } = scope.source;
  const fieldPath = [...path, relational.field].join('.');
  const collection = relatedCollection(scope.schema, relational);
  const nestedPath = [...path, relational.field];
  const nodes: FilterNode[] = [];
  const implicit: [string, unknown][] = [];
  for (const [key, operand] of Object.entries(value)) {
    if (isOperator(key)) {
      throw invalidQuery(`Operator "${key}" can not be used on the relation "${fieldPath}" in ${label}; use _some or _none.`, {
        parameter,
        field: fieldPath,
        operator: key,
      });
    }
    if (!QUANTIFIERS.has(key)) {
      implicit.push([key, operand]);
      continue;
    }
    if (!isRecord(operand)) throw invalidQuery(`"${key}" on "${fieldPath}" in ${label} must be a filter object.`, { parameter, field: fieldPath, operator: key });
    const filter = parseConditions(scope, collection, Object.entries(operand), nestedPath);
    nodes.push({ type: 'relation', field: relational.field, quantifier: key === '_some' ? 'some' : 'none', filter });
  }
  if (implicit.length > 0) {
    nodes.push({ type: 'relation', field: relational.field, quantifier: 'some', filter: parseConditions(scope, collection, implicit, nestedPath) });
  }
  return nodes;
}

/** The column of a many-to-one; the registry guarantees it exists, so a miss is a bug. */
export function foreignKeyField(collection: CollectionDef, relational: RelationalField): FieldDef {
  const field = findField(collection, relational.field);
  if (!field) throw new Error(`The registry names a missing field "${collection.name}.${relational.field}".`);
  return field;
}

/** The collection a relation leads to; the registry guarantees it exists, so a miss is a bug, not a bad request. */
export function relatedCollection(schema: WorkspaceSchema, relational: RelationalField): CollectionDef {
  const collection = findCollection(schema, relational.related);
  if (!collection) throw new Error(`The registry names a missing collection "${relational.related}".`);
  return collection;
}

const STRING_OPERATORS: ReadonlySet<ComparisonOperator> = new Set([
  '_contains', '_ncontains', '_icontains', '_starts_with', '_istarts_with', '_ends_with', '_iends_with',
]);

/**
 * `_null: false` is `_nnull: true` and so on: normalizing the negative spelling away leaves the compiler
 * one meaning per operator (these operators always carry `true`).
 */
const NEGATED_PRESENCE = { _null: '_nnull', _nnull: '_null', _empty: '_nempty', _nempty: '_empty' } as const;

/**
 * One operator applied to a field, with its operand coerced: a list for _in/_nin, a pair for
 * _between/_nbetween, a boolean flag for _null/_nnull/_empty/_nempty, a single value otherwise.
 */
export function parseComparison(source: FilterSource, field: FieldDef, operator: ComparisonOperator, raw: unknown, path: string[] = []): FilterNode {
  const fieldPath = [...path, field.field].join('.');
  const where = { source, field, fieldPath, operator };
  const compare = (op: ComparisonOperator, value: FilterValue): FilterNode => ({ type: 'compare', field: field.field, operator: op, value });
  switch (operator) {
    case '_null':
    case '_nnull':
    case '_empty':
    case '_nempty': {
      const flag = toBoolean(raw);
      if (flag === null) throw valueError(where, `expects true or false, not ${describe(raw)}`);
      return compare(flag ? operator : NEGATED_PRESENCE[operator], true);
    }
    case '_in':
    case '_nin':
      return compare(operator, valueList(raw, where).map((element) => coerceScalar(element, where)));
    case '_between':
    case '_nbetween': {
      const values = valueList(raw, where);
      if (values.length !== 2) throw valueError(where, `expects exactly two values, not ${values.length}`);
      return compare(operator, values.map((element) => coerceScalar(element, where)));
    }
    case '_contains':
    case '_ncontains':
    case '_icontains':
    case '_starts_with':
    case '_istarts_with':
    case '_ends_with':
    case '_iends_with':
    case '_lt':
    case '_lte':
    case '_gt':
    case '_gte':
      if (STRING_OPERATORS.has(operator) && !fieldType(field.type).filter.operators.includes('text')) {
        throw invalidQuery(`Operator "${operator}" can not be used on "${fieldPath}" (${field.type}) in ${source.label}; it needs a text field.`, {
          parameter: source.parameter,
          field: fieldPath,
          operator,
        });
      }
      if (raw === null) throw valueError(where, 'needs a value, not null');
      return compare(operator, coerceScalar(raw, where));
    case '_eq':
    case '_neq':
      // null compares as IS NULL / IS NOT NULL, as Directus does.
      return compare(operator, raw === null ? null : coerceScalar(raw, where));
  }
}

/** The context of one comparison, for coercion errors. */
interface ComparisonSite {
  source: FilterSource;
  field: FieldDef;
  fieldPath: string;
  operator: ComparisonOperator;
}

function valueError(site: ComparisonSite, problem: string): AppError {
  return invalidQuery(`"${site.operator}" on "${site.fieldPath}" in ${site.source.label} ${problem}.`, {
    parameter: site.source.parameter,
    field: site.fieldPath,
    operator: site.operator,
  });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** The operand of _in/_nin/_between: an array, an indexed bracket object, or a comma-separated string. */
function valueList(raw: unknown, site: ComparisonSite): unknown[] {
  if (typeof raw === 'string') return raw === '' ? [] : raw.split(',');
  const list = listOf(raw);
  if (!list) throw valueError(site, `expects a list or a comma-separated string, not ${describe(raw)}`);
  return list;
}

/**
 * One value converted to the type of its field: numbers for numeric fields, booleans for boolean ones,
 * strings for the rest. Variables ($NOW, $CURRENT_USER…) are kept as FilterVariables, not coerced.
 */
function coerceScalar(raw: unknown, site: ComparisonSite): FilterScalar {
  if (typeof raw === 'string') {
    const fault = textFault(raw);
    if (fault) throw valueError(site, `holds ${fault}, which no stored value holds`);
    const variable = parseVariable(raw);
    if (variable === 'invalid') throw valueError(site, `has an invalid variable ${describe(raw)}; use $NOW or $NOW(-1 day)`);
    if (variable) return variable;
  }
  if (raw === null || typeof raw === 'object') throw valueError(site, `expects a single value, not ${describe(raw)}`);
  const { operand } = fieldType(site.field.type).filter;
  if (operand === 'number' || operand === 'bigint') {
    const number = toNumber(raw, operand === 'bigint');
    if (number === null) throw valueError(site, `expects a number, not ${describe(raw)}`);
    return number;
  }
  if (operand === 'boolean') {
    const flag = toBoolean(raw);
    if (flag === null) throw valueError(site, `expects true or false, not ${describe(raw)}`);
    return flag;
  }
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw valueError(site, `expects a single value, not ${describe(raw)}`);
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number from a number or a numeric string, or null. A bigint too large for a double stays the
 * string it was, so the database compares it exactly.
 */
function toNumber(raw: unknown, bigint: boolean): number | string | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  if (!NUMERIC.test(text)) return null;
  const number = Number(text);
  if (!Number.isFinite(number)) return null;
  if (bigint && /^[+-]?\d+$/.test(text) && !Number.isSafeInteger(number)) return text;
  return number;
}

/** A boolean from true/false, "true"/"false", 1/0 or "1"/"0"; null for anything else. */
export function toBoolean(raw: unknown): boolean | null {
  if (raw === true || raw === 'true' || raw === 1 || raw === '1') return true;
  if (raw === false || raw === 'false' || raw === 0 || raw === '0') return false;
  return null;
}

const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
  year: 365 * DAY_MS,
};
const NOW_WITH_OFFSET = /^\$NOW\(\s*([+-]?)\s*(\d+)\s*(second|minute|hour|day|week|month|year)s?\s*\)$/;
/** The largest distance from the epoch a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * A filter variable from its string form: `$CURRENT_USER`, `$CURRENT_ROLE`, `$NOW`, `$NOW(-1 day)`.
 * Other strings are plain values (null); a `$NOW(` that does not parse is 'invalid' rather than a
 * string compared literally, which would silently match nothing.
 */
export function parseVariable(value: string): FilterVariable | null | 'invalid' {
  if (value === '$CURRENT_USER') return { variable: 'CURRENT_USER' };
  if (value === '$CURRENT_ROLE') return { variable: 'CURRENT_ROLE' };
  if (value === '$NOW') return { variable: 'NOW' };
  if (!value.startsWith('$NOW(')) return null;
  const match = NOW_WITH_OFFSET.exec(value);
  if (!match) return 'invalid';
  const magnitude = Number(match[2]) * UNIT_MS[match[3]];
  if (magnitude > MAX_DATE_MS) return 'invalid';
  // 0 - x rather than -x, so "$NOW(-0 days)" is 0 and not -0.
  return { variable: 'NOW', offsetMs: match[1] === '-' ? 0 - magnitude : magnitude };
}
