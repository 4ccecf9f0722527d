/**
 * The one query AST. REST parameters, GraphQL arguments and realtime subscriptions all parse into it;
 * policies are merged into it; the SQL compiler turns it into parameterized SQL.
 */

export type ComparisonOperator =
  | '_eq' | '_neq' | '_lt' | '_lte' | '_gt' | '_gte'
  | '_in' | '_nin'
  | '_null' | '_nnull'
  | '_contains' | '_ncontains' | '_icontains'
  | '_starts_with' | '_istarts_with' | '_ends_with' | '_iends_with'
  | '_between' | '_nbetween'
  | '_empty' | '_nempty';

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  '_eq', '_neq', '_lt', '_lte', '_gt', '_gte', '_in', '_nin', '_null', '_nnull', '_contains', '_ncontains', '_icontains',
  '_starts_with', '_istarts_with', '_ends_with', '_iends_with', '_between', '_nbetween', '_empty', '_nempty',
];

/** A value resolved when the query runs: $CURRENT_USER, $CURRENT_ROLE, $NOW or $NOW(-1 day). */
export interface FilterVariable {
  variable: 'CURRENT_USER' | 'CURRENT_ROLE' | 'NOW';
  /** For $NOW(±n unit): milliseconds to add. */
  offsetMs?: number;
}

export type FilterScalar = string | number | boolean | null | FilterVariable;
/** A scalar, or a list for _in/_nin/_between/_nbetween. */
export type FilterValue = FilterScalar | FilterScalar[];

export type FilterNode =
  | { type: 'and'; children: FilterNode[] }
  | { type: 'or'; children: FilterNode[] }
  /** A comparison on a field of the current collection. */
  | { type: 'compare'; field: string; operator: ComparisonOperator; value: FilterValue }
  /**
   * A condition across a relation field of the current collection. For a many-to-one the related row
   * must match (`some`); for one-to-many and many-to-many, `some` or `none` of the related rows.
   */
  | { type: 'relation'; field: string; quantifier: 'some' | 'none'; filter: FilterNode };

export interface SortTerm {
  /** A field, or a path through many-to-one relations ending in a field: ['author', 'name']. */
  path: string[];
  direction: 'asc' | 'desc';
  /**
   * `count(comments)`: sort by the number of related rows of the one-to-many or many-to-many that
   * `path` (one segment) names, rather than by a column. Only at the root of a read.
   */
  count?: { filter: FilterNode | null };
}

/**
 * `count(relation)` in `fields`: the number of related rows of a one-to-many or many-to-many, answered
 * under `countKey(field)` (`comments_count`, as Directus answers it).
 */
export interface RelationCount {
  field: string;
  /** Which related rows count: the read policy's row filter of the related collection (null: all of them). */
  filter: FilterNode | null;
}

/** The key a row answers `count(field)` under: `comments_count` for `count(comments)`, as Directus does. */
export function countKey(field: string): string {
  return `${field}_count`;
}

export type AggregateFunction = 'count' | 'countDistinct' | 'sum' | 'avg' | 'min' | 'max';

export interface AggregateTerm {
  fn: AggregateFunction;
  /** A field, or '*' for count. */
  field: string;
}

/** What to read of one collection, and of each relation expanded beneath it. */
export interface Selection {
  /** Plain fields of this collection (including many-to-one foreign keys read as ids). */
  fields: string[];
  /** Relation fields expanded into nested objects or arrays, each with its own selection and `deep` options. */
  relations: NestedRead[];
  /** `count(relation)` of to-many relations, each answered as a number beside the fields; absent: none. */
  counts?: RelationCount[];
}

export interface NestedRead {
  field: string;
  selection: Selection;
  /** From `deep`: only for one-to-many and many-to-many expansions. */
  filter: FilterNode | null;
  sort: SortTerm[];
  limit: number | null;
  offset: number;
}

export type MetaField = 'total_count' | 'filter_count';

export interface ItemsQuery {
  collection: string;
  selection: Selection;
  filter: FilterNode | null;
  search: string | null;
  sort: SortTerm[];
  /** null: no limit (limit=-1, where configuration allows it). */
  limit: number | null;
  offset: number;
  aggregate: AggregateTerm[];
  /** Fields of the collection, or paths through many-to-one relations ending in a field (`post.title`). */
  groupBy: string[];
  /**
   * For a groupBy path: the row filter each many-to-one it goes through is joined with, by path prefix
   * (`post`, `post.author`): the read policy's of the related collection, so a row the caller may not
   * read groups as if there were none (null). Set by the policy merge.
   */
  joinFilters?: Readonly<Record<string, FilterNode>>;
  meta: MetaField[];
  /** The fields `search` looks in, when a policy narrows them; otherwise all of the collection's. */
  searchIn?: readonly string[];
  /** Values computed from the root's columns, each selected beside them under its alias (views). */
  computed?: readonly ComputedColumn[];
}

/**
 * A computed value's expression: numbers, text, root columns, arithmetic and a few functions. Every
 * field in it is a column of the root collection, checked against the registry like any other name.
 */
export type Expression =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'field'; field: string }
  | { kind: 'negate'; operand: Expression }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/'; left: Expression; right: Expression }
  | { kind: 'call'; fn: 'concat' | 'lower' | 'upper' | 'coalesce'; args: Expression[] };

/** What an expression answers: arithmetic answers numbers (floating-point), the functions text. */
export type ExpressionType = 'number' | 'string';

export interface ComputedColumn {
  alias: string;
  expression: Expression;
  type: ExpressionType;
}

/** A query of a collection's primary keys, with no filter, sort, limit or aggregate, and these parts over it. */
export function keysQuery(collection: string, overrides: Partial<ItemsQuery> = {}): ItemsQuery {
  return {
    collection,
    selection: { fields: ['id'], relations: [] },
    filter: null,
    search: null,
    sort: [],
    limit: null,
    offset: 0,
    aggregate: [],
    groupBy: [],
    meta: [],
    ...overrides,
  };
}

/** Filters that must all hold, as one node: null when none is given (every row). */
export function allOf(...filters: Array<FilterNode | null>): FilterNode | null {
  const present = filters.filter((filter): filter is FilterNode => filter !== null);
  if (present.length <= 1) return present[0] ?? null;
  return { type: 'and', children: present };
}

/** Who runs a query and when, for filter variables. */
export interface QueryContext {
  now: Date;
  userId: string | null;
  role: string | null;
}
