import type { ItemAction } from '../../../common/bus/items-changed';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { FeedEvent } from './feed-event';

type Row = Record<string, unknown>;

/** Keys of items a group's subscribers were sent and may be told have gone; the oldest are forgotten beyond this. */
const MAX_KNOWN_KEYS = 10_000;

/** A subscriber of the change feed: what it reads, as whom, and where its events go. */
export interface FeedSubscription {
  readonly workspaceId: string;
  /** A collection, or a virtual collection (a view) that follows its source's changes. */
  readonly collection: string;
  /** Its read's parameters: those of the query language. */
  readonly query: Record<string, unknown>;
  /** `query` as a key: subscriptions with equal keys (and callers) read the same rows. */
  readonly queryKey: string;
  /** Its caller as it is now: a realtime connection may authenticate again (then it is regrouped). */
  readonly access: ItemsAccess;
  /** Callers with equal keys read the same rows of a query (see `callerKey`). */
  readonly callerKey: string;
  /** An event of its group; each protocol keeps the kinds its subscriber asked for and says it its way. */
  receive(event: FeedEvent): void;
}

/** Where a group's changes come from, and how it reads the changed items as its subscribers see them. */
export interface ChangeReader {
  /** The collection whose changes may change the group's rows: the collection itself, or a view's source. */
  readonly source: string;
  /** `carried`: a create's stored rows, for a read that would only pick their columns. */
  read(access: ItemsAccess, keys: unknown[], carried: Row[] | null): Promise<Row[]>;
}

/**
 * The subscriptions that read the same rows of every change (same collection or view, same caller, same
 * query): a change is read once for all of them and each event is made once. The group remembers the
 * keys it sent, so that an item leaving its view (an update its filter or policy no longer matches)
 * becomes a delete, and deletes go only to what it saw. A member that joined later may be told of the
 * deletion of an item it was not sent, but never of one it could not read.
 */
export class FeedGroup {
  readonly members = new Set<FeedSubscription>();
  private readonly known = new Set<string>();

  constructor(
    readonly key: string,
    /** Null for rows that cannot be followed by key (an aggregate view): the group hears nothing. */
    readonly reader: ChangeReader | null,
  ) {}

  /** Whose access reads for the group: any member's is the same. */
  get access(): ItemsAccess {
    return this.members.values().next().value!.access;
  }

  /** Whether the group was sent any of these items (or told of their deletion since: it forgets those). */
  knowsAny(keys: unknown[]): boolean {
    return keys.some((key) => this.known.has(String(key)));
  }

  remember(rows: Row[]): void {
    for (const row of rows) {
      const key = String(row.id);
      this.known.delete(key);
      this.known.add(key);
    }
    for (const oldest of this.known) {
      if (this.known.size <= MAX_KNOWN_KEYS) break;
      this.known.delete(oldest);
    }
  }

  /** A create or update as the group's read found it; the keys not found that it had sent have left its view. */
  changed(action: Exclude<ItemAction, 'delete'>, rows: Row[], keys: unknown[]): void {
    this.remember(rows);
    let gone: unknown[] = [];
    if (action === 'update') {
      const found = new Set(rows.map((row) => String(row.id)));
      gone = keys.filter((key) => !found.has(String(key)) && this.known.delete(String(key)));
    }
    const changed = rows.length > 0 ? FeedEvent.changed(action, rows) : null;
    const deleted = gone.length > 0 ? FeedEvent.deleted(gone) : null;
    for (const member of this.members) {
      if (changed) member.receive(changed);
      if (deleted) member.receive(deleted);
    }
  }

  deleted(keys: unknown[]): void {
    const gone = keys.filter((key) => this.known.delete(String(key)));
    if (gone.length === 0) return;
    const deleted = FeedEvent.deleted(gone);
    for (const member of this.members) member.receive(deleted);
  }
}
