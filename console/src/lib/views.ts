import type { Query } from '../api/client';
import type { FilterJson } from './filter';

/** A view as `/views` answers it. */
export interface ViewDefinition {
  name: string;
  source: string;
  fields: string[];
  filter: FilterJson | null;
  sort: string[];
  groupBy: string[];
  aggregate: Record<string, string[]> | null;
  computed: Record<string, string>;
  public: boolean;
  public_requires_key: boolean;
}

export const AGGREGATE_FUNCTIONS = ['count', 'countDistinct', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** An aggregate as the editor holds it: one function of one field (or `*` for count). */
export interface AggregateTerm {
  fn: AggregateFunction;
  field: string;
}

export function emptyView(source = ''): ViewDefinition {
  return { name: '', source, fields: [], filter: null, sort: [], groupBy: [], aggregate: null, computed: {}, public: false, public_requires_key: false };
}

export function isAggregate(view: Pick<ViewDefinition, 'groupBy' | 'aggregate'>): boolean {
  return view.groupBy.length > 0 || view.aggregate !== null;
}

/** The aggregate object of the API as a list of terms, in its order. */
export function aggregateTerms(aggregate: ViewDefinition['aggregate']): AggregateTerm[] {
  return Object.entries(aggregate ?? {}).flatMap(([fn, fields]) => fields.map((field) => ({ fn: fn as AggregateFunction, field })));
}

/** Terms back into the API's object; none is `null`, and a term given twice counts once. */
export function aggregateObject(terms: AggregateTerm[]): ViewDefinition['aggregate'] {
  const result: Record<string, string[]> = {};
  for (const { fn, field } of terms) {
    if (!field) continue;
    const fields = (result[fn] ??= []);
    if (!fields.includes(field)) fields.push(field);
  }
  return Object.keys(result).length > 0 ? result : null;
}

/** A comma list typed by the user (`-rating, title`) as its parts. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The body that creates or updates a view: computed values with an empty name or expression are left out. */
export function viewBody(view: ViewDefinition): Record<string, unknown> {
  const computed = Object.fromEntries(Object.entries(view.computed).filter(([name, expression]) => name.trim() && expression.trim()));
  const aggregate = isAggregate(view);
  return {
    name: view.name,
    source: view.source,
    fields: aggregate ? [] : view.fields,
    filter: view.filter,
    sort: view.sort,
    groupBy: view.groupBy,
    aggregate: view.aggregate,
    computed: aggregate ? {} : computed,
    public: view.public,
    public_requires_key: view.public_requires_key,
  };
}

/** Whether two definitions would read the same rows (what the preview needs to know to read the saved view). */
export function sameQuery(a: ViewDefinition, b: ViewDefinition): boolean {
  const query = (view: ViewDefinition) => {
    const body = viewBody(view);
    return JSON.stringify([body.name, body.source, body.fields, body.filter, body.sort, body.groupBy, body.aggregate, body.computed]);
  };
  return query(a) === query(b);
}

/**
 * The items query of the source that answers what the draft view would, without computed values: a view is
 * exactly `/items/{source}` with its fields, filter, sort, groupBy and aggregate (docs/views.md).
 */
export function draftPreviewQuery(view: ViewDefinition, limit: number): Query {
  const query: Query = { limit };
  if (view.filter) query.filter = JSON.stringify(view.filter);
  if (view.sort.length > 0) query.sort = view.sort.join(',');
  if (isAggregate(view)) {
    if (view.groupBy.length > 0) query.groupBy = view.groupBy.join(',');
    if (view.aggregate) query.aggregate = JSON.stringify(view.aggregate);
  } else if (view.fields.length > 0) query.fields = view.fields.join(',');
  return query;
}

/** The address a published view answers at, without a token. */
export function publicViewUrl(origin: string, ws: string, name: string): string {
  return `${origin}/api/v1/public/${encodeURIComponent(ws)}/views/${encodeURIComponent(name)}`;
}
