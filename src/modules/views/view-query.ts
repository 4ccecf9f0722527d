import type { QueryConfig } from '../../config/app-config';
import { invalidQuery } from '../../engine/query/filter.parser';
import type { ComputedColumn, FilterNode, ItemsQuery, Selection, SortTerm } from '../../engine/query/query.ast';
import { parseItemsQuery } from '../../engine/query/query.parser';
import { CollectionReadGrant, readPermissions } from '../policies/read-permissions';
import { fieldType } from '../schema/field-types';
import { findRelationalField, findField } from '../schema/schema.lookup';
import type { WorkspaceSchema } from '../schema/schema.types';
import { isAggregateView, ViewDefinition } from './view-definition';

type Params = Record<string, unknown>;

/** A view's read, planned: the items query of its source that answers it, and what to do around it. */
export interface ViewReadPlan {
  params: Params;
  computed: ComputedColumn[];
  /** The id was read only to have a column: the caller asked for computed fields alone. */
  stripId: boolean;
  /** For meta=total_count: the read whose filter_count is the number of the view's rows. */
  totalParams: Params | null;
}

/** Parameters a caller may not give a view: its shape is the view's to define. */
const FORBIDDEN_ALWAYS = ['deep', 'aggregate', 'groupBy'];
const FORBIDDEN_ON_AGGREGATES = ['fields', 'search', 'meta'];
/** Parameters that are not filters or sorts, taken apart before the caller's filter and sort are checked. */
const NOT_CHECKED = new Set(['fields', 'limit', 'offset', 'page', 'meta', 'search', 'access_token']);

/**
 * Merges a caller's query parameters onto a view: the view's filter ANDed with the caller's, which may
 * name only the view's output fields (on an aggregate view, its groupBy fields: filtering on a group's
 * key before grouping keeps exactly the groups that key selects); the caller's `fields` a subset of the
 * view's; the caller's sort, or the view's; paging and meta as asked. `search` becomes a filter over
 * the view's text fields, so it never looks in a column the view does not show. `schema` is what the
 * caller may read; `defined` is the view's query parsed on it.
 */
