import { Clock, ClockTimer, SystemClock } from '../../src/common/clock/clock';

/**
 * The clock a test instance reads: the system's, plus however far the test has moved it forward, so a
 * test passes a token's lifetime at once instead of waiting it out. Never moved, it is the system clock.
 */
export class TestClock extends Clock {
  private aheadMs = 0;
  private readonly system = new SystemClock();
  /** Timers waiting for the clock, each also set on the system clock (for when the test does not move it). */
  private readonly waiting = new Set<{ at: number; fire: () => void; real: ClockTimer }>();

  now(): number {
    return Date.now() + this.aheadMs;
  }

  at(at: number, fire: () => void): ClockTimer {
    const timer = { at, fire, real: this.system.at(at - this.aheadMs, () => this.fire(timer)) };
    this.waiting.add(timer);
    return { cancel: () => this.cancel(timer) };
  }

  /** When the timers waiting on this clock are due: a test waits until an instance has set the one it moves the clock to. */
  dueTimes(): number[] {
    return [...this.waiting].map((timer) => timer.at);
  }

  /** Moves the clock forward, firing the timers it passes. */
  advance(ms: number): void {
    this.aheadMs += ms;
    const now = this.now();
    for (const timer of [...this.waiting]) if (timer.at <= now) this.fire(timer);
  }

  private fire(timer: { fire: () => void; real: ClockTimer }): void {
    if (!this.waiting.has(timer as never)) return;
    this.cancel(timer);
    timer.fire();
  }

  private cancel(timer: { real: ClockTimer }): void {
    timer.real.cancel();
    this.waiting.delete(timer as never);
  }
}
