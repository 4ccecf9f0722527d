/**
 * Runs a task when asked, never twice at once. A request made while it runs makes it run once more
 * right after, since the run under way may have read its data before what the request was about.
 * After stop() requests are ignored, and stop() waits for the run under way.
 */
export class CoalescedTask {
  private running: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Whether stop() was called: long tasks check it between their steps. */
  get stopped(): boolean {
    return this.stopping;
  }

  request(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.task()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
