import type { Item } from '../api/types';
import type { FilterJson } from './filter';

/** The activity screen's filters, as the address keeps them. */
export interface ActivityFilters {
  /** An actor's id: a member's account or an API key. */
  who?: string;
  action?: string;
  collection?: string;
  /** Days, `YYYY-MM-DD`, in UTC: from the start of `since` to the end of `until`. */
  since?: string;
  until?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The day after a `YYYY-MM-DD` day, in the same form. */
function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** The `/activity` filter of the screen's choices; null when nothing is chosen. Days that are not days are ignored. */
export function activityFilter(filters: ActivityFilters): FilterJson | null {
  const parts: FilterJson[] = [];
  if (filters.who) parts.push({ actor_id: { _eq: filters.who } });
  if (filters.action) parts.push({ action: { _eq: filters.action } });
  if (filters.collection) parts.push({ collection: { _eq: filters.collection } });
  if (filters.since && DAY.test(filters.since)) parts.push({ created_at: { _gte: `${filters.since}T00:00:00.000Z` } });
  if (filters.until && DAY.test(filters.until)) parts.push({ created_at: { _lt: `${nextDay(filters.until)}T00:00:00.000Z` } });
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : { _and: parts };
}

/** A field a change touched: its value before the change and after it (undefined where there is none). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** Fields Cairn writes itself: they change with every write and say nothing of it. */
const SYSTEM = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by']);

/**
 * What a revision changed against the revision before it of the same item: an update's written fields
 * with their former values, a create's values, a delete's last values (all of them go).
 */
export function revisionChanges(action: string, revision: { data: Item | null; delta: Item | null }, previous: { data: Item | null } | null): FieldChange[] {
  if (action === 'delete') {
    return Object.entries(revision.data ?? {})
      .filter(([field]) => !SYSTEM.has(field))
      .map(([field, value]) => ({ field, before: value, after: undefined }));
  }
  const written = Object.keys(revision.delta ?? {}).filter((field) => !SYSTEM.has(field));
  return written
    .map((field) => ({ field, before: action === 'create' ? undefined : previous?.data?.[field], after: revision.delta![field] }))
    .filter((change) => action === 'create' || JSON.stringify(change.before) !== JSON.stringify(change.after));
}
