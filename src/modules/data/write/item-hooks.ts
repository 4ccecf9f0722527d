import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../../common/principal/principal';
import type { ItemAction } from '../../audit/activity.recorder';
import type { ItemsAccess } from '../../workspaces/workspaces.service';

/** What a before-hook sees: the validated values about to be written, which it may change. */
export interface BeforeWrite {
  workspaceId: string;
  collection: string;
  action: ItemAction;
  /** Null for an anonymous caller writing through the public role's policies. */
  principal: Principal | null;
  /** The caller's access: what a hook that reads or writes items does it with. */
  access: ItemsAccess;
  /** The keys of the items being updated or deleted (empty on create). */
  keys: unknown[];
  /** One object per item to create, or the values of an update (empty on delete). */
  payloads: Array<Record<string, unknown>>;
}

/** What an after-hook sees: a change that has been committed. */
export interface AfterCommit {
  workspaceId: string;
  collection: string;
  action: ItemAction;
  /** Null for an anonymous caller writing through the public role's policies. */
  principal: Principal | null;
  access: ItemsAccess;
  keys: unknown[];
}

/** A before-hook; answering `false` says it left the payloads as they were, so they need no second validation. */
export type BeforeHook = (event: BeforeWrite) => Promise<boolean | void> | boolean | void;
export type AfterHook = (event: AfterCommit) => Promise<void> | void;

/**
 * The hook points of the write path. Before-hooks run after validation and before the transaction:
 * they may rewrite `payloads` in place or refuse the write by throwing (an AppError keeps its status).
 * After-hooks run once the change is committed; their failures are logged, never returned, because
 * the change stands. Sandboxed handlers and flows plug in here.
 */
@Injectable()
export class ItemHooks {
  private readonly logger = new Logger(ItemHooks.name);
  private readonly before = new Set<BeforeHook>();
  private readonly after = new Set<AfterHook>();

  /** Registers a before-hook; the returned function removes it. */
  onBeforeWrite(hook: BeforeHook): () => void {
    this.before.add(hook);
    return () => this.before.delete(hook);
  }

  /** Registers an after-commit hook; the returned function removes it. */
  onAfterCommit(hook: AfterHook): () => void {
    this.after.add(hook);
    return () => this.after.delete(hook);
  }

  /** Runs the before-hooks in order; answers whether any may have changed the payloads. */
  async runBefore(event: BeforeWrite): Promise<boolean> {
    let changed = false;
    for (const hook of this.before) if ((await hook(event)) !== false) changed = true;
    return changed;
  }

  async runAfter(event: AfterCommit): Promise<void> {
    for (const hook of this.after) {
      try {
        await hook(event);
      } catch (error) {
        this.logger.error(`An after-commit hook on ${event.collection} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
