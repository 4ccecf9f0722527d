import { LRUCache } from 'lru-cache';
import type { QueryConfig } from '../../config/app-config';
import type { WorkspaceSchema } from '../../modules/schema/schema.types';
import type { ItemsQuery } from './query.ast';
import { parseItemsPaging, parseItemsQuery } from './query.parser';

/** Distinct queries remembered per schema version; apps repeat a handful of shapes. */
const QUERIES_PER_SCHEMA = 256;
/** Longer parameters are parsed every time rather than kept, so the cache stays small. */
const MAX_KEY_LENGTH = 2048;

/**
 * Parsed queries by their parameters, per schema version: an app asks the same few queries over and
 * over, and parsing them again is work on every request. A parsed query holds no request's values
 * ($NOW and $CURRENT_USER are resolved when it is compiled), so it can be shared; it is frozen, so
 * sharing cannot go wrong unnoticed. A new schema version is a new cache; the old one goes with it.
 * A page (`offset`, `page`) is no part of a query's shape: a client paging through a collection asks
 * the same query at ever new offsets, each of which would be parsed afresh and push a shape that is
 * asked again out of the cache. The shape is kept, the page read per request.
 */
export class ParsedQueryCache {
  private readonly bySchema = new WeakMap<WorkspaceSchema, LRUCache<string, ItemsQuery>>();

  constructor(private readonly config: QueryConfig) {}

  parse(collection: string, params: Record<string, unknown>, schema: WorkspaceSchema): ItemsQuery {
    if (!('offset' in params) && !('page' in params)) return this.parseShape(collection, params, schema);
    const { offset: _offset, page: _page, ...shape } = params;
    let query: ItemsQuery;
    try {
      query = this.parseShape(collection, shape, schema);
    } catch {
      // The refusal a whole parse meets first, whether it is about the page or about the rest.
      return parseItemsQuery(collection, params, schema, this.config);
    }
    return Object.freeze({ ...query, ...parseItemsPaging(params, this.config) });
  }

  private parseShape(collection: string, params: Record<string, unknown>, schema: WorkspaceSchema): ItemsQuery {
    let queries = this.bySchema.get(schema);
    if (!queries) {
      queries = new LRUCache({ max: QUERIES_PER_SCHEMA });
      this.bySchema.set(schema, queries);
    }
    const key = `${collection}\u0000${JSON.stringify(params)}`;
    if (key.length > MAX_KEY_LENGTH) return parseItemsQuery(collection, params, schema, this.config);
    let query = queries.get(key);
    if (!query) {
      query = deepFreeze(parseItemsQuery(collection, params, schema, this.config));
      queries.set(key, query);
    }
    return query;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
