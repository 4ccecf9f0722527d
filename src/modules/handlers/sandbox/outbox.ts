/**
 * Messages to the other end of an IPC channel, sent together once per turn of the event loop.
 *
 * Each write on the channel is a system call that wakes the other process, and on a virtual machine
 * that wake-up costs more than the work a message asks for: profiled under load, the API process spent
 * a third of its time in the writes that started runs and answered their items() calls. Under load,
 * many requests are handled in one turn of the loop, so their messages share a write.
 */
export class Outbox<T> {
  private pending: T[] = [];

  /** `write` sends one batch: the messages in the order they were put. */
  constructor(private readonly write: (batch: T[]) => void) {}

  put(message: T): void {
    // setImmediate, not a microtask: the messages of every request of this turn's I/O go together.
    if (this.pending.push(message) === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    this.write(batch);
  };
}
