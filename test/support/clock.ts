import { Clock } from '../../src/common/clock/clock';

/**
 * The clock a test instance reads: the system's, plus however far the test has moved it forward, so a
 * test passes a token's lifetime at once instead of waiting it out. Never moved, it is the system clock.
 */
export class TestClock extends Clock {
  private aheadMs = 0;

  now(): number {
    return Date.now() + this.aheadMs;
  }

  /** Moves the clock forward. */
  advance(ms: number): void {
    this.aheadMs += ms;
  }
}
