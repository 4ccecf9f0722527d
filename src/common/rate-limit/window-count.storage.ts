import type { ThrottlerStorage } from '@nestjs/throttler';
import { LRUCache } from 'lru-cache';

type Record = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  endsAt: number;
  blockedUntil: number;
}

/** A key's count in its current window, and the milliseconds left of that window (0: none is open). */
export interface WindowCount {
  hits: number;
  msLeft: number;
}

/**
 * Counts that can be read without counting, for limits on failures: a failure is counted after the
 * route answered, and the count checked before the next attempt runs. Both of Cairn's throttler
 * storages (this one and Redis's) keep them beside the throttler's counts.
 */
export interface AttemptCounts {
  /** The count of a key in its current window. */
  peek(key: string): Promise<WindowCount>;
  /** Adds one to a key's count, opening a window of `windowMs` when none is open. */
  add(key: string, windowMs: number): Promise<WindowCount>;
}

/** Keys counted at once in one process; the least recently counted go first beyond it. */
const MAX_KEYS = 100_000;

/**
 * Counts in this process, one fixed window per key: a number and an end, so a request costs the same
 * however many came before it in the window (the throttler's own in-memory storage keeps and filters a
 * timestamp per hit, which grows with the limit). Over the limit, the key is refused until the window
 * ends, or for the block duration when one is set.
 */
export class WindowCountStorage implements ThrottlerStorage, AttemptCounts {
  private readonly windows = new LRUCache<string, Window>({ max: MAX_KEYS });

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Record> {
    const now = Date.now();
    const id = `${throttlerName}:${key}`;
    let window = this.windows.get(id);
    if (!window || (window.endsAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil <= now) {
      window.hits += 1;
      if (window.hits > limit) window.blockedUntil = blockDuration > 0 ? now + blockDuration : window.endsAt;
    }
    const seconds = (at: number) => Math.max(0, Math.ceil((at - now) / 1000));
    const isBlocked = window.blockedUntil > now;
    return Promise.resolve({ totalHits: window.hits, timeToExpire: seconds(window.endsAt), isBlocked, timeToBlockExpire: isBlocked ? seconds(window.blockedUntil) : 0 });
  }

  peek(key: string): Promise<WindowCount> {
    const now = Date.now();
    const window = this.windows.get(`attempts:${key}`);
    return Promise.resolve(window && window.endsAt > now ? { hits: window.hits, msLeft: window.endsAt - now } : { hits: 0, msLeft: 0 });
  }

  add(key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now();
    const id = `attempts:${key}`;
    let window = this.windows.get(id);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + windowMs, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    window.hits += 1;
    return Promise.resolve({ hits: window.hits, msLeft: window.endsAt - now });
  }
}
