import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { ITEMS_CHANGED, ItemsChanged, ItemsService } from '../data/items.service';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { TextFrame, textFrame } from './realtime.frames';
import { outgoing, SubscriptionEvent } from './realtime.protocol';

type Row = Record<string, unknown>;

/** Keys of items a group's subscribers were sent and may be told have gone; the oldest are forgotten beyond this. */
const MAX_KNOWN_KEYS = 10_000;

/** What the hub needs of a connection: its caller, and a way to send it a message. */
export interface Subscriber {
  readonly access: ItemsAccess;
  /** Callers with equal keys read the same rows of a query, so one read serves all of them. */
  readonly callerKey: string;
  send(frame: TextFrame): void;
}

/** One subscription of one connection to a collection's changes. */
export class Subscription {
  /** Events that arrived before the subscription's init was sent, delivered right after it. */
  private queued: TextFrame[] | null = [];
  readonly queryKey: string;
  group: SubscriptionGroup | null = null;

  constructor(
    readonly subscriber: Subscriber,
    readonly workspaceId: string,
    readonly uid: string,
    readonly collection: string,
    readonly query: Record<string, unknown>,
    readonly event: SubscriptionEvent | null,
  ) {
    this.queryKey = JSON.stringify(query);
  }

  /** Subscriptions with the same key read the same rows of every change. */
  get groupKey(): string {
    return `${this.subscriber.callerKey}\n${this.queryKey}`;
  }

  wants(event: SubscriptionEvent): boolean {
    return this.event === null || this.event === event;
  }

  /** Sends the init event and whatever arrived meanwhile; from then on events go out at once. */
  start(rows: Row[]): void {
    this.subscriber.send(textFrame(outgoing.event('init', JSON.stringify(rows), this.uid)));
    const queued = this.queued ?? [];
    this.queued = null;
    for (const frame of queued) this.subscriber.send(frame);
  }

  deliver(frame: TextFrame): void {
    if (this.queued) this.queued.push(frame);
    else this.subscriber.send(frame);
  }
}

/**
 * The subscriptions that read the same rows of every change (same caller, same query): a change is
 * read once for all of them and each message is encoded once per uid. The group remembers the keys it
 * sent, so that an item leaving its view (an update its filter or policy no longer matches) becomes a
 * delete, and deletes go only to what it saw. A member that joined later may be told of the deletion of
 * an item it was not sent, but never of one it could not read.
 */
export class SubscriptionGroup {
  readonly subscriptions = new Set<Subscription>();
  private readonly known = new Set<string>();

  constructor(
    readonly key: string,
    readonly query: Record<string, unknown>,
  ) {}

  /** Whose access reads for the group: any member's is the same. */
  get access(): ItemsAccess {
    return this.subscriptions.values().next().value!.subscriber.access;
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
  changed(action: 'create' | 'update', rows: Row[], keys: unknown[]): void {
    this.remember(rows);
    let gone: unknown[] = [];
    if (action === 'update') {
      const found = new Set(rows.map((row) => String(row.id)));
      gone = keys.filter((key) => !found.has(String(key)) && this.known.delete(String(key)));
    }
    const changed = rows.length > 0 ? this.encoder(action, JSON.stringify(rows)) : null;
    const deleted = gone.length > 0 ? this.encoder('delete', JSON.stringify(gone)) : null;
    for (const subscription of this.subscriptions) {
      if (changed && subscription.wants(action)) subscription.deliver(changed(subscription.uid));
      if (deleted && subscription.wants('delete')) subscription.deliver(deleted(subscription.uid));
    }
  }

  deleted(keys: unknown[]): void {
    const gone = keys.filter((key) => this.known.delete(String(key)));
    if (gone.length === 0) return;
    const deleted = this.encoder('delete', JSON.stringify(gone));
    for (const subscription of this.subscriptions) {
      if (subscription.wants('delete')) subscription.deliver(deleted(subscription.uid));
    }
  }

  /** One event's frame per uid, encoded once: clients often use the same uids. */
  private encoder(event: SubscriptionEvent, data: string): (uid: string) => TextFrame {
    const byUid = new Map<string, TextFrame>();
    return (uid) => {
      let frame = byUid.get(uid);
      if (!frame) byUid.set(uid, (frame = textFrame(outgoing.event(event, data, uid))));
      return frame;
    };
  }
}

/**
 * The realtime subscriptions of this instance. It hears every committed change on the bus (from any
 * instance, through Redis when configured), and for each collection with subscribers reads the changed
 * items once per group of subscriptions that would read the same rows (same caller kind, same query),
 * through the items door with their access, so each gets only what its policy and its filter let it see.
 * The reads of successive changes overlap; their deliveries keep the order of the changes.
 */
@Injectable()
export class RealtimeHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Realtime');
  private readonly byCollection = new Map<string, Map<string, SubscriptionGroup>>();
  private readonly queues = new Map<string, Promise<void>>();
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly items: ItemsService,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(ITEMS_CHANGED, (payload) => this.enqueue(payload as ItemsChanged));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Registers a subscription, reads what it starts with and sends it as `init`; events that come meanwhile follow it. */
  async subscribe(subscription: Subscription): Promise<void> {
    const group = this.join(subscription);
    try {
      const { data } = await this.items.list(subscription.subscriber.access, { collection: subscription.collection, params: subscription.query });
      group.remember(data);
      subscription.start(data);
    } catch (error) {
      this.unsubscribeOne(subscription);
      throw error;
    }
  }

