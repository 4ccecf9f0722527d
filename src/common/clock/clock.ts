/**
 * The time as Cairn reads it where a lifetime is measured: access tokens and the tokens mailed to app
 * users. An instance reads the system clock; a test starts one with a clock it can move forward, so that
 * a lifetime passes without the test waiting it out.
 */
export abstract class Clock {
  /** Milliseconds since the epoch, as Date.now() counts them. */
  abstract now(): number;

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
}
