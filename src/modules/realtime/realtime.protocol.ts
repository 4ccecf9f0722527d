import type { ErrorCode } from '../../common/errors/error-codes';

/**
 * The Directus realtime protocol, as `@directus/sdk`'s `realtime()` speaks it: JSON text messages with a
 * `type`. What clients send is checked here into typed messages; what the server sends is built here.
 */

export type ClientMessage =
  | { type: 'auth'; accessToken: string }
  | { type: 'subscribe'; collection: string; query: Record<string, unknown>; uid: string | null; event: SubscriptionEvent | null }
  | { type: 'unsubscribe'; uid: string | null }
  | { type: 'ping' }
  | { type: 'pong' };

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
    case 'ping':
    case 'pong':
      return { type: message.type };
    default:
      throw new ProtocolError(message.type, uid, `Unknown message type "${message.type}".`);
  }
}

export interface ProtocolErrorBody {
  code: ErrorCode;
  message: string;
}

export const outgoing = {
  authOk: () => JSON.stringify({ type: 'auth', status: 'ok' }),
  error: (type: string, error: ProtocolErrorBody, uid: string | null) => JSON.stringify({ type, status: 'error', error, ...(uid === null ? {} : { uid }) }),
  ping: () => JSON.stringify({ type: 'ping' }),
  pong: () => JSON.stringify({ type: 'pong' }),
  /**
   * A subscription's event. The data is serialized once for every subscriber that receives the same
   * rows; only the uid differs.
   */
  event: (event: 'init' | SubscriptionEvent, serializedData: string, uid: string) => `{"type":"subscription","event":"${event}","data":${serializedData},"uid":${JSON.stringify(uid)}}`,
};
