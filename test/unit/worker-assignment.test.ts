import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeRun, Quarantine } from '../../src/modules/handlers/sandbox/worker-assignment';

const MINUTE = 60_000;
const limits = { sharedWorkers: 2, runsPerWorker: 4 };

describe('Quarantine', () => {
  it('gives each quarantined workspace a lane of its own up to the bound, then the least crowded lane', () => {
    const quarantine = new Quarantine(10 * MINUTE, 2);
    quarantine.add(['a'], 0);
    quarantine.add(['b', 'c'], 0);
    quarantine.add(['d'], 0);
    assert.equal(quarantine.laneFor('a', 1), 0);
    assert.equal(quarantine.laneFor('b', 1), 1);
    assert.equal(quarantine.laneFor('c', 1), 0, 'both lanes hold one: the lowest');
    assert.equal(quarantine.laneFor('d', 1), 1, 'lane 0 holds two, lane 1 one');
    assert.equal(quarantine.laneFor('healthy', 1), null);
    assert.deepEqual(quarantine.lanesInUse(1), new Set([0, 1]));
  });

  it('ends a quarantine after its duration, and a new crash starts it again from then, in the same lane', () => {
    const quarantine = new Quarantine(10 * MINUTE, 2);
    assert.equal(quarantine.add(['a'], 0), 10 * MINUTE);
    quarantine.add(['b'], 0);
    assert.equal(quarantine.add(['a'], 5 * MINUTE), 15 * MINUTE);
    assert.equal(quarantine.laneFor('a', 12 * MINUTE), 0);
    assert.equal(quarantine.laneFor('b', 12 * MINUTE), null);
    assert.deepEqual(quarantine.lanesInUse(12 * MINUTE), new Set([0]));
    assert.equal(quarantine.laneFor('a', 15 * MINUTE), null);
    assert.deepEqual(quarantine.lanesInUse(15 * MINUTE), new Set());
    quarantine.add(['c'], 16 * MINUTE);
    assert.equal(quarantine.laneFor('c', 16 * MINUTE), 0, 'an ended lane is free again');
  });
});

describe('placeRun', () => {
  it('sends a shared run to an idle shared worker, forks up to the shared workers, then the least busy with room', () => {
    assert.deepEqual(placeRun([], null, limits), { fork: true });
    assert.deepEqual(placeRun([{ lane: null, runs: 1 }, { lane: null, runs: 0 }], null, limits), { worker: 1 });
    assert.deepEqual(placeRun([{ lane: null, runs: 1 }], null, limits), { fork: true });
    assert.deepEqual(placeRun([{ lane: null, runs: 3 }, { lane: null, runs: 2 }], null, limits), { worker: 1 });
    assert.equal(placeRun([{ lane: null, runs: 4 }, { lane: null, runs: 4 }], null, limits), null);
  });

  it('never sends a shared run to a quarantine worker, nor a quarantined run to a shared worker or another lane', () => {
    const workers = [
      { lane: 0, runs: 0 },
      { lane: null, runs: 4 },
      { lane: null, runs: 4 },
    ];
    assert.equal(placeRun(workers, null, limits), null, 'the idle quarantine worker is not for healthy workspaces');
    assert.deepEqual(placeRun(workers, 0, limits), { worker: 0 });
    assert.deepEqual(placeRun(workers, 1, limits), { fork: true }, 'lane 1 has no worker yet');
    assert.deepEqual(placeRun([{ lane: null, runs: 0 }], 0, limits), { fork: true }, 'an idle shared worker is not for a quarantined workspace');
  });

  it('keeps a quarantine lane to one worker', () => {
    assert.deepEqual(placeRun([{ lane: 0, runs: 3 }], 0, limits), { worker: 0 });
    assert.equal(placeRun([{ lane: 0, runs: 4 }], 0, limits), null);
  });
});
