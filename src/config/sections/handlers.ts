import { defineSection } from '../section';
import { duration, integer } from '../variable';

/** How sandboxed JavaScript handlers run: their worker processes, their limits, their queue. */
export const handlers = defineSection({
  variables: {
    /** How many worker processes keep isolates warm for handler runs. */
    workers: integer('HANDLER_WORKERS', 2, 1, 64),
    /** How many runs one worker process runs at once, each in its own isolate. */
    runsPerWorker: integer('HANDLER_RUNS_PER_WORKER', 4, 1, 64),
    /** The wall-clock deadline of a run when its handler sets none. */
    timeoutMs: duration('HANDLER_TIMEOUT', '5s'),
    /** The largest deadline a handler may set. */
    maxTimeoutMs: duration('HANDLER_MAX_TIMEOUT', '30s'),
    /** The heap limit of a run's isolate when its handler sets none; isolated-vm refuses less than 8 MB. */
    memoryMb: integer('HANDLER_MEMORY_MB', 64, 8, 4096),
    /** The largest heap limit a handler may set. */
    maxMemoryMb: integer('HANDLER_MAX_MEMORY_MB', 256, 8, 4096),
    /** How many runs may wait for a free isolate; beyond, a run is refused with 503. */
    queueSize: integer('HANDLER_QUEUE_SIZE', 200, 0, 100_000),
    /** How many runs of one workspace may run at once; its further runs wait in the queue. */
    workspaceConcurrency: integer('HANDLER_WORKSPACE_CONCURRENCY', 4, 1, 1000),
    /** How deeply handlers may nest: a hook fired by a handler's own write is one level deeper. */
    maxDepth: integer('HANDLER_MAX_DEPTH', 3, 1, 10),
    /** How many runs the run log keeps per handler, newest first. */
    runLogSize: integer('HANDLER_RUN_LOG_SIZE', 100, 1, 10_000),
  },
  // The defaults must lie within the maxima, and a deadline must leave a run some time.
  rules: (v) => [
    ...(v.timeoutMs < 10 ? ['HANDLER_TIMEOUT must be at least 10ms'] : []),
    ...(v.timeoutMs > v.maxTimeoutMs ? ['HANDLER_TIMEOUT must not exceed HANDLER_MAX_TIMEOUT'] : []),
    ...(v.memoryMb > v.maxMemoryMb ? ['HANDLER_MEMORY_MB must not exceed HANDLER_MAX_MEMORY_MB'] : []),
  ],
});
