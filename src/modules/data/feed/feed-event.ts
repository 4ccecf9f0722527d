import type { ItemAction } from '../../../common/bus/items-changed';

/**
 * One event of a subscription group: the items a create or update left in its view, or the keys of
 * those that left it (deleted, or moved out by an update). Every subscriber of the group is handed the
 * same event, so what the protocols make of it (its JSON, a realtime frame per uid) is made once.
 */
export class FeedEvent {
  private serialized: string | null = null;
  private readonly made = new Map<object, Map<string, unknown>>();

  private constructor(
    readonly action: ItemAction,
    /** The rows (create, update), or the keys (delete). */
    readonly data: readonly unknown[],
  ) {}

  static changed(action: 'create' | 'update', rows: ReadonlyArray<Record<string, unknown>>): FeedEvent {
    return new FeedEvent(action, rows);
  }

  static deleted(keys: readonly unknown[]): FeedEvent {
    return new FeedEvent('delete', keys);
  }

  /** The data as JSON, serialized once for every subscriber that sends it. */
  get json(): string {
    return (this.serialized ??= JSON.stringify(this.data));
  }

  /**
   * What `maker` (a protocol, any object it owns) makes of the event under `key` (a realtime uid), made
   * on first use and shared with the group's other subscribers: clients often use the same uids.
   */
  shared<T>(maker: object, key: string, make: () => T): T {
    let byKey = this.made.get(maker);
    if (!byKey) this.made.set(maker, (byKey = new Map()));
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  }
}
