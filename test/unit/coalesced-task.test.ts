import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescedTask } from '../../src/common/async/coalesced-task';

describe('CoalescedTask', () => {
  it('never runs twice at once, runs once more for any requests made meanwhile, and ignores requests after stop', async () => {
    let runs = 0;
    let concurrent = 0;
    let release: () => void = () => undefined;
    const task = new CoalescedTask(async () => {
      runs += 1;
      concurrent += 1;
      assert.equal(concurrent, 1);
      await new Promise<void>((resolve) => (release = resolve));
      concurrent -= 1;
    }, (error) => assert.fail(String(error)));
    task.request();
    task.request();
    task.request();
    assert.equal(runs, 1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2, 'the requests made during the first run make exactly one more');
    const stopped = task.stop();
    task.request();
    release();
    await stopped;
    assert.equal(runs, 2);
    assert.equal(task.stopped, true);
  });

  it('hands a failure to onError and keeps serving requests', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const task = new CoalescedTask(async () => {
      runs += 1;
      if (runs === 1) throw new Error('boom');
    }, (error) => errors.push(error));
    task.request();
    await new Promise((resolve) => setImmediate(resolve));
    task.request();
    await task.stop();
    assert.equal(runs, 2);
    assert.equal((errors[0] as Error).message, 'boom');
  });
});
