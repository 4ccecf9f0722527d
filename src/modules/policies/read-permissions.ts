import { forbidden } from '../../common/errors/app-error';
import type { FilterNode, ItemsQuery, NestedRead, Selection, SortTerm } from '../../engine/query/query.ast';
import { findRelationalField } from '../schema/schema.lookup';
import { FILES } from '../schema/files.collection';
import type { CollectionDef, RelationDef, WorkspaceSchema } from '../schema/schema.types';

/** What one role may read of one collection: its columns (the primary key always) and the rows its filter keeps. */
export interface CollectionReadGrant {
  fields: ReadonlySet<string>;
  /** The row filter, parsed on the full schema; null: every row. */
  filter: FilterNode | null;
}

/**
 * What a role may read in a workspace, and the schema as that role sees it. Requests are parsed against
 * `visibleSchema`, which holds only the collections, columns and relations the role may read, so a
 * forbidden field cannot be selected, filtered, sorted, grouped, aggregated or expanded: for the
 * parser it does not exist. Row filters are then merged into the parsed query by `scopeReadQuery`.
 */
export interface ReadPermissions {
  grants: ReadonlyMap<string, CollectionReadGrant>;
  visibleSchema: WorkspaceSchema;
}

export function readPermissions(schema: WorkspaceSchema, policyGrants: ReadonlyMap<string, CollectionReadGrant>): ReadPermissions {
  const grants = withRelationTargets(schema, policyGrants);
  const collections = new Map<string, CollectionDef>();
  for (const [name, collection] of schema.collections) {
    const grant = grants.get(name);
    if (!grant) continue;
    collections.set(name, { ...collection, fields: collection.fields.filter((field) => field.primaryKey || grant.fields.has(field.field)) });
  }
  const visibleColumn = (collection: string, field: string) => collections.get(collection)?.fields.some((f) => f.field === field) === true;
  // A junction whose rows are filtered would let its links be counted or followed past the filter.
  const openJunction = (relation: RelationDef) => relation.junction === null || grants.get(relation.collection)?.filter === null;
  const relations = schema.relations.filter(
    (relation) => collections.has(relation.relatedCollection) && visibleColumn(relation.collection, relation.field) && openJunction(relation),
  );
  return { grants, visibleSchema: { ...schema, collections, relations } };
}

/**
 * The grants with the files of file fields: readable whole through an item the role may read, since the
 * item's own grant (its row filter, the field's column) already decides whether the role reaches them;
 * the items door serves them at no route of their own. (The people of user fields, the other table
 * reached only through fields, need a read policy of their own: see users.collection.ts.)
 */
function withRelationTargets(schema: WorkspaceSchema, grants: ReadonlyMap<string, CollectionReadGrant>): ReadonlyMap<string, CollectionReadGrant> {
  const targets = [...schema.collections.values()].filter((collection) => collection.relationTargetOnly && collection.name === FILES);
  if (targets.length === 0) return grants;
  const all = new Map(grants);
  for (const target of targets) all.set(target.name, { fields: new Set(target.fields.map((field) => field.field)), filter: null });
  return all;
}

/**
 * Merges the role's row filters into a query parsed against the visible schema: the root's into its
 * filter (answered apart as `scope`, which `total_count` also honours), and each related collection's
 * into every relational filter and nested read that reaches it. Search is limited to the visible
 * columns. Sorting through a relation into a collection whose rows are filtered is refused: the order
 * would tell something of rows the role cannot see.
 */
export function scopeReadQuery(query: ItemsQuery, permissions: ReadPermissions): { query: ItemsQuery; scope: FilterNode | null } {
  const { visibleSchema } = permissions;
  const scope = grantOf(permissions, query.collection).filter;
  const grouped = query.groupBy.length > 0 || query.aggregate.length > 0;
  // An aggregate query sorts only by its groups, whose joins carry the policies' filters (joinFilters).
  if (!grouped) checkSortPaths(query.sort, query.collection, permissions);
  const filter = both(scope, scopeFilter(query.filter, query.collection, permissions));
  const root = visibleSchema.collections.get(query.collection)!;
  const joinFilters = pathJoinFilters([...query.groupBy, ...query.aggregate.map((term) => term.field)], query.collection, permissions);
  return {
    scope,
    query: {
      ...query,
      filter,
      selection: scopeSelection(query.selection, query.collection, permissions),
      sort: query.sort.map((term) => (term.count ? { ...term, count: { filter: countFilter(term.count.filter, query.collection, term.path[0], permissions) } } : term)),
      searchIn: root.fields.map((field) => field.field),
      ...(Object.keys(joinFilters).length > 0 ? { joinFilters } : {}),
    },
  };
}