export function planViewRead(view: ViewDefinition, defined: ItemsQuery, computed: ComputedColumn[], schema: WorkspaceSchema, params: Params, options: QueryConfig): ViewReadPlan {
  const aggregate = isAggregateView(view);
  for (const key of Object.keys(params)) {
    const base = key.replace(/\[.*$/, '');
    if (FORBIDDEN_ALWAYS.includes(base) || (aggregate && FORBIDDEN_ON_AGGREGATES.includes(base))) {
      throw invalidQuery(`"${base}" can not be used on view "${view.name}"${aggregate ? ', an aggregate view' : ''}: the view defines it.`, { parameter: key });
    }
    if (base === 'fields' && key !== 'fields') throw invalidQuery(`Give the fields of view "${view.name}" as fields=a,b.`, { parameter: key });
  }
  const outputs = aggregate ? new Set(view.groupBy) : new Set(selectionPaths(defined.selection, ''));
  checkFiltersAndSort(view, schema, defined, outputs, params, options);

  const plan: ViewReadPlan = { params: {}, computed: [], stripId: false, totalParams: null };
  for (const [key, value] of Object.entries(params)) if (!['fields', 'search', 'filter', 'sort', 'meta'].includes(key)) plan.params[key] = value;

  if (!aggregate) {
    const asked = listOf(params.fields, 'fields');
    if (asked.length === 0 || asked.includes('*')) {
      plan.params.fields = view.fields;
      plan.computed = computed;
    } else {
      const byAlias = new Map(computed.map((column) => [column.alias, column]));
      for (const item of asked) {
        if (!outputs.has(item) && !byAlias.has(item)) throw invalidQuery(`"${item}" is not a field of view "${view.name}".`, { parameter: 'fields', field: item });
      }
      const paths = asked.filter((item) => !byAlias.has(item));
      plan.computed = asked.filter((item) => byAlias.has(item)).map((alias) => byAlias.get(alias)!);
      plan.stripId = paths.length === 0;
      plan.params.fields = paths.length === 0 ? ['id'] : paths;
    }
  } else {
    plan.params.groupBy = view.groupBy;
    if (view.aggregate) plan.params.aggregate = view.aggregate;
  }

  const filters: unknown[] = [];
  if (view.filter) filters.push(view.filter);
  if (params.filter !== undefined) filters.push(...(Array.isArray(params.filter) ? params.filter : [params.filter]));
  const search = typeof params.search === 'string' ? params.search.trim() : '';
  if (search !== '') filters.push(searchFilter(view, schema, defined, search));
  if (filters.length > 0) plan.params.filter = filters.length === 1 ? filters[0] : filters;

  if (params.sort !== undefined) plan.params.sort = params.sort;
  else if (view.sort.length > 0) plan.params.sort = view.sort;

  const meta = listOf(params.meta, 'meta');
  if (meta.includes('filter_count') || meta.includes('*')) plan.params.meta = 'filter_count';
  if (meta.includes('total_count') || meta.includes('*')) {
    // total_count of a view counts its rows, not its source's: the source's size is not the view's to tell.
    plan.totalParams = { fields: ['id'], limit: 1, meta: 'filter_count', ...(view.filter ? { filter: view.filter } : {}) };
  }
  const unknownMeta = meta.find((item) => !['total_count', 'filter_count', '*'].includes(item));
  if (unknownMeta) throw invalidQuery(`Unknown meta "${unknownMeta}"; use total_count, filter_count or *.`, { parameter: 'meta', value: unknownMeta });
  return plan;
}

/** The output paths of a selection: `title`, `author.name`, `comments.body`, `count(comments)`. */
export function selectionPaths(selection: Selection, prefix: string): string[] {
  return [
    ...selection.fields.map((field) => `${prefix}${field}`),
    ...selection.relations.flatMap((nested) => selectionPaths(nested.selection, `${prefix}${nested.field}.`)),
    ...(selection.counts ?? []).map((count) => `${prefix}count(${count.field})`),
  ];
}

/** A sort term as the view's outputs name it: `author.name`, or `count(comments)`. */
function sortOutput(term: SortTerm): string {
  return term.count ? `count(${term.path[0]})` : term.path.join('.');
}

/**
 * Parses the caller's filter and sort against the schema cut down to what the view shows, so that a
 * name outside it is unknown there as anywhere, then checks each path whole: two paths can reach the
 * same collection and show different fields of it.
 */
function checkFiltersAndSort(view: ViewDefinition, schema: WorkspaceSchema, defined: ItemsQuery, outputs: ReadonlySet<string>, params: Params, options: QueryConfig): void {
  const rest: Params = {};
  for (const [key, value] of Object.entries(params)) if (!NOT_CHECKED.has(key.replace(/\[.*$/, ''))) rest[key] = value;
  if (Object.keys(rest).length === 0) return;
  const shaped = viewShapedSchema(view, schema, defined);
  const parsed = parseItemsQuery(view.source, rest, shaped, { ...options, maxLimit: null });
  const outside = (path: string) => invalidQuery(`"${path}" is not a field of view "${view.name}".`, { parameter: 'filter', field: path });
  for (const path of filterPaths(parsed.filter, '')) if (!outputs.has(path)) throw outside(path);
  for (const term of parsed.sort) if (!outputs.has(sortOutput(term))) throw invalidQuery(`"${sortOutput(term)}" is not a field of view "${view.name}".`, { parameter: 'sort', field: sortOutput(term) });
}

/** The schema with only the collections and fields the view's selection reaches (and the keys its relations need). */
function viewShapedSchema(view: ViewDefinition, schema: WorkspaceSchema, defined: ItemsQuery): WorkspaceSchema {
  const grants = new Map<string, Set<string>>();
  const grant = (collection: string, field: string) => {
    let fields = grants.get(collection);
    if (!fields) grants.set(collection, (fields = new Set()));
    fields.add(field);
  };
  const walk = (collection: string, selection: Selection) => {
    grant(collection, 'id');
    for (const field of selection.fields) grant(collection, field);
    // A count's relation is there to be counted (and sorted by), none of its fields to be read.
    const counted = (selection.counts ?? []).map((count) => ({ field: count.field, selection: { fields: [], relations: [] } }));
    for (const nested of [...selection.relations, ...counted]) {
      const relational = findRelationalField(schema, collection, nested.field);
      if (!relational) continue;
      if (relational.kind === 'm2o') grant(collection, relational.field);
      else if (relational.kind === 'o2m') grant(relational.related, relational.foreignKey);
      else {
        grant(relational.junction, relational.junctionLocalKey);
        grant(relational.junction, relational.junctionRelatedKey);
      }
      walk(relational.related, nested.selection);
    }
  };
  if (isAggregateView(view)) for (const field of view.groupBy) grant(view.source, field);
  else walk(view.source, defined.selection);
  const readGrants = new Map<string, CollectionReadGrant>([...grants].map(([name, fields]) => [name, { fields, filter: null }]));
  return readPermissions(schema, readGrants).visibleSchema;
}

/** Every field path a filter compares: `status`, `author.name`, `comments.body`. */
function filterPaths(filter: FilterNode | null, prefix: string): string[] {
  if (filter === null) return [];
  switch (filter.type) {
    case 'and':
    case 'or':
      return filter.children.flatMap((child) => filterPaths(child, prefix));
    case 'compare':
      return [`${prefix}${filter.field}`];
    case 'relation':
      return filterPaths(filter.filter, `${prefix}${filter.field}.`);
  }
}

/** `search` on a view: a case-insensitive contains over the text fields it shows of its source's rows. */
function searchFilter(view: ViewDefinition, schema: WorkspaceSchema, defined: ItemsQuery, search: string): Params {
  const source = schema.collections.get(view.source)!;
  const text = defined.selection.fields.filter((name) => {
    const field = findField(source, name);
    return field !== undefined && fieldType(field.type).filter.match === 'contains';
  });
  if (text.length === 0) throw invalidQuery(`View "${view.name}" shows no text field to search.`, { parameter: 'search' });
  return { _or: text.map((name) => ({ [name]: { _icontains: search } })) };
}

/** The items of a list parameter (comma lists and arrays). */
function listOf(value: unknown, parameter: string): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((item) => typeof item === 'string')) throw invalidQuery(`${parameter} must be a comma-separated list.`, { parameter });
  return (items as string[]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

