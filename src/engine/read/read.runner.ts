import type { AppError } from '../../common/errors/app-error';
import { classifyDatabaseError } from '../../common/database/db-errors';
import { primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../../modules/schema/schema.types';
import { type AggregateFunction, type AggregateTerm, countKey, type ItemsQuery, type NestedRead, type QueryContext, type RelationCount, type Selection } from '../query/query.ast';
import type { SqlDialect } from '../sql/dialect';
import { invalidQuery, requireCollection, requireRelation } from '../sql/filter.compiler';
import {
  type AggregateColumn,
  aggregateColumns,
  compileAggregate,
  compileCount,
  compileNestedSelect,
  compileSelect,
  type GroupColumn,
  groupColumns,
  PARENT_KEY,
  readColumns,
} from '../sql/select.compiler';
import { computedAlias, decodeComputed } from '../sql/expression.compiler';
import { compileRelationCounts } from '../sql/count.compiler';
import { fromDatabase } from '../sql/value-codec';

/** Runs one parameterized statement and answers its rows, as the driver gives them. */
export type RunSql = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

type Row = Record<string, unknown>;

/**
 * Where and for whom a read runs, what every level of it shares: the schema its statements are compiled
 * against, their dialect, the caller's context, and how they run.
 */
export interface ReadContext {
  schema: WorkspaceSchema;
  dialect: SqlDialect;
  ctx: QueryContext;
  run: RunSql;
}

/**
 * Parent keys per nested statement. Far beyond any page size, and far below the parameter limits of
 * the three databases (SQLite 32766, PostgreSQL and MySQL 65535), so a level stays one statement in
 * practice and still runs when `limit=-1` reads a whole table.
 */
export const KEYS_PER_STATEMENT = 10_000;

/**
 * The rows of a query, JSON-ready: the root statement, then one statement per nested read for all
 * parents of its level at once (never one per row), recursing level by level. A many-to-one becomes
 * an object or null, a one-to-many or many-to-many an array (empty when there is nothing).
 */
export async function readItems(query: ItemsQuery, schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext, run: RunSql): Promise<Row[]> {
  const collection = requireCollection(schema, query.collection);
  const read: ReadContext = { schema, dialect, ctx, run };
  const compiled = compileSelect(query, schema, dialect, ctx);
  const raw = await run(compiled.sql, compiled.params);
  const rows = decodeRows(raw, readColumns(schema, collection, query.selection), dialect);
  const shaped = await expandLevel(rows, collection, query.selection, read);
  // Computed values follow the fields, under their names (selected under positional aliases).
  const computed = query.computed ?? [];
  if (computed.length > 0) {
    shaped.forEach((row, index) => computed.forEach((column, n) => (row[column.alias] = decodeComputed(column, raw[index][computedAlias(n)]))));
  }
  return shaped;
}

/** The number of rows of a query: all of them, or those its filter and search keep (meta counts). */
export async function countItems(
  query: ItemsQuery,
  schema: WorkspaceSchema,
  dialect: SqlDialect,
  ctx: QueryContext,
  options: { applyFilter: boolean },
  run: RunSql,
): Promise<number> {
  const compiled = compileCount(query, schema, dialect, ctx, options);
  const [row] = await run(compiled.sql, compiled.params);
  return Number(row?.count ?? 0);
}

/**
 * Aggregate rows in Directus's shape: grouped fields as they are, `count: n` for count(*),
 * `{fn: {field: n}}` for the others (`count: {'*': n, id: m}` when both kinds of count are asked).
 */
export async function aggregateItems(query: ItemsQuery, schema: WorkspaceSchema, dialect: SqlDialect, ctx: QueryContext, run: RunSql): Promise<Row[]> {
  const groups = groupColumns(query, schema);
  const columns = aggregateColumns(query, schema);
  const compiled = compileAggregate(query, schema, dialect, ctx);
  let rows: Row[];
  try {
    rows = await run(compiled.sql, compiled.params);
  } catch (error) {
    if (classifyDatabaseError(error) !== 'out_of_range') throw error;
    throw (await overflowingSum(query, columns, { schema, dialect, ctx, run })) ?? error;
  }
  return rows.map((row) => shapeAggregate(row, groups, columns, dialect));
}

/**
 * The refusal of a float sum that went beyond the largest double: PostgreSQL and MySQL raise an error
 * for the whole statement (see SqlDialect.sum), so each float sum is run alone to name the one at
 * fault. Null when none of them is (the error was something else).
 */
async function overflowingSum(query: ItemsQuery, columns: AggregateColumn[], read: ReadContext): Promise<AppError | null> {
  const suspects = columns.filter(({ term, field }) => (term.fn === 'sum' || term.fn === 'avg') && field?.type === 'float');
  for (const { term } of suspects) {
    const alone = compileAggregate({ ...query, aggregate: [{ fn: 'sum', field: term.field }] }, read.schema, read.dialect, read.ctx);
    const overflows = await read.run(alone.sql, alone.params).then(
      () => false,
      (error: unknown) => classifyDatabaseError(error) === 'out_of_range',
    );
    if (overflows) return sumBeyondRange(term.fn, term.field);
  }
  return null;
}

/** JSON has no Infinity: a sum (or the sum of an average) beyond the largest double has no answer. */
function sumBeyondRange(fn: AggregateFunction, name: string): AppError {
  return invalidQuery(`aggregate[${fn}] on "${name}" has no answer: the sum of its values goes beyond the largest floating-point number (about ±1.8e308).`, {
    parameter: 'aggregate',
    function: fn,
    field: name,
  });
}

/** A group's value under its name, or nested along its path (`{post: {title: …}}` for `post.title`), as `fields` answers it. */
function shapeAggregate(row: Row, groups: GroupColumn[], columns: AggregateColumn[], dialect: SqlDialect): Row {
  const shaped: Row = {};
  for (const { path, field, alias } of groups) {
    let target = shaped;
    for (const hop of path.slice(0, -1)) target = (target[hop] ??= {}) as Row;
    target[path[path.length - 1]] = fromDatabase(field, row[alias], dialect.kind);
  }
  const countOfAll = !columns.some((column) => column.term.fn === 'count' && column.field !== null);
  for (const { term, field, alias, countAlias } of columns) {
    const value = aggregateValue(term, field, row[alias], countAlias === null ? undefined : row[countAlias], dialect);
    if (field === null && countOfAll) {
      shaped.count = value;
      continue;
    }
    const byField = (shaped[term.fn] ??= {}) as Row;
    byField[field === null ? '*' : term.field] = value;
  }
  return shaped;
}

/**
 * Counts, sums and averages as numbers (drivers give big and exact numbers as strings); min and max as
 * the field's values. An average arrives as its sum (`value`) and its count, and is divided here, once,
 * the same way for every database.
 */
export function aggregateValue({ fn, field: name }: AggregateTerm, field: FieldDef | null, value: unknown, count: unknown, dialect: SqlDialect): unknown {
  switch (fn) {
    case 'count':
    case 'countDistinct':
      return Number(value ?? 0);
    case 'sum':
    case 'avg': {
      const sum = sumOf(field, value);
      // SQLite answers a float sum beyond the largest double as Infinity, where the others raise an error.
      if (sum !== null && !Number.isFinite(sum)) throw sumBeyondRange(fn, name);
      const n = Number(count ?? 0);
      if (fn === 'sum') return sum;
      return sum === null || n === 0 ? null : sum / n;
    }
    case 'min':
    case 'max':
      return field === null ? value : fromDatabase(field, value, dialect.kind);
  }
}

/**
 * A sum as a number. A decimal's is rounded to the field's scale: PostgreSQL and MySQL sum decimals
 * exactly, but SQLite stores them as REAL and its floating-point sum can be off by a hair (0.1 + 0.2).
 */
function sumOf(field: FieldDef | null, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const sum = Number(value);
  if (field?.type !== 'decimal' || !Number.isFinite(sum)) return sum;
  return Number(sum.toFixed(field.scale ?? 2));
}

/** Driver rows as API values, keeping the `__parent` key of nested rows as it came. */
export function decodeRows(rows: Row[], fields: FieldDef[], dialect: SqlDialect): Row[] {
  return rows.map((row) => {
    const decoded: Row = {};
    for (const field of fields) decoded[field.field] = fromDatabase(field, row[field.field], dialect.kind);
    if (PARENT_KEY in row) decoded[PARENT_KEY] = row[PARENT_KEY];
    return decoded;
  });
}

/**
 * Rows already decoded (all of an item's columns) as a query would answer them, when all it would do
 * is pick their columns: null when it searches, expands a relation, computes a value or names a column
 * they lack (one added since they were stored). Filtering them is the caller's to rule out.
 */
export function pickColumns(rows: Row[], query: ItemsQuery): Row[] | null {
  if (query.search || query.selection.relations.length > 0 || (query.selection.counts?.length ?? 0) > 0 || (query.computed?.length ?? 0) > 0) return null;
  const { fields } = query.selection;
  if (rows.some((row) => fields.some((name) => !(name in row)))) return null;
  return rows.map((row) => {
    const picked: Row = {};
    for (const name of fields) picked[name] = row[name];
    return picked;
  });
}

/** Loads every nested read and count of one level, then projects the rows to their selection. */
async function expandLevel(rows: Row[], collection: CollectionDef, selection: Selection, read: ReadContext): Promise<Row[]> {
  const attachments = new Map<string, (row: Row) => unknown>();
  for (const nested of selection.relations) {
    attachments.set(nested.field, await loadNested(rows, collection, nested, read));
  }
  for (const count of selection.counts ?? []) {
    attachments.set(countKey(count.field), await loadCounts(rows, collection, count, read));
  }
  return rows.map((row) => {
    const shaped: Row = {};
    for (const name of selection.fields) shaped[name] = row[name];
    for (const [field, attach] of attachments) shaped[field] = attach(row);
    return shaped;
  });
}

/**
 * Counts a to-many relation for all `rows` of a level at once and answers how to find each row's count
 * (0 when it has no related row). Counts are numbers: drivers give PostgreSQL's bigint COUNT as text.
 */
async function loadCounts(rows: Row[], collection: CollectionDef, count: RelationCount, read: ReadContext): Promise<(row: Row) => number> {
  const key = primaryKeyField(collection).field;
  const keys = new Map<string, unknown>();
  for (const row of rows) if (row[key] !== null && row[key] !== undefined) keys.set(keyOf(row[key]), row[key]);
  const counted = await runInChunks([...keys.values()], (chunk) => compileRelationCounts(collection, count, chunk, read.schema, read.dialect, read.ctx), read);
  const byKey = new Map(counted.map((group) => [keyOf(group[PARENT_KEY]), Number(group.count)]));
  return (row) => byKey.get(keyOf(row[key])) ?? 0;
}

/** Keys compared as text, since drivers may answer the same integer as a number or a string. */
function keyOf(value: unknown): string {
  return String(value);
}

/**
 * Runs a nested read for all `parents` at once and answers how to find each parent's value: the
 * related object (or null) of a many-to-one, the array of a one-to-many or many-to-many.
 */
async function loadNested(parents: Row[], parent: CollectionDef, nested: NestedRead, read: ReadContext): Promise<(row: Row) => unknown> {
  const relation = requireRelation(read.schema, parent, nested.field);
  const related = requireCollection(read.schema, relation.related);
  const parentKey = relation.kind === 'm2o' ? relation.field : primaryKeyField(parent).field;
  const keys = new Map<string, unknown>();
  for (const row of parents) {
    const key = row[parentKey];
    if (key !== null && key !== undefined) keys.set(keyOf(key), key);
  }
  const raw = await runInChunks([...keys.values()], (chunk) => compileNestedSelect(parent, nested, chunk, read.schema, read.dialect, read.ctx), read);
  const children = decodeRows(raw, readColumns(read.schema, related, nested.selection), read.dialect);
  const shaped = await expandLevel(children, related, nested.selection, read);
  if (relation.kind === 'm2o') {
    const byKey = new Map(shaped.map((child, index) => [keyOf(children[index][PARENT_KEY]), child]));
    return (row) => byKey.get(keyOf(row[parentKey])) ?? null;
  }
  const groups = new Map<string, Row[]>();
  shaped.forEach((child, index) => {
    const key = keyOf(children[index][PARENT_KEY]);
    const group = groups.get(key);
    if (group) group.push(child);
    else groups.set(key, [child]);
  });
  return (row) => groups.get(keyOf(row[parentKey])) ?? [];
}

/** One statement per KEYS_PER_STATEMENT keys; none when there are no keys. */
async function runInChunks(keys: unknown[], compile: (keys: unknown[]) => { sql: string; params: unknown[] }, read: ReadContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (let start = 0; start < keys.length; start += KEYS_PER_STATEMENT) {
    const compiled = compile(keys.slice(start, start + KEYS_PER_STATEMENT));
    for (const row of await read.run(compiled.sql, compiled.params)) rows.push(row);
  }
  return rows;
}
