import type { RequestOrigin } from '../audit/activity.recorder';
import type { ItemsQuery } from '../../engine/query/query.ast';

/**
 * What callers hand the items door: one typed request per action, however the caller was asked (a
 * REST route, a GraphQL field, a handler's `items()`, a flow step, a view). Each way in builds these
 * from its own input; the door checks the caller's right to the action, then parses, validates and
 * writes them the one way.
 */

/**
 * The query language's parameters: REST's query string as it came (JSON strings, bracket keys, comma
 * lists, shorthand filters), or the same names with structured values, as GraphQL builds them from its
 * arguments. The door parses them against what the caller may read.
 */
export type QueryParams = Readonly<Record<string, unknown>>;

/**
 * A read of a collection's items: by parameters, or by a query already parsed against what the caller
 * may read (a view's), into which the caller's policy is merged all the same.
 */
export type ReadRequest = { collection: string; params: QueryParams } | { collection: string; query: ItemsQuery };

/** One item by the id a path or a caller names: an id that can be no key of the collection is 404, as a missing item is. */
export interface ItemRequest {
  collection: string;
  id: string;
  params: QueryParams;
}

/**
 * Which items a write names. `id`: one, by the id a path gives (an id that can be no key, or no item,
 * is 404). `keys`: a list given in a body, checked as such (non-empty, within the batch size; a value
 * that can be no key is 400, naming `keys.<i>`); keys without an item are skipped.
 */
export type ItemKeys = { id: string } | { keys: unknown };

/** The fields a write answers its items with (the `fields` parameter; absent: every readable field). */
export interface WriteAnswer {
  fields?: unknown;
}

export interface CreateCommand extends WriteAnswer {
  collection: string;
  /** The items to create, as given: validated by the door. */
  items: unknown[];
  /** The items came as a list: they are answered as one, and a failure names its index. */
  batch: boolean;
  origin: RequestOrigin;
}

/**
 * An update: the same values for the items `keys` names (a failure in them is named `data` when the
 * keys came as a list), the same values for the items a query finds (`query`; a failure in the values
 * is named `data`), or a batch of items each carrying its own key among its values (`each`).
 */
export type UpdateCommand = WriteAnswer & { collection: string; origin: RequestOrigin } & UpdateSelection;

export type UpdateSelection = { keys: ItemKeys; values: unknown } | { query: SelectingQuery; values: unknown } | { each: unknown[] };

/**
 * Which items a write by query changes, in the query language's parameters: `filter`, and optionally
 * `search`, `sort` and `limit` (without one, every item found). It is parsed against what the caller
 * may see, with its read policy and its grant for the write both merged in: a caller changes only items
 * it may see and change.
 */
export type SelectingQuery = Readonly<Partial<Record<(typeof SELECTING_PARAMETERS)[number], unknown>>>;

/** The parameters a write by query takes; the others (fields, paging, aggregates) say nothing of which items. */
export const SELECTING_PARAMETERS = ['filter', 'search', 'sort', 'limit'] as const;

export interface DeleteCommand {
  collection: string;
  keys: ItemKeys;
  origin: RequestOrigin;
}

/** Items given as one or as a list, as a create takes them. */
export function itemsOf(body: unknown): Pick<CreateCommand, 'items' | 'batch'> {
  return Array.isArray(body) ? { items: body, batch: true } : { items: [body], batch: false };
}