  unsubscribeOne(subscription: Subscription): void {
    const group = subscription.group;
    if (!group) return;
    subscription.group = null;
    group.subscriptions.delete(subscription);
    if (group.subscriptions.size > 0) return;
    const key = collectionKey(subscription.workspaceId, subscription.collection);
    const groups = this.byCollection.get(key);
    groups?.delete(group.key);
    if (groups?.size === 0) this.byCollection.delete(key);
  }

  /** Moves a subscription whose connection changed caller (a new auth) to the group it now belongs to. */
  regroup(subscription: Subscription): void {
    if (!subscription.group || subscription.group.key === subscription.groupKey) return;
    this.unsubscribeOne(subscription);
    this.join(subscription);
  }

  private join(subscription: Subscription): SubscriptionGroup {
    const key = collectionKey(subscription.workspaceId, subscription.collection);
    let groups = this.byCollection.get(key);
    if (!groups) this.byCollection.set(key, (groups = new Map()));
    const groupKey = subscription.groupKey;
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = new SubscriptionGroup(groupKey, subscription.query)));
    group.subscriptions.add(subscription);
    subscription.group = group;
    return group;
  }

  /**
   * Starts reading a change for its subscribers at once (reads of successive changes overlap), and
   * delivers it after the changes before it, so each subscription gets its events in order.
   */
  private enqueue(change: ItemsChanged): void {
    const key = collectionKey(change.workspaceId, change.collection);
    const groups = this.byCollection.get(key);
    if (!groups) return;
    const read = this.read([...groups.values()], change);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => (await read)());
    this.queues.set(key, next);
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  /** Reads a change once per group; answers its delivery. */
  private async read(groups: SubscriptionGroup[], change: ItemsChanged): Promise<() => void> {
    const { action } = change;
    if (action === 'delete') return () => groups.forEach((group) => group.deleted(change.keys));
    const deliveries = await Promise.all(
      groups.map(async (group) => {
        try {
          const rows = await this.items.readChanged(group.access, change.collection, change.keys, group.query, this.carried(group, change));
          return () => group.changed(action, rows, change.keys);
        } catch (error) {
          // The subscribers may have lost the right to read the collection since they subscribed.
          this.logger.warn(`A change of ${change.collection} could not be read for its subscribers: ${error instanceof Error ? error.message : String(error)}`);
          return () => undefined;
        }
      }),
    );
    return () => deliveries.forEach((deliver) => deliver());
  }

  /**
   * The rows a create carries, for a group that has not seen its items yet. One it has seen was updated
   * before this event arrived (events from two instances may cross on the way): it is read afresh, so
   * that the group is not sent the older version last.
   */
  private carried(group: SubscriptionGroup, change: ItemsChanged): Row[] | null {
    return change.action === 'create' && change.rows && !group.knowsAny(change.keys) ? change.rows : null;
  }
}

function collectionKey(workspaceId: string, collection: string): string {
  return `${workspaceId}\n${collection}`;
}
