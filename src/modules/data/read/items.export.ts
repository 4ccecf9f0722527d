import { invalidQuery } from '../../../engine/query/filter.parser';
import { countKey, type FilterNode, type ItemsQuery, type SortTerm } from '../../../engine/query/query.ast';
import { primaryKeyField } from '../../schema/schema.lookup';
import type { CollectionDef, FieldDef } from '../../schema/schema.types';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import type { QueryParams } from '../items.commands';
import { EXPORT_BATCH_SIZE, ItemsExport } from '../transfer/transfer.types';
import type { VirtualCollection } from '../virtual-collections';

type Row = Record<string, unknown>;

/**
 * The whole result of a parsed, policed read, batch after batch, for an export: `limit`, `offset` and
 * `page` cut it only when `explicit`. Batches follow the primary key (keyset) when the sort is by it or
 * absent, else the sort with the key as tie-breaker and an offset, so no row is read twice or skipped
 * between batches of an unchanging table. Only one batch is ever held. `fields` is the request's
 * parameter: the file has the columns it names.
 */
export function exportBatches(query: ItemsQuery, collection: CollectionDef, fields: unknown, explicit: boolean, read: (page: ItemsQuery) => Promise<Row[]>): ItemsExport {
  const key = primaryKeyField(collection).field;
  // A list always answers the key; a file has the columns `fields` names. The key is read all the
  // same: keyset batches continue after the last one.
  const strip = !fieldsNameKey(fields, key);
  const columns = [
    ...query.selection.fields.filter((name) => !strip || name !== key),
    ...query.selection.relations.map((nested) => nested.field),
    ...(query.selection.counts ?? []).map((count) => countKey(count.field)),
  ];
  const withKey = query.selection.fields.includes(key) ? query.selection : { ...query.selection, fields: [...query.selection.fields, key] };
  const byKey = query.sort.length === 0 || (query.sort.length === 1 && query.sort[0].path.length === 1 && query.sort[0].path[0] === key);
  const sort: SortTerm[] = byKey ? [{ path: [key], direction: query.sort[0]?.direction ?? 'asc' }] : query.sort.some((term) => term.path.join('.') === key) ? query.sort : [...query.sort, { path: [key], direction: 'asc' }];
  // Batches continue after the last row (keyset) when its sort values say exactly where it is: the key,
  // or fields whose comparison in a filter is their order in a sort. Otherwise by offset.
  const seek = seekTerms(sort, collection, key);
  const added = seek ? seek.map((term) => term.path[0]).filter((name) => !withKey.fields.includes(name)) : [];
  const unwanted = [...(strip ? [key] : []), ...added];
  const selection = added.length > 0 ? { ...withKey, fields: [...withKey.fields, ...added] } : withKey;
  const total = explicit ? query.limit : null;
  async function* batches(): AsyncGenerator<Row[]> {
    let remaining = total ?? Number.POSITIVE_INFINITY;
    let offset = query.offset;
    let last: Row | null = null;
    while (remaining > 0) {
      const size = Math.min(EXPORT_BATCH_SIZE, remaining);
      const page: ItemsQuery = { ...query, selection, sort, limit: size, offset, meta: [] };
      if (seek && last !== null) {
        const past = seekAfter(seek, last);
        page.filter = query.filter ? { type: 'and', children: [query.filter, past] } : past;
        page.offset = 0;
      }
      const rows = await read(page);
      if (rows.length === 0) return;
      remaining -= rows.length;
      if (seek) last = pickSeekValues(rows[rows.length - 1], seek);
      else offset += rows.length;
      if (unwanted.length > 0) for (const row of rows) for (const name of unwanted) delete row[name];
      yield rows;
      if (rows.length < size) return;
    }
  }
  return { columns, batches: batches() };
}

