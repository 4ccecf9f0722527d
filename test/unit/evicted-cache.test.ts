import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalMessageBus } from '../../src/common/bus/local-bus';
import { EvictedCache } from '../../src/common/cache/evicted-cache';

/** A load that the test finishes by hand, counting how often it was started. */
function controlledLoad<V>() {
  const finishers: Array<{ resolve: (value: V) => void; reject: (error: Error) => void }> = [];
  let started = 0;
  return {
    calls: () => started,
    load: () => {
      started += 1;
      return new Promise<V>((resolve, reject) => finishers.push({ resolve, reject }));
    },
    /** Finishes the load started `index`-th (from 0). */
    resolve: (index: number, value: V) => finishers[index].resolve(value),
    reject: (index: number, error: Error) => finishers[index].reject(error),
  };
}

describe('EvictedCache', () => {
  const cache = () => new EvictedCache<{ name: string }>(new LocalMessageBus(), 'cache.test', { ttlMs: 60_000, max: 100 });

  it('runs one load for the callers that miss while it is under way, and keeps its value', async () => {
    const entries = cache();
    const source = controlledLoad<{ name: string }>();
    const waiting = [entries.get('k', source.load), entries.get('k', source.load), entries.get('k', source.load)];
    assert.equal(source.calls(), 1);
    source.resolve(0, { name: 'first' });
    assert.deepEqual(await Promise.all(waiting), [{ name: 'first' }, { name: 'first' }, { name: 'first' }]);
    assert.deepEqual(await entries.get('k', source.load), { name: 'first' });
    assert.equal(source.calls(), 1);
  });

  it('answers but does not keep a value loaded across an eviction of its key', async () => {
    const entries = cache();
    const source = controlledLoad<{ name: string }>();
    const before = entries.get('k', source.load);
    await entries.evict('k');
    const after = entries.get('k', source.load);
    assert.equal(source.calls(), 2, 'a caller after the eviction shared the load that began before it');
    // The load begun after the eviction finishes first; the older one must not overwrite it.
    source.resolve(1, { name: 'new' });
    source.resolve(0, { name: 'old' });
    assert.deepEqual(await before, { name: 'old' });
    assert.deepEqual(await after, { name: 'new' });
    assert.deepEqual(await entries.get('k', source.load), { name: 'new' });
    assert.equal(source.calls(), 2);
  });

  it('gives a failed load to the callers that shared it, and loads again for the next', async () => {
    const entries = cache();
    const source = controlledLoad<{ name: string }>();
    const waiting = [entries.get('k', source.load), entries.get('k', source.load)];
    source.reject(0, new Error('database down'));
    for (const result of await Promise.allSettled(waiting)) assert.equal(result.status, 'rejected');
    const retried = entries.get('k', source.load);
    assert.equal(source.calls(), 2);
    source.resolve(1, { name: 'back' });
    assert.deepEqual(await retried, { name: 'back' });
  });
});
