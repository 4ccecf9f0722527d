import type { ErrorCode } from '../../common/errors/error-codes';

/**
 * The Directus realtime protocol, as `@directus/sdk`'s `realtime()` speaks it: JSON text messages with a
 * `type`. What clients send is checked here into typed messages; what the server sends is built here.
 */

export type ClientMessage =
  | { type: 'auth'; accessToken: string }
  | { type: 'subscribe'; collection: string; query: Record<string, unknown>; uid: string | null; event: SubscriptionEvent | null }
  | { type: 'unsubscribe'; uid: string | null }
  | ItemsMessage
  | { type: 'ping' }
  | { type: 'pong' };

/**
 * An items action, as Directus's `items` message: it goes through the items door as the connection's
 * caller, as the REST route of the same action would. `keys` is the `id` (one item) or the `ids` (a list)
 * the message names.
 */
export type ItemsMessage = { type: 'items'; uid: string | null; collection: string; query: Record<string, unknown> } & (
  | { action: 'read'; id: string | null }
  | { action: 'create'; data: unknown }
  | { action: 'update'; keys: ItemsKeys; data: unknown }
  | { action: 'delete'; keys: ItemsKeys }
);

export type ItemsKeys = { id: string } | { keys: unknown[] };

export type SubscriptionEvent = 'create' | 'update' | 'delete';
const EVENTS: readonly string[] = ['create', 'update', 'delete'];

/** A message that could not be read: answered with an error of its type (and uid), never by closing. */
export class ProtocolError extends Error {
  constructor(
    readonly replyType: string,
    readonly uid: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** The parameters of the query language a subscription takes; paging and aggregates make no sense for a stream. */
const QUERY_PARAMETERS = new Set(['fields', 'filter', 'sort', 'limit', 'offset', 'page', 'search', 'deep']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one text message from a client. */
export function parseClientMessage(text: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new ProtocolError('error', null, 'A message must be a JSON object.');
  }
  if (!isRecord(message) || typeof message.type !== 'string') throw new ProtocolError('error', null, 'A message must be a JSON object with a "type".');
  const uid = typeof message.uid === 'string' || typeof message.uid === 'number' ? String(message.uid) : null;
  switch (message.type) {
    case 'auth':
      if (typeof message.access_token !== 'string' || message.access_token === '') throw new ProtocolError('auth', uid, 'An auth message needs an "access_token".');
      return { type: 'auth', accessToken: message.access_token };
    case 'subscribe': {
      if (typeof message.collection !== 'string' || message.collection === '') throw new ProtocolError('subscribe', uid, 'A subscription needs a "collection".');
      const query = message.query ?? {};
      if (!isRecord(query)) throw new ProtocolError('subscribe', uid, '"query" must be an object.');
      for (const key of Object.keys(query)) {
        if (!QUERY_PARAMETERS.has(key)) throw new ProtocolError('subscribe', uid, `"query.${key}" is not supported in a subscription; use ${[...QUERY_PARAMETERS].join(', ')}.`);
      }
      const event = message.event ?? null;
      if (event !== null && (typeof event !== 'string' || !EVENTS.includes(event))) throw new ProtocolError('subscribe', uid, '"event" must be create, update or delete.');
      return { type: 'subscribe', collection: message.collection, query, uid, event: event as SubscriptionEvent | null };
    }
    case 'unsubscribe':
      return { type: 'unsubscribe', uid };
    case 'items':
      return parseItemsMessage(message, uid);
    case 'ping':
    case 'pong':
      return { type: message.type };
    default:
      throw new ProtocolError(message.type, uid, `Unknown message type "${message.type}".`);
  }
}

const ITEMS_ACTIONS = ['read', 'create', 'update', 'delete'];

/** An `items` message; its `query` is handed to the door as REST's query string would be, which checks it. */
function parseItemsMessage(message: Record<string, unknown>, uid: string | null): ItemsMessage {
  const refuse = (text: string) => new ProtocolError('items', uid, text);
  const { action } = message;
  if (typeof action !== 'string' || !ITEMS_ACTIONS.includes(action)) throw refuse(`"action" must be ${ITEMS_ACTIONS.join(', ')}.`);
  if (typeof message.collection !== 'string' || message.collection === '') throw refuse('An items message needs a "collection".');
  const query = message.query ?? {};
  if (!isRecord(query)) throw refuse('"query" must be an object.');
  const base = { type: 'items' as const, uid, collection: message.collection, query };
  switch (action) {
    case 'read':
      return { ...base, action, id: message.id === undefined ? null : itemId(message.id, refuse) };
    case 'create':
      if (!isRecord(message.data) && !Array.isArray(message.data)) throw refuse('A create needs "data": an item or a list of items.');
      return { ...base, action, data: message.data };
    case 'update':
      if (!isRecord(message.data)) throw refuse('An update needs "data": an object of the values to set.');
      return { ...base, action, keys: itemKeys(message, refuse), data: message.data };
    default:
      return { ...base, action: 'delete', keys: itemKeys(message, refuse) };
  }
}

/** The item an `id` names, as a REST path would name it. */
function itemId(id: unknown, refuse: (text: string) => ProtocolError): string {
  if ((typeof id !== 'string' && typeof id !== 'number') || id === '') throw refuse('"id" must be a string or a number.');
  return String(id);
}

/** The items an update or a delete names: `id` (one) or `ids` (a list), never both. */
function itemKeys(message: Record<string, unknown>, refuse: (text: string) => ProtocolError): ItemsKeys {
  if (message.id !== undefined && message.ids !== undefined) throw refuse('Give "id" or "ids", not both.');
  if (message.id !== undefined) return { id: itemId(message.id, refuse) };
  if (!Array.isArray(message.ids)) throw refuse(`An items ${String(message.action)} needs "id" or "ids" (a list).`);
  return { keys: message.ids };
}

export interface ProtocolErrorBody {
  code: ErrorCode;
  message: string;
}

export const outgoing = {
  authOk: () => JSON.stringify({ type: 'auth', status: 'ok' }),
  error: (type: string, error: ProtocolErrorBody, uid: string | null) => JSON.stringify({ type, status: 'error', error, ...(uid === null ? {} : { uid }) }),
  items: (data: unknown, uid: string | null) => JSON.stringify({ type: 'items', status: 'ok', data, ...(uid === null ? {} : { uid }) }),
  ping: () => JSON.stringify({ type: 'ping' }),
  pong: () => JSON.stringify({ type: 'pong' }),
  /**
   * A subscription's event. The data is serialized once for every subscriber that receives the same
   * rows; only the uid differs.
   */
  event: (event: 'init' | SubscriptionEvent, serializedData: string, uid: string) => `{"type":"subscription","event":"${event}","data":${serializedData},"uid":${JSON.stringify(uid)}}`,
};
