import type { Item } from '../api/types';

/** An item's key as the cache and the realtime events compare it: events carry keys as JSON gives them. */
export const keyText = (key: unknown): string => String(key);

export interface UpdateResult {
  page: Item[];
  /** Whether an updated row changed a field the view is sorted by: it may belong elsewhere now. */
  moved: boolean;
}

/**
 * A page of rows with the rows of an update event merged into the ones it holds (an event carries the
 * subscription's fields, which may be fewer than the page's). The page is returned as it was, the same
 * array, when the event touches none of its rows, so the cache does not re-render for nothing.
 */
export function applyUpdate(page: Item[], rows: Item[], sortFields: string[] = []): UpdateResult {
  const byKey = new Map(rows.map((row) => [keyText(row.id), row]));
  let changed = false;
  let moved = false;
  const next = page.map((row) => {
    const update = byKey.get(keyText(row.id));
    if (!update) return row;
    changed = true;
    if (sortFields.some((field) => field in update && !sameValue(row[field], update[field]))) moved = true;
    return { ...row, ...update };
  });
  return { page: changed ? next : page, moved };
}

/** A page without the deleted keys; the same array when it held none of them. */
export function applyDelete(page: Item[], keys: unknown[]): Item[] {
  const gone = new Set(keys.map(keyText));
  const next = page.filter((row) => !gone.has(keyText(row.id)));
  return next.length === page.length ? page : next;
}

/** The fields a sort names, without direction or relation path beyond the first step. */
export function sortedFields(sort: string[]): string[] {
  return sort.map((term) => term.replace(/^-/, '').split('.')[0]).filter(Boolean);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
