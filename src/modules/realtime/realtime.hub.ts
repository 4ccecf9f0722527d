import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { ITEMS_CHANGED, ItemsChanged, ItemsService } from '../data/items.service';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { outgoing, SubscriptionEvent } from './realtime.protocol';

type Row = Record<string, unknown>;

/** Keys of items a subscription was sent and may be told have gone; the oldest are forgotten beyond this. */
const MAX_KNOWN_KEYS = 10_000;

/** What the hub needs of a connection: its caller, and a way to send it text. */
export interface Subscriber {
  readonly access: ItemsAccess;
  /** Callers with equal keys read the same rows of a query, so one read serves all of them. */
  readonly callerKey: string;
  send(text: string): void;
}

/** One subscription of one connection to a collection's changes. */
export class Subscription {
  /** Keys of the items this subscription has been sent, so it can be told when they leave its view. */
  private readonly known = new Set<string>();
  /** Events that arrived before the subscription's init was sent, delivered right after it. */
  private queued: Array<() => void> | null = [];
  readonly queryKey: string;

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

  get groupKey(): string {
    return `${this.subscriber.callerKey}\n${this.queryKey}`;
  }

  /** Sends the init event and whatever arrived meanwhile; from then on events go out at once. */
  start(rows: Row[]): void {
    this.remember(rows);
    this.subscriber.send(outgoing.event('init', JSON.stringify(rows), this.uid));
    const queued = this.queued ?? [];
    this.queued = null;
    for (const deliver of queued) deliver();
  }

  /** The rows of a create or update as this subscription's read found them (serialized once per group). */
  changed(action: 'create' | 'update', rows: Row[], serialized: string, keys: unknown[]): void {
    this.whenStarted(() => {
      if (rows.length > 0) {
        // Remembered even when not asked for: a subscriber of deletes is told of what it could see.
        this.remember(rows);
        if (this.event === null || this.event === action) this.subscriber.send(outgoing.event(action, serialized, this.uid));
      }
      // An updated item it was sent but can no longer see has left its view: for it, a delete.
      if (action === 'update') {
        const found = new Set(rows.map((row) => String(row.id)));
        this.gone(keys.filter((key) => !found.has(String(key))));
      }
    });
  }

  deleted(keys: unknown[]): void {
    this.whenStarted(() => this.gone(keys));
  }

  private gone(keys: unknown[]): void {
    const left = keys.filter((key) => this.known.delete(String(key)));
    if (left.length > 0 && (this.event === null || this.event === 'delete')) this.subscriber.send(outgoing.event('delete', JSON.stringify(left), this.uid));
  }

  private remember(rows: Row[]): void {
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

  private whenStarted(deliver: () => void): void {
    if (this.queued) this.queued.push(deliver);
    else deliver();
  }
}

/**
 * The realtime subscriptions of this instance. It hears every committed change on the bus (from any
 * instance, through Redis when configured), and for each collection with subscribers reads the changed
 * items once per group of subscriptions that would read the same rows (same caller kind, same query),
 * through the items door with their access, so each gets only what its policy and its filter let it see.
 * Changes of one collection are handled in order.
 */
@Injectable()
export class RealtimeHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Realtime');
  private readonly byCollection = new Map<string, Set<Subscription>>();
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
    const key = collectionKey(subscription.workspaceId, subscription.collection);
    let subscriptions = this.byCollection.get(key);
    if (!subscriptions) this.byCollection.set(key, (subscriptions = new Set()));
    subscriptions.add(subscription);
    try {
      const { data } = await this.items.list(subscription.subscriber.access, subscription.collection, subscription.query);
      subscription.start(data);
    } catch (error) {
      this.unsubscribeOne(subscription);
      throw error;
    }
  }

  unsubscribeOne(subscription: Subscription): void {
    const key = collectionKey(subscription.workspaceId, subscription.collection);
    const subscriptions = this.byCollection.get(key);
    subscriptions?.delete(subscription);
    if (subscriptions?.size === 0) this.byCollection.delete(key);
  }

  /** How many subscriptions this instance holds, for tests and the health of a node. */
  get size(): number {
    let size = 0;
    for (const subscriptions of this.byCollection.values()) size += subscriptions.size;
    return size;
  }

  private enqueue(change: ItemsChanged): void {
    const key = collectionKey(change.workspaceId, change.collection);
    if (!this.byCollection.has(key)) return;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.dispatch(key, change));
    this.queues.set(key, next);
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  private async dispatch(key: string, change: ItemsChanged): Promise<void> {
    const subscriptions = this.byCollection.get(key);
    if (!subscriptions || subscriptions.size === 0) return;
    if (change.action === 'delete') {
      for (const subscription of subscriptions) subscription.deleted(change.keys);
      return;
    }
    const groups = new Map<string, Subscription[]>();
    for (const subscription of subscriptions) {
      const group = groups.get(subscription.groupKey);
      if (group) group.push(subscription);
      else groups.set(subscription.groupKey, [subscription]);
    }
    const action = change.action;
    await Promise.all([...groups.values()].map((group) => this.deliver(group, change, action)));
  }

  private async deliver(group: Subscription[], change: ItemsChanged, action: 'create' | 'update'): Promise<void> {
    const [first] = group;
    let rows: Row[];
    try {
      rows = await this.items.readChanged(first.subscriber.access, change.collection, change.keys, first.query);
    } catch (error) {
      // The subscribers may have lost the right to read the collection since they subscribed.
      this.logger.warn(`A change of ${change.collection} could not be read for its subscribers: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const serialized = JSON.stringify(rows);
    for (const subscription of group) subscription.changed(action, rows, serialized, change.keys);
  }
}

function collectionKey(workspaceId: string, collection: string): string {
  return `${workspaceId}\n${collection}`;
}
