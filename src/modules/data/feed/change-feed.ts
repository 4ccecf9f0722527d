import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { MESSAGE_BUS, MessageBus } from '../../../common/bus/bus';
import { ITEMS_CHANGED, ItemsChanged } from '../../../common/bus/items-changed';
import { SchemaRegistry } from '../../schema/schema.registry';
import { ItemsService } from '../items.service';
import { VirtualCollections } from '../virtual-collections';
import { ChangeReader, FeedGroup, FeedSubscription } from './feed-group';

type Row = Record<string, unknown>;

/**
 * The one feed of committed item changes that subscriptions read, whatever their protocol (realtime,
 * GraphQL). It hears every change on the bus (from any instance, through Redis when configured), and for
 * each collection with subscribers reads the changed items once per group of subscriptions that would
 * read the same rows (same collection or view, same caller, same query), through the items door with
 * their access, so each gets only what its policy and its filter let it see; an update that takes an
 * item out of a group's view becomes a delete. A view's subscriptions hear the changes of its source,
 * read as the view shows them. The reads of successive changes overlap; their deliveries keep the order
 * of the changes.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChangeFeed');
  /** Every group, by its key (workspace, collection, caller, query). */
  private readonly groups = new Map<string, FeedGroup>();
  /** The groups that hear the changes of each source collection (by workspace and collection). */
  private readonly bySource = new Map<string, Set<FeedGroup>>();
  private readonly groupOf = new Map<FeedSubscription, FeedGroup>();
  /** Subscriptions that left while they were joining: they must not join after all. */
  private readonly departed = new WeakSet<FeedSubscription>();
  private readonly queues = new Map<string, Promise<void>>();
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly items: ItemsService,
    private readonly registry: SchemaRegistry,
    private readonly virtual: VirtualCollections,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(ITEMS_CHANGED, (payload) => this.enqueue(payload as ItemsChanged));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /**
   * Joins the feed, then answers what the subscription's query reads now. Events that arrive meanwhile
   * are already handed to the subscriber, which holds them until it has sent these rows.
   */
  async subscribe(subscription: FeedSubscription): Promise<Row[]> {
    await this.follow(subscription);
    try {
      // From the primary: a replica may not have replayed a change made before the feed was joined, and
      // no event would bring it.
      const { data } = await this.items.list(subscription.access, { collection: subscription.collection, params: subscription.query }, 'primary');
      this.groupOf.get(subscription)?.remember(data);
      return data;
    } catch (error) {
      this.leave(subscription);
      throw error;
    }
  }

  /** Joins the feed without a first read: the subscriber hears the changes committed from now on. */
  async follow(subscription: FeedSubscription): Promise<void> {
    const key = groupKey(subscription);
    const reader = this.groups.get(key)?.reader ?? (await this.reader(subscription));
    if (this.departed.has(subscription)) return;
    this.join(subscription, reader);
  }

  leave(subscription: FeedSubscription): void {
    this.departed.add(subscription);
    this.detach(subscription);
  }

  /** Moves a subscription whose caller changed (a new auth on its connection) to the group it now belongs to. */
  regroup(subscription: FeedSubscription): void {
    const group = this.groupOf.get(subscription);
    if (!group || group.key === groupKey(subscription)) return;
    this.detach(subscription);
    this.join(subscription, group.reader);
  }

  /**
   * How a subscription's group reads changes: a collection's through the items door; a view's (a virtual
   * collection) as the view says, or not at all when its rows cannot be followed. A name that is neither
   * is taken as a collection: its first read refuses it.
   */
  private async reader(subscription: FeedSubscription): Promise<ChangeReader | null> {
    const { collection, query } = subscription;
    const virtual = await this.virtual.find(await this.registry.forWorkspace(subscription.access.workspace), collection);
    if (virtual) return virtual.follow(query);
    return { source: collection, read: (access, keys, carried) => this.items.readChanged(access, collection, keys, query, carried) };
  }

  private join(subscription: FeedSubscription, reader: ChangeReader | null): void {
    const key = groupKey(subscription);
    let group = this.groups.get(key);
    if (!group) {
      this.groups.set(key, (group = new FeedGroup(key, reader)));
      if (reader) {
        const source = sourceKey(subscription.workspaceId, reader.source);
        let groups = this.bySource.get(source);
        if (!groups) this.bySource.set(source, (groups = new Set()));
        groups.add(group);
      }
    }
    group.members.add(subscription);
    this.groupOf.set(subscription, group);
  }

  private detach(subscription: FeedSubscription): void {
    const group = this.groupOf.get(subscription);
    if (!group) return;
    this.groupOf.delete(subscription);
    group.members.delete(subscription);
    if (group.members.size > 0) return;
    this.groups.delete(group.key);
    if (!group.reader) return;
    const source = sourceKey(subscription.workspaceId, group.reader.source);
    const groups = this.bySource.get(source);
    groups?.delete(group);
    if (groups?.size === 0) this.bySource.delete(source);
  }

  /**
   * Starts reading a change for its subscribers at once (reads of successive changes overlap), and
   * delivers it after the changes before it, so each subscription gets its events in order.
   */
  private enqueue(change: ItemsChanged): void {
    const key = sourceKey(change.workspaceId, change.collection);
    const groups = this.bySource.get(key);
    if (!groups) return;
    const read = this.read([...groups], change);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => (await read)());
    this.queues.set(key, next);
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }

  /** Reads a change once per group; answers its delivery. */
  private async read(groups: FeedGroup[], change: ItemsChanged): Promise<() => void> {
    const { action } = change;
    if (action === 'delete') return () => groups.forEach((group) => group.deleted(change.keys));
    const deliveries = await Promise.all(
      groups.map(async (group) => {
        if (group.members.size === 0) return () => undefined;
        try {
          const rows = await group.reader!.read(group.access, change.keys, this.carried(group, change));
          return () => group.changed(action, rows, change.keys);
        } catch (error) {
          // The subscribers may have lost the right to read the collection (or the view) since they subscribed.
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
  private carried(group: FeedGroup, change: ItemsChanged): Row[] | null {
    return change.action === 'create' && change.rows && !group.knowsAny(change.keys) ? change.rows : null;
  }
}

function groupKey(subscription: FeedSubscription): string {
  return `${subscription.workspaceId}\n${subscription.collection}\n${subscription.callerKey}\n${subscription.queryKey}`;
}

function sourceKey(workspaceId: string, collection: string): string {
  return `${workspaceId}\n${collection}`;
}
