import { primaryKeyField } from '../../modules/schema/schema.lookup';
import type { CollectionDef } from '../../modules/schema/schema.types';
import { allOf, type FilterNode, type ItemsQuery, keysQuery } from '../query/query.ast';
import { requireCollection } from '../sql/filter.compiler';
import { compileImageMatch, type RowImage } from '../sql/image.compiler';
import { compileSelect } from '../sql/select.compiler';
import { aggregateItems, countItems, type ReadContext, readItems } from './read.runner';

type Row = Record<string, unknown>;

/** The answer of a read: its rows (or groups), and the meta counts it asked for. */
export interface ReadResult {
  data: Row[];
  meta?: Record<string, number>;
}

/**
 * Runs a parsed (and scoped) read: rows, or groups when it aggregates, with the meta counts it asks for.
 * `scope` is the row filter the caller is held to, already part of the query's filter (a policy's, a
 * shared table's workspace): `total_count` counts the rows it keeps, `filter_count` those the whole
 * filter and search keep.
 */
export async function runRead(query: ItemsQuery, scope: FilterNode | null, read: ReadContext): Promise<ReadResult> {
  const { schema, dialect, ctx, run } = read;
  if (query.aggregate.length > 0 || query.groupBy.length > 0) return { data: await aggregateItems(query, schema, dialect, ctx, run) };
  const data = await readItems(query, schema, dialect, ctx, run);
  if (query.meta.length === 0) return { data };
  const meta: Record<string, number> = {};
  for (const name of query.meta) {
    const counted = name === 'filter_count' ? query : { ...query, filter: scope, search: null };
    meta[name] = await countItems(counted, schema, dialect, ctx, { applyFilter: true }, run);
  }
  return { data, meta };
}

/**
 * The rows with these keys that a read finds (its selection and filter, which holds the caller's scope;
 * not its paging or sort), in the order of the keys when the selection has the key.
 */
export async function readByKeys(query: ItemsQuery, keys: unknown[], read: ReadContext): Promise<Row[]> {
  if (keys.length === 0) return [];
  const key = primaryKeyField(requireCollection(read.schema, query.collection)).field;
  const byKeys = { ...query, filter: allOf(keyIn(key, keys), query.filter), limit: null, offset: 0, sort: [] };
  const rows = await readItems(byKeys, read.schema, read.dialect, read.ctx, read.run);
  const order = new Map(keys.map((k, index) => [String(k), index]));
  return rows.sort((a, b) => (order.get(String(a[key])) ?? 0) - (order.get(String(b[key])) ?? 0));
}

/**
 * The keys among `keys` whose rows exist and match `filter` (null: any row), as the key's type. With
 * `lock`, run inside a transaction, their rows stay locked until it ends, taken in key order so that
 * writers locking overlapping rows cannot deadlock (SQLite's writers already take turns: no lock there).
 */
export async function keysMatching(collection: CollectionDef, keys: unknown[], filter: FilterNode | null, options: { lock: boolean }, read: ReadContext): Promise<unknown[]> {
  if (keys.length === 0) return [];
  const compiled = keysMatchingStatement(collection, keys, filter, options, read);
  const key = primaryKeyField(collection).field;
  return (await read.run(compiled.sql, compiled.params)).map((row) => (collection.primaryKey === 'integer' ? Number(row[key]) : String(row[key])));
}

/** Whether a row as a write would leave it matches a filter, without writing it (see compileImageMatch). */
export async function imageMatches(collection: CollectionDef, image: RowImage, filter: FilterNode, read: ReadContext): Promise<boolean> {
  const compiled = compileImageMatch(collection, image, filter, read.schema, read.dialect, read.ctx);
  return (await read.run(compiled.sql, compiled.params)).length > 0;
}

function keysMatchingStatement(collection: CollectionDef, keys: unknown[], filter: FilterNode | null, options: { lock: boolean }, read: Omit<ReadContext, 'run'>): { sql: string; params: unknown[] } {
  const key = primaryKeyField(collection).field;
  const query = keysQuery(collection.name, {
    selection: { fields: [key], relations: [] },
    filter: allOf(keyIn(key, keys), filter),
    sort: options.lock ? [{ path: [key], direction: 'asc' }] : [],
  });
  const compiled = compileSelect(query, read.schema, read.dialect, read.ctx);
  return options.lock && read.dialect.kind !== 'sqlite' ? { sql: `${compiled.sql} FOR UPDATE`, params: compiled.params } : compiled;
}

function keyIn(key: string, keys: unknown[]): FilterNode {
  return { type: 'compare', field: key, operator: '_in', value: keys as Array<string | number> };
}
