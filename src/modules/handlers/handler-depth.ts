import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How deeply the work in progress is nested in handler runs: 0 for a client's request, 1 for the
 * items() calls of a handler run by it, and so on. A hook fired by a handler's own write runs one level
 * deeper, which is how a hook that writes to its own collection is stopped at HANDLER_MAX_DEPTH.
 */
const depth = new AsyncLocalStorage<number>();

export function currentHandlerDepth(): number {
  return depth.getStore() ?? 0;
}

/** Runs `work` (a handler's items() call) one level below a run at `runDepth`. */
export function belowRun<T>(runDepth: number, work: () => Promise<T>): Promise<T> {
  return depth.run(runDepth + 1, work);
}
