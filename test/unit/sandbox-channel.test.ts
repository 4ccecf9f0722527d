import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeParse } from '../../src/modules/handlers/handler.runner';
import { Outbox } from '../../src/modules/handlers/sandbox/outbox';

describe('safeParse (JSON from a sandbox)', () => {
  it('drops __proto__ keys, spelled out or escaped, at any depth', () => {
    for (const text of ['{"__proto__":{"polluted":1},"a":1}', '{"\\u005f_proto__":{"polluted":1},"a":1}', '{"a":[{"_\\u005fproto__":{"polluted":1}}]}']) {
      const value = safeParse(text) as Record<string, unknown>;
      assert.equal(Object.prototype.hasOwnProperty.call(JSON.parse(JSON.stringify(value)), '__proto__'), false, text);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
      assert.equal(JSON.stringify(value).includes('polluted'), false, text);
    }
  });

  it('parses everything else as JSON.parse does, escapes included', () => {
    for (const text of ['{"a":1,"b":[true,null,"x"]}', '"caf\\u00e9"', '[1,2,{"proto":"__proto"}]', '{"k":"__proto__ as a value"}']) {
      assert.deepEqual(safeParse(text), JSON.parse(text), text);
    }
  });
});

describe('Outbox', () => {
  it('sends the messages put in one turn of the event loop as one batch, in order, and later ones in the next', async () => {
    const batches: number[][] = [];
    const outbox = new Outbox<number>((batch) => batches.push(batch));
    outbox.put(1);
    outbox.put(2);
    await Promise.resolve();
    outbox.put(3);
    assert.deepEqual(batches, [], 'nothing is written before the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    outbox.put(4);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
  });
});
