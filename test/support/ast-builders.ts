import { FilterNode, ItemsQuery, keysQuery, NestedRead } from '../../src/engine/query/query.ast';

/** An ItemsQuery with defaults: the primary key, no filter, no sort, no limit. */
export function query(collection: string, overrides: Partial<ItemsQuery> = {}): ItemsQuery {
  return keysQuery(collection, overrides);
}

/** A nested read of a relation with defaults: no deep filter, sort or limit. */
export function nested(field: string, fields: string[], overrides: Partial<NestedRead> = {}): NestedRead {
  return { field, selection: { fields, relations: [] }, filter: null, sort: [], limit: null, offset: 0, ...overrides };
}

type Compare = Extract<FilterNode, { type: 'compare' }>;

/** A comparison node of the filter AST. */
export const compare = (field: string, operator: Compare['operator'], value: Compare['value']): FilterNode => ({ type: 'compare', field, operator, value });
