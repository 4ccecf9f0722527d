import { LRUCache } from 'lru-cache';
import { BUS_RECONNECTED, MessageBus } from '../bus/bus';

/**
 * A small in-process cache for what every request looks up (API keys, accounts, workspaces,
 * memberships). Entries live a short time; a change evicts them at once on every instance through the
 * bus, and the short lifetime bounds how stale an instance can be while the bus is down.
 */
export class EvictedCache<V extends object> {
  private readonly entries: LRUCache<string, { value: V | null }>;
  /** Loads under way, by key. */
  private readonly loading = new Map<string, Promise<V | null>>();
  private stops: Array<() => Promise<void>> = [];

  constructor(
    private readonly bus: MessageBus,
    private readonly channel: string,
    private readonly options: { ttlMs: number; max: number; onEvict?: (keys: string[]) => void },
  ) {
    this.entries = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  /** Starts listening for evictions from other instances, and for the bus coming back after a loss. */
  async start(): Promise<void> {
    this.stops = [
      await this.bus.subscribe(this.channel, (payload) => {
        this.drop((payload as { keys: string[] }).keys);
      }),
      await this.bus.subscribe(BUS_RECONNECTED, () => {
        this.entries.clear();
        this.loading.clear();
      }),
    ];
  }

  async close(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
  }

  /**
   * The cached value, or what `load` finds (a miss is cached too, as null). Callers that miss while a
   * load of the key is under way share it: when an entry expires under load, every request in flight
   * would otherwise run the same query at once.
   */
  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.entries.get(key);
    if (hit) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loading = load().then((value) => {
      // Evicted meanwhile: the value may predate the change, so it is answered but not kept.
      if (this.loading.get(key) === loading) this.entries.set(key, { value });
      return value;
    });
    this.loading.set(key, loading);
    const forget = () => {
      if (this.loading.get(key) === loading) this.loading.delete(key);
    };
    loading.then(forget, forget);
    return loading;
  }

  /** Drops entries here and on every other instance. */
  async evict(...keys: string[]): Promise<void> {
    this.drop(keys);
    await this.bus.publish(this.channel, { keys }).catch(() => undefined);
  }

  private drop(keys: string[]): void {
    for (const key of keys) {
      this.entries.delete(key);
      this.loading.delete(key);
    }
    // What the owner derived from the evicted values goes too, here and on the other instances.
    this.options.onEvict?.(keys);
  }

}
