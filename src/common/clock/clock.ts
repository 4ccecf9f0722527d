/** A timer set on a clock; `cancel` is harmless once it has fired. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * The time as Cairn reads it where a lifetime is measured or a moment awaited: access tokens, the tokens
 * mailed to app users, a realtime connection that ends with its token, the ticks of scheduled flows. An
 * instance reads the system clock; a test starts one with a clock it can move forward, so that a lifetime
 * or a tick passes without the test waiting it out.
 */
export abstract class Clock {
  /** Milliseconds since the epoch, as Date.now() counts them. */
  abstract now(): number;

  /** Calls `fire` once this clock reaches `at` (milliseconds since the epoch). */
  abstract at(at: number, fire: () => void): ClockTimer;

  /** The time as a Date. */
  date(): Date {
    return new Date(this.now());
  }

  /** Whole seconds since the epoch, as JWTs count them (iat, exp). */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

/** The system clock, which every instance reads unless it was started with another. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  at(at: number, fire: () => void): ClockTimer {
    const timer = setTimeout(fire, Math.max(0, at - Date.now()));
    return { cancel: () => clearTimeout(timer) };
  }
}