/** A view's export: its pages in turn, as its reads answer them. */
export function virtualExport(access: ItemsAccess, virtual: VirtualCollection, params: QueryParams, explicit: boolean): ItemsExport {
  const { limit, offset, page, ...rest } = params;
  const firstOffset = offset !== undefined ? Number(offset) : page !== undefined && limit !== undefined ? (Number(page) - 1) * Number(limit) : 0;
  const total = explicit && limit !== undefined && Number(limit) !== -1 ? Number(limit) : Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(firstOffset) || firstOffset < 0) throw invalidQuery('offset must be 0 or more.', { parameter: 'offset' });
  const columns: string[] = [];
  async function* batches(): AsyncGenerator<Row[]> {
    let remaining = total;
    let skip = firstOffset;
    while (remaining > 0) {
      const size = Math.min(EXPORT_BATCH_SIZE, remaining);
      const { data } = await virtual.list(access, { ...rest, limit: String(size), offset: String(skip) });
      if (data.length === 0) return;
      if (columns.length === 0) columns.push(...Object.keys(data[0]));
      remaining -= data.length;
      skip += data.length;
      yield data;
      if (data.length < size) return;
    }
  }
  return { columns, batches: batches() };
}

/** Whether the `fields` parameter (absent: `*`) asks for the primary key, by name or by `*`. */
function fieldsNameKey(fields: unknown, key: string): boolean {
  if (fields === undefined) return true;
  const names = (Array.isArray(fields) ? fields : [fields]).flatMap((entry) => String(entry).split(',')).map((name) => name.trim());
  return names.includes(key) || names.includes('*');
}

/** Field types whose filter comparison (`_gt`, `_eq`) agrees exactly with their sort order on every database. */
const SEEKABLE_TYPES = new Set<FieldDef['type']>(['integer', 'bigint', 'date']);

/**
 * The sort terms an export's batches can continue after (keyset), up to and including the key, which
 * makes the order total: top-level fields of SEEKABLE_TYPES and the key. Null when another term comes
 * first (text, whose sort is by code point but whose comparison follows the database's collation; a
 * relation path): then batches go by offset.
 */
function seekTerms(sort: SortTerm[], collection: CollectionDef, key: string): SortTerm[] | null {
  const terms: SortTerm[] = [];
  for (const term of sort) {
    if (term.path.length !== 1) return null;
    terms.push(term);
    if (term.path[0] === key) return terms;
    const field = collection.fields.find((f) => f.field === term.path[0]);
    if (!field || !SEEKABLE_TYPES.has(field.type)) return null;
  }
  return null;
}

/** The values of the seek terms' fields in a row, before any is stripped from it. */
function pickSeekValues(row: Row, terms: SortTerm[]): Row {
  const values: Row = {};
  for (const term of terms) values[term.path[0]] = row[term.path[0]] ?? null;
  return values;
}

/**
 * The rows after `last` in the order of `terms`: (a > x) or (a = x and b > y) or …, with Cairn's order
 * of NULLs (first ascending, last descending, on every database).
 */
function seekAfter(terms: SortTerm[], last: Row): FilterNode {
  const alternatives: FilterNode[] = [];
  const same: FilterNode[] = [];
  for (const term of terms) {
    const field = term.path[0];
    const value = last[field] as string | number | null;
    const after = rowsAfter(field, term.direction, value);
    if (after) alternatives.push(same.length > 0 ? { type: 'and', children: [...same, after] } : after);
    same.push(value === null ? { type: 'compare', field, operator: '_null', value: true } : { type: 'compare', field, operator: '_eq', value });
  }
  return { type: 'or', children: alternatives };
}

/** The rows whose `field` comes after `value` in a sort (null when none can). */
function rowsAfter(field: string, direction: 'asc' | 'desc', value: string | number | null): FilterNode | null {
  if (direction === 'asc') return value === null ? { type: 'compare', field, operator: '_nnull', value: true } : { type: 'compare', field, operator: '_gt', value };
  if (value === null) return null;
  return { type: 'or', children: [{ type: 'compare', field, operator: '_lt', value }, { type: 'compare', field, operator: '_null', value: true }] };
}
