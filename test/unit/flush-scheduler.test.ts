import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FlushScheduler } from '../../src/modules/realtime/realtime.flusher';

/** A connection whose flush records what was queued since the last one. */
class Recorder {
  queued: string[] = [];
  written: string[][] = [];
  constructor(private readonly scheduler: FlushScheduler) {}
  send(message: string): void {
    this.queued.push(message);
    if (this.queued.length === 1) this.scheduler.schedule(this);
  }
  flush(): void {
    if (this.queued.length === 0) return;
    this.written.push(this.queued);
    this.queued = [];
  }
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(condition(), 'the condition did not hold in time');
};

describe('FlushScheduler', () => {
  it('writes a quiet connection at once, and a busy one no sooner than the interval after the last round', async () => {
    const scheduler = new FlushScheduler(200);
    const connection = new Recorder(scheduler);
    connection.send('a');
    await turn();
    assert.deepEqual(connection.written, [['a']]);
    connection.send('b');
    connection.send('c');
    await turn();
    await turn();
    assert.deepEqual(connection.written, [['a']], 'a second round came before the interval');
    await until(() => connection.written.length === 2);
    assert.deepEqual(connection.written[1], ['b', 'c']);
  });

  it('writes every connection of a round in slices, and what arrives meanwhile in order', async () => {
    const scheduler = new FlushScheduler(1);
    const connections = Array.from({ length: 450 }, () => new Recorder(scheduler));
    for (const connection of connections) connection.send('first');
    await turn();
    // The first slice is written; the last connections wait for a later turn of the event loop.
    assert.deepEqual(connections[0].written, [['first']]);
    assert.deepEqual(connections[449].written, []);
    connections[449].send('second');
    connections[0].send('second');
    await until(() => connections.every((connection) => connection.queued.length === 0));
    assert.ok(connections.every((connection) => connection.written.flat()[0] === 'first'));
    assert.deepEqual(connections[449].written.flat(), ['first', 'second']);
    assert.deepEqual(connections[0].written.flat(), ['first', 'second']);
  });
});
