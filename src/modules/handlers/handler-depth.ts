import type { ItemsAccess } from '../workspaces/workspaces.service';

/**
 * How deeply the work in progress is nested in handler runs: 0 for a client's request, 1 for the
 * items() calls of a handler run by it, and so on. A hook fired by a handler's own write runs one level
 * deeper, which is how a hook that writes to its own collection is stopped at HANDLER_MAX_DEPTH.
 *
 * The depth travels on the access those calls act with, which the write path hands to the hooks it
 * fires. (An AsyncLocalStorage would carry it too, but once in use it slows every promise of the process.)
 */
export function handlerDepthOf(access: ItemsAccess): number {
  return access.handlerDepth ?? 0;
}

/** The access of a run's items() calls: the caller's, one level below the run at `runDepth`. */
export function belowRun<T extends ItemsAccess>(access: T, runDepth: number): T {
  return { ...access, handlerDepth: runDepth + 1 };
}
