type Row = Record<string, unknown>;

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
