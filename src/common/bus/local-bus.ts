import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { BusHealth, BusHealthProbe, KeyValueCache, MessageBus, MessageHandler } from './bus';

/** The bus of a single process, used when no Redis is configured. Delivery is asynchronous, as over Redis. */
export class LocalMessageBus implements MessageBus, BusHealthProbe {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, payload: unknown): Promise<void> {
    if (this.emitter.listenerCount(channel) === 0) return;
    // A copy through JSON gives subscribers the same values they would get over Redis.
    const copy: unknown = JSON.parse(JSON.stringify(payload ?? null));
    setImmediate(() => this.emitter.emit(channel, copy));
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    this.emitter.on(channel, handler);
    return async () => {
      this.emitter.off(channel, handler);
    };
  }

  async check(): Promise<BusHealth> {
    return { status: 'disabled' };
  }
}

/** An in-memory cache with a bound on its size, used when no Redis is configured. */
export class LocalKeyValueCache implements KeyValueCache {
  private readonly entries = new LRUCache<string, { json: string }>({ max: 50_000 });

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    return entry ? (JSON.parse(entry.json) as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.entries.set(key, { json: JSON.stringify(value ?? null) }, { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
