import { AppError, invalidPayload } from '../../common/errors/app-error';
import type { QueryConfig } from '../../config/app-config';
import { isRecord } from '../../engine/query/filter.parser';
import type { ComputedColumn, ItemsQuery } from '../../engine/query/query.ast';
import { parseItemsQuery } from '../../engine/query/query.parser';
import { checkCollectionName } from '../schema/names';
import { findField } from '../schema/schema.lookup';
import type { WorkspaceSchema } from '../schema/schema.types';
import { ExpressionError, parseComputed } from './computed.parser';
import type { ViewEntity } from './view.entity';

type Params = Record<string, unknown>;

/** A view as the service keeps it: a query over `source` in the query language's own parts. */
export interface ViewDefinition {
  id: string;
  workspaceId: string;
  name: string;
  source: string;
  fields: string[];
  filter: Params | null;
  sort: string[];
  groupBy: string[];
  aggregate: Record<string, string[]> | null;
  computed: Record<string, string>;
  isPublic: boolean;
  publicRequiresKey: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The body of a view, as written: every part optional on a PATCH. */
export interface ViewInput {
  name?: string;
  source?: string;
  fields?: string[];
  filter?: Params | null;
  sort?: string[];
  groupBy?: string[];
  aggregate?: Record<string, string[]> | null;
  computed?: Record<string, string>;
  public?: boolean;
  public_requires_key?: boolean;
}

const INPUT_FIELDS = new Set(['name', 'source', 'fields', 'filter', 'sort', 'groupBy', 'aggregate', 'computed', 'public', 'public_requires_key']);
const MAX_COMPUTED = 32;

export function isAggregateView(view: Pick<ViewDefinition, 'groupBy' | 'aggregate'>): boolean {
  return view.groupBy.length > 0 || view.aggregate !== null;
}

/** The view's query as REST query parameters of its source. */
export function definitionParams(view: ViewDefinition): Params {
  const params: Params = {};
  if (view.fields.length > 0) params.fields = view.fields;
  if (view.filter) params.filter = view.filter;
  if (view.sort.length > 0) params.sort = view.sort;
  if (view.groupBy.length > 0) params.groupBy = view.groupBy;
  if (view.aggregate) params.aggregate = view.aggregate;
  return params;
}

/** The body of a create or a PATCH, checked for its shape (not yet against the schema). */
export function readViewInput(body: unknown): ViewInput {
  if (!isRecord(body)) throw invalidPayload('Invalid payload: a view is a JSON object.');
  for (const key of Object.keys(body)) if (!INPUT_FIELDS.has(key)) throw invalidPayload(`Invalid payload: unknown field "${key}".`, key);
  const input: ViewInput = {};
  if (body.name !== undefined) input.name = checkCollectionName(body.name, 'name');
  if (body.source !== undefined) {
    if (typeof body.source !== 'string') throw invalidPayload('Invalid payload: "source" must name a collection.', 'source');
    input.source = body.source;
  }
  for (const key of ['fields', 'sort', 'groupBy'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    const list = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item !== '')) throw invalidPayload(`Invalid payload: "${key}" must be a list of names.`, key);
    input[key] = list as string[];
  }
  if (body.filter !== undefined) {
    if (body.filter !== null && !isRecord(body.filter)) throw invalidPayload('Invalid payload: "filter" must be a filter object, or null.', 'filter');
    input.filter = body.filter;
  }
  if (body.aggregate !== undefined) {
    if (body.aggregate !== null && !isRecord(body.aggregate)) throw invalidPayload('Invalid payload: "aggregate" must be an object such as {"count": ["*"]}, or null.', 'aggregate');
    input.aggregate = body.aggregate === null ? null : Object.fromEntries(Object.entries(body.aggregate).map(([fn, fields]) => [fn, typeof fields === 'string' ? [fields] : (fields as string[])]));
  }
  if (body.computed !== undefined) {
    if (!isRecord(body.computed) || !Object.values(body.computed).every((value) => typeof value === 'string')) {
      throw invalidPayload('Invalid payload: "computed" must map names to expressions, such as {"total": "price * quantity"}.', 'computed');
    }
    if (Object.keys(body.computed).length > MAX_COMPUTED) throw invalidPayload(`Invalid payload: a view may have at most ${MAX_COMPUTED} computed fields.`, 'computed');
    input.computed = body.computed as Record<string, string>;
  }
  for (const key of ['public', 'public_requires_key'] as const) {
    if (body[key] !== undefined && typeof body[key] !== 'boolean') throw invalidPayload(`Invalid payload: "${key}" must be true or false.`, key);
  }
  if (body.public !== undefined) input.public = body.public as boolean;
  if (body.public_requires_key !== undefined) input.public_requires_key = body.public_requires_key as boolean;
  return input;
}