/**
 * The row filters of the collections the many-to-one relations of groupBy and aggregate paths reach, by
 * path prefix: a group's or an aggregate's value is read only from a related row the role may read,
 * otherwise it is NULL.
 */
function pathJoinFilters(paths: readonly string[], collection: string, permissions: ReadPermissions): Record<string, FilterNode> {
  const filters: Record<string, FilterNode> = {};
  for (const name of paths) {
    const path = name.split('.');
    let current = collection;
    path.slice(0, -1).forEach((hop, depth) => {
      current = relatedCollection(permissions, current, hop);
      const filter = grantOf(permissions, current).filter;
      if (filter !== null) filters[path.slice(0, depth + 1).join('.')] = filter;
    });
  }
  return filters;
}

/** A count's filter with the row filter of the counted collection: a count never counts a row the role may not read. */
function countFilter(filter: FilterNode | null, collection: string, field: string, permissions: ReadPermissions): FilterNode | null {
  const related = relatedCollection(permissions, collection, field);
  return both(grantOf(permissions, related).filter, scopeFilter(filter, related, permissions));
}

function grantOf(permissions: ReadPermissions, collection: string): CollectionReadGrant {
  const grant = permissions.grants.get(collection);
  if (!grant) throw forbidden(`You may not read "${collection}".`);
  return grant;
}

function both(left: FilterNode | null, right: FilterNode | null): FilterNode | null {
  if (left === null) return right;
  if (right === null) return left;
  return { type: 'and', children: [left, right] };
}

function relatedCollection(permissions: ReadPermissions, collection: string, field: string): string {
  const relational = findRelationalField(permissions.visibleSchema, collection, field);
  if (!relational) throw forbidden(`You may not read "${collection}.${field}".`);
  return relational.related;
}

function scopeFilter(filter: FilterNode | null, collection: string, permissions: ReadPermissions): FilterNode | null {
  if (filter === null) return null;
  switch (filter.type) {
    case 'and':
    case 'or':
      return { type: filter.type, children: filter.children.map((child) => scopeFilter(child, collection, permissions)!) };
    case 'compare':
      return filter;
    case 'relation': {
      const related = relatedCollection(permissions, collection, filter.field);
      // The related rows a condition may match are only those the role can read.
      return { ...filter, filter: both(grantOf(permissions, related).filter, scopeFilter(filter.filter, related, permissions))! };
    }
  }
}

function scopeSelection(selection: Selection, collection: string, permissions: ReadPermissions): Selection {
  const scoped: Selection = { fields: selection.fields, relations: selection.relations.map((nested) => scopeNested(nested, collection, permissions)) };
  if (selection.counts) scoped.counts = selection.counts.map((count) => ({ field: count.field, filter: countFilter(count.filter, collection, count.field, permissions) }));
  return scoped;
}

function scopeNested(nested: NestedRead, collection: string, permissions: ReadPermissions): NestedRead {
  const related = relatedCollection(permissions, collection, nested.field);
  checkSortPaths(nested.sort, related, permissions);
  return {
    ...nested,
    filter: both(grantOf(permissions, related).filter, scopeFilter(nested.filter, related, permissions)),
    selection: scopeSelection(nested.selection, related, permissions),
  };
}

function checkSortPaths(sort: readonly SortTerm[], collection: string, permissions: ReadPermissions): void {
  for (const term of sort) {
    let current = collection;
    for (const hop of term.path.slice(0, -1)) {
      current = relatedCollection(permissions, current, hop);
      if (grantOf(permissions, current).filter !== null) {
        throw forbidden(`You may not sort by "${term.path.join('.')}": the rows of "${current}" you may read are filtered.`);
      }
    }
  }
}
