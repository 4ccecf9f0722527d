/** How many connections are written to before the event loop may turn: a write costs a system call. */
const SLICE = 100;

/** A connection with queued messages to write. */
export interface Flushable {
  flush(): void;
}

/**
 * Writes the queued messages of all of an instance's connections in rounds: at once after a quiet spell,
 * otherwise no sooner than `intervalMs` after the last round. A busy stream then costs each client one
 * write per interval rather than one per event, and the process one timer per round rather than one per
 * client: with a thousand subscribers, the timers and system calls are what the CPU is spent on.
 */
export class FlushScheduler {
  private readonly due = new Set<Flushable>();
  private scheduled = false;
  private lastRound = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  schedule(connection: Flushable): void {
    this.due.add(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastRound + this.intervalMs - performance.now();
    if (wait > 0) setTimeout(() => this.round(), wait);
    else setImmediate(() => this.round());
  }

  private round(): void {
    this.scheduled = false;
    this.lastRound = performance.now();
    const due = [...this.due];
    this.due.clear();
    this.flushSlices(due, 0);
  }

  /** Writes a slice of the round at a time, letting requests and events be handled between slices. */
  private flushSlices(due: Flushable[], from: number): void {
    const to = Math.min(due.length, from + SLICE);
    for (let i = from; i < to; i++) due[i].flush();
    if (to < due.length) setImmediate(() => this.flushSlices(due, to));
  }
}
