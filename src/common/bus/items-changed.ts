/** What a write did to items; also the kind of an activity entry and of a subscription's event. */
export type ItemAction = 'create' | 'update' | 'delete';

/**
 * The bus channel on which committed item changes are announced. The items writer publishes; the change
 * feed (realtime and GraphQL subscriptions), webhooks' dispatcher and flows' runner listen, importing
 * this contract rather than the items service.
 */
export const ITEMS_CHANGED = 'items.changed';

export interface ItemsChanged {
  workspaceId: string;
  collection: string;
  action: ItemAction;
  keys: unknown[];
  /** Set when the change wrote webhook deliveries, so that dispatchers wake for it (and only then). */
  deliveries?: true;
  /** Set when the change may have written flow runs, so that flow runners wake for it. */
  flowRuns?: true;
  /**
   * A create's items as stored, decoded as reads decode them, in the order of `keys`: a subscriber whose
   * read would only pick columns of them takes them from here rather than reading them again. Absent
   * when the write did not have them at hand, and when they are large (every instance hears them).
   */
  rows?: Array<Record<string, unknown>>;
}