/**
 * Checks a whole view against the schema as it is: its source exists, its query parses there, an
 * aggregate view has no fields or computed values of rows, and every computed field parses. Answers
 * the parsed query and computed columns; a problem is a 400 naming the part of the view at fault.
 */
export function checkView(view: ViewDefinition, schema: WorkspaceSchema, options: QueryConfig): { query: ItemsQuery; computed: ComputedColumn[] } {
  const collection = schema.collections.get(view.source);
  if (!collection) throw invalidPayload(`Invalid payload: collection "${view.source}" does not exist.`, 'source');
  const aggregate = isAggregateView(view);
  if (!aggregate && view.fields.length === 0) throw invalidPayload('Invalid payload: a view needs "fields", or "groupBy"/"aggregate".', 'fields');
  if (aggregate && view.fields.length > 0) throw invalidPayload('Invalid payload: an aggregate view answers its groupBy fields and aggregates; leave "fields" out.', 'fields');
  if (aggregate && Object.keys(view.computed).length > 0) throw invalidPayload('Invalid payload: an aggregate view can not have computed fields.', 'computed');
  let query: ItemsQuery;
  try {
    query = parseItemsQuery(view.source, definitionParams(view), schema, { ...options, maxLimit: null });
  } catch (error) {
    if (error instanceof AppError && error.code === 'INVALID_QUERY') {
      const part = typeof error.extensions.parameter === 'string' ? error.extensions.parameter : 'fields';
      throw invalidPayload(`Invalid payload: ${error.message}`, part);
    }
    throw error;
  }
  // A view's groups are its rows' fields, typed in its GraphQL and OpenAPI descriptions as the source's own.
  const path = view.groupBy.find((name) => name.includes('.'));
  if (path !== undefined) throw invalidPayload(`Invalid payload: a view groups by fields of "${view.source}", not by a path through a relation ("${path}"); read it from /items/${view.source}?groupBy=${path}.`, 'groupBy');
  const aggregated = query.aggregate.find((term) => term.field.includes('.'));
  if (aggregated !== undefined) {
    throw invalidPayload(`Invalid payload: a view aggregates fields of "${view.source}", not a path through a relation ("${aggregated.field}"); read it from /items/${view.source}?aggregate[${aggregated.fn}]=${aggregated.field}.`, 'aggregate');
  }
  if (aggregate) {
    const stray = view.sort.find((term) => !view.groupBy.includes(term.replace(/^-/, '')));
    if (stray) throw invalidPayload(`Invalid payload: an aggregate view can only be sorted by its groupBy fields, not "${stray}".`, 'sort');
  }
  const computed = Object.entries(view.computed).map(([alias, text]) => {
    const where = `computed.${alias}`;
    if (!/^[a-z][a-z0-9_]*$/.test(alias) || alias.length > 48) throw invalidPayload(`Invalid payload: the computed name "${alias}" must be a lowercase identifier.`, where);
    if (findField(collection, alias) || view.fields.some((path) => path.split('.')[0] === alias)) {
      throw invalidPayload(`Invalid payload: the computed name "${alias}" is already a field of "${view.source}".`, where);
    }
    try {
      return parseComputed(alias, text, collection);
    } catch (error) {
      if (error instanceof ExpressionError) throw invalidPayload(`Invalid payload: computed "${alias}" ${error.message}.`, where);
      throw error;
    }
  });
  return { query, computed };
}

export function toDefinition(entity: ViewEntity): ViewDefinition {
  const query = JSON.parse(entity.query) as Pick<ViewDefinition, 'fields' | 'filter' | 'sort' | 'groupBy' | 'aggregate'>;
  return {
    id: entity.id,
    workspaceId: entity.workspaceId,
    name: entity.name,
    source: entity.source,
    fields: query.fields,
    filter: query.filter,
    sort: query.sort,
    groupBy: query.groupBy,
    aggregate: query.aggregate,
    computed: entity.computed === null ? {} : (JSON.parse(entity.computed) as Record<string, string>),
    isPublic: entity.isPublic,
    publicRequiresKey: entity.publicRequiresKey,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

/** A view as the API answers it. */
export function toDto(view: ViewDefinition): Params {
  return {
    id: view.id,
    name: view.name,
    source: view.source,
    fields: view.fields,
    filter: view.filter,
    sort: view.sort,
    groupBy: view.groupBy,
    aggregate: view.aggregate,
    computed: view.computed,
    public: view.isPublic,
    public_requires_key: view.publicRequiresKey,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
  };
}
