/** A handler for messages published on a channel. */
export type MessageHandler = (payload: unknown) => void;

/**
 * Publish/subscribe between every instance of Cairn: over Redis when REDIS_URL is set, in-process
 * otherwise. Payloads are plain JSON values.
 */
export interface MessageBus {
  publish(channel: string, payload: unknown): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
}

/** A cache of JSON values with expiry, shared by every instance when Redis is configured. */
export interface KeyValueCache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Whether the bus's backing service answers, for the health check. */
export type BusHealth = { status: 'disabled' } | { status: 'up'; responseTime: number } | { status: 'down'; message: string };

export interface BusHealthProbe {
  check(): Promise<BusHealth>;
}

/**
 * Delivered by the Redis bus to this instance's subscribers alone when its subscription comes back
 * after Redis was lost: messages sent meanwhile never arrived, so caches drop what they hold.
 */
export const BUS_RECONNECTED = 'bus.reconnected';

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
export const KEY_VALUE_CACHE = Symbol('KEY_VALUE_CACHE');
export const BUS_HEALTH = Symbol('BUS_HEALTH');
