import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KeyValueCache, MessageBus } from '../../src/common/bus/bus';
import { LocalKeyValueCache, LocalMessageBus } from '../../src/common/bus/local-bus';
import { RedisBus } from '../../src/common/bus/redis-bus';
import { TcpProxy } from '../support/tcp-proxy';

/** Resolves with the next message a bus delivers on a channel. */
function nextMessage(bus: MessageBus, channel: string): Promise<{ message: Promise<unknown>; stop: () => Promise<void> }> {
  let deliver!: (payload: unknown) => void;
  const message = new Promise<unknown>((resolve) => (deliver = resolve));
  return bus.subscribe(channel, (payload) => deliver(payload)).then((stop) => ({ message, stop }));
}

async function waitUntilGone(cache: KeyValueCache, key: string, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let value = await cache.get(key);
  while (value !== undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await cache.get(key);
  }
  return value;
}

describe('in-process bus', () => {
  it('delivers published messages to subscribers, as JSON copies', async () => {
    const bus = new LocalMessageBus();
    const { message, stop } = await nextMessage(bus, 'schema');
    const payload = { workspace: 'w1', version: 3, at: new Date(0) };
    await bus.publish('schema', payload);
    assert.deepEqual(await message, { workspace: 'w1', version: 3, at: '1970-01-01T00:00:00.000Z' });
    await stop();
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = new LocalMessageBus();
    const received: unknown[] = [];
    const stop = await bus.subscribe('c', (payload) => received.push(payload));
    await stop();
    const { message } = await nextMessage(bus, 'c');
    await bus.publish('c', 1);
    await message;
    assert.deepEqual(received, []);
  });

  it('caches values until they expire or are deleted', async () => {
    const cache = new LocalKeyValueCache();
    await cache.set('k', { a: 1 }, 60_000);
    assert.deepEqual(await cache.get('k'), { a: 1 });
    await cache.delete('k');
    assert.equal(await cache.get('k'), undefined);
    await cache.set('short', 'v', 30);
    assert.equal(await waitUntilGone(cache, 'short', 2_000), undefined);
  });
});

const redisUrl = process.env.CAIRN_TEST_REDIS_URL;
if (redisUrl) {
  describe('Redis bus', () => {
    const prefix = `cairn-test-${randomBytes(4).toString('hex')}:`;
    let first: RedisBus;
    let second: RedisBus;
    let stranger: RedisBus;
    before(() => {
      first = new RedisBus({ url: redisUrl, prefix });
      second = new RedisBus({ url: redisUrl, prefix });
      stranger = new RedisBus({ url: redisUrl, prefix: `${prefix}other:` });
    });
    after(async () => {
      await Promise.all([first.close(), second.close(), stranger.close()]);
    });

    it('accepts subscriptions made before its connection is ready, as at start-up', async () => {
      const fresh = new RedisBus({ url: redisUrl, prefix });
      try {
        const subscriptions = await Promise.all(['a', 'b', 'c'].map((channel) => nextMessage(fresh, `early.${channel}`)));
        await Promise.all(['a', 'b', 'c'].map((channel) => first.publish(`early.${channel}`, channel)));
        assert.deepEqual(await Promise.all(subscriptions.map((s) => s.message)), ['a', 'b', 'c']);
        assert.equal((await fresh.check()).status, 'up');
        await Promise.all(subscriptions.map((s) => s.stop()));
      } finally {
        await fresh.close();
      }
    });

    it('accepts a subscription made while the connection is still shaking hands', { timeout: 10_000 }, async () => {
      // Slow replies keep the connection between "connected" and "ready" long enough to subscribe
      // in that window, where a start-up under load lands by chance.
      const target = new URL(redisUrl);
      const proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379), { replyDelayMs: 150 });
      const proxied = new URL(redisUrl);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const slow = new RedisBus({ url: proxied.toString(), prefix });
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const { message, stop } = await nextMessage(slow, 'handshake');
        await first.publish('handshake', 'hello');
        assert.equal(await message, 'hello');
        assert.equal((await slow.check()).status, 'up');
        await stop();
      } finally {
        await slow.close();
        await proxy.cut();
      }
    });

    it('delivers to its own subscribers alone, and refuses at once, while Redis is unreachable', async () => {
      const target = new URL(redisUrl);
      const proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
      const proxied = new URL(redisUrl);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const cutOff = new RedisBus({ url: proxied.toString(), prefix });
      const heardElsewhere: unknown[] = [];
      const stopElsewhere = await second.subscribe('cut-off', (payload) => heardElsewhere.push(payload));
      try {
        // Its subscription ends with it (closing it below): unsubscribing needs the Redis that is gone.
        const { message } = await nextMessage(cutOff, 'cut-off');
        assert.equal((await cutOff.check()).status, 'up');
        await proxy.cut();
        // Until the bus has seen its connection close, a publish is queued for Redis and fails there; then it is refused at once.
        let refusal = '';
        for (let attempt = 0; !refusal.includes('reached this instance only') && attempt < 20; attempt++) {
          refusal = await cutOff.publish('cut-off', { attempt }).then(() => '', (error: unknown) => String(error));
        }
        assert.match(refusal, /reached this instance only/);
        assert.equal(typeof ((await message) as { attempt: number }).attempt, 'number');
        // The other client's round trip through Redis shows that nothing of the cut-off one's went there.
        const { message: own, stop: stopOwn } = await nextMessage(second, 'cut-off');
        await first.publish('cut-off', 'through Redis');
        assert.equal(await own, 'through Redis');
        assert.deepEqual(heardElsewhere, ['through Redis']);
        await stopOwn();
      } finally {
        await stopElsewhere();
        await cutOff.close();
        await proxy.cut();
      }
    });

    it('delivers a message published by one client to another', async () => {
      const { message, stop } = await nextMessage(second, 'schema.changed');
      await first.publish('schema.changed', { workspace: 'w1', version: 7 });
      assert.deepEqual(await message, { workspace: 'w1', version: 7 });
      await stop();
    });

    it('keeps deployments with different prefixes apart', async () => {
      const strangerReceived: unknown[] = [];
      const stopStranger = await stranger.subscribe('events', (payload) => strangerReceived.push(payload));
      const { message, stop } = await nextMessage(second, 'events');
      await first.publish('events', 'hello');
      assert.equal(await message, 'hello');
      // The stranger subscribes to its own prefix; a message it received would have arrived before this round trip.
      const { message: own, stop: stopOwn } = await nextMessage(stranger, 'events');
      await stranger.publish('events', 'own');
      assert.equal(await own, 'own');
      assert.deepEqual(strangerReceived, ['own']);
      await Promise.all([stop(), stopStranger(), stopOwn()]);
    });

    it('shares cached values between clients, with expiry and deletion', async () => {
      await first.set('policy:w1', { rules: [1, 2] }, 60_000);
      assert.deepEqual(await second.get('policy:w1'), { rules: [1, 2] });
      await second.delete('policy:w1');
      assert.equal(await first.get('policy:w1'), undefined);
      await first.set('short', true, 50);
      assert.equal(await waitUntilGone(second, 'short', 3_000), undefined);
    });

    it('reports Redis as up', async () => {
      const health = await first.check();
      assert.equal(health.status, 'up');
    });
  });
}
