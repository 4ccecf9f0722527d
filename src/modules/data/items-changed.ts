import type { ItemAction } from '../write-participants/write-participant';

type Row = Record<string, unknown>;

/** The bus channel on which committed item changes are announced (realtime, webhooks and flows listen). */
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
  rows?: Row[];
}

/** At most this much JSON of stored rows travels with a change; larger ones are read by their subscribers. */
const MAX_CARRIED_ROWS_BYTES = 16 * 1024;

/**
 * The stored rows of a change when they are small enough to travel with its event (one per key, their
 * JSON within MAX_CARRIED_ROWS_BYTES), else null; measured row by row, so a large batch stops early.
 */
export function carriedRows(stored: Row[] | null, keys: unknown[]): Row[] | null {
  if (!stored || stored.length !== keys.length) return null;
  // The length of JSON.stringify(stored): brackets, rows, and commas between them.
  let size = 2 + Math.max(0, stored.length - 1);
  for (const row of stored) {
    size += JSON.stringify(row).length;
    if (size > MAX_CARRIED_ROWS_BYTES) return null;
  }
  return stored;
}
