import { Injectable, Logger } from '@nestjs/common';
import { Repeater } from 'graphql-yoga';
import { AppError } from '../../../common/errors/app-error';
import type { ItemAction, RequestOrigin } from '../../audit/activity.recorder';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { callerKey } from '../feed/caller-key';
import { ChangeFeed } from '../feed/change-feed';
import type { FeedEvent } from '../feed/feed-event';
import type { FeedSubscription } from '../feed/feed-group';
import { ItemsService } from '../items.service';
import { itemsOf, WriteAnswer } from '../items.commands';
import { MutationsTogether, notRunAfterFailure } from './graphql-mutations';
import type { GraphQLOperations, MutationEvent } from './graphql-schema.factory';

type Row = Record<string, unknown>;
type Params = Record<string, unknown>;

/** What every resolver is given: the caller, where the request came from. */
export interface GraphQLContext {
  access: ItemsAccess;
  origin: RequestOrigin;
  /** Set while the mutations of a document with several run together (see useMutationsTogether). */
  mutations?: MutationsTogether;
}

/**
 * The resolvers' operations, each one call to the items door with the caller's access: GraphQL has no
 * read or write path of its own. Subscriptions read the change feed, as realtime's do.
 */
@Injectable()
export class GraphQLItemOperations implements GraphQLOperations<GraphQLContext> {
  private readonly logger = new Logger('GraphQL');

  constructor(
    private readonly items: ItemsService,
    private readonly feed: ChangeFeed,
  ) {}

  async list(context: GraphQLContext, collection: string, params: Params): Promise<Row[]> {
    return (await this.items.list(context.access, { collection, params })).data;
  }

  async byId(context: GraphQLContext, collection: string, id: string, params: Params): Promise<Row | null> {
    try {
      return await this.items.get(context.access, { collection, id, params });
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  aggregate(context: GraphQLContext, collection: string, params: Params): Promise<Row[]> {
    return this.list(context, collection, params);
  }

  create(context: GraphQLContext, collection: string, data: unknown, answer: WriteAnswer): Promise<Row | Row[] | null> {
    return this.write(context, async () => {
      const command = { collection, ...itemsOf(data), ...answer, origin: context.origin };
      const items = await this.items.create(context.access, command);
      return command.batch ? items : (items[0] ?? null);
    });
  }

  updateOne(context: GraphQLContext, collection: string, id: string, data: unknown, answer: WriteAnswer): Promise<Row | null> {
    return this.write(context, async () => {
      const [item] = await this.items.update(context.access, { collection, keys: { id }, values: data, ...answer, origin: context.origin });
      return item ?? null;
    });
  }

  updateMany(context: GraphQLContext, collection: string, ids: string[], data: unknown, answer: WriteAnswer): Promise<Row[]> {
    return this.write(context, () => this.items.update(context.access, { collection, keys: { keys: ids }, values: data, ...answer, origin: context.origin }));
  }

  deleteOne(context: GraphQLContext, collection: string, id: string): Promise<void> {
    return this.write(context, () => this.items.delete(context.access, { collection, keys: { id }, origin: context.origin }));
  }

  deleteMany(context: GraphQLContext, collection: string, ids: string[]): Promise<void> {
    return this.write(context, () => this.items.delete(context.access, { collection, keys: { keys: ids }, origin: context.origin }));
  }

  /** A mutation's write: not run once an earlier mutation of its document failed, since none of them will be committed. */
  private async write<T>(context: GraphQLContext, run: () => Promise<T>): Promise<T> {
    const together = context.mutations;
    if (together?.failed) throw notRunAfterFailure();
    try {
      return await run();
    } catch (error) {
      if (together) together.failed = true;
      throw error;
    }
  }

  /**
   * The committed changes of a collection as the subscriber may see them, from the change feed: an
   * update that takes an item out of the subscriber's view arrives as its delete, and deletes are sent
   * only for items it was sent (so ids outside its policy are never disclosed). The subscriber's own
   * `event` argument chooses what is pushed, not what is remembered.
   */
  changes(context: GraphQLContext, collection: string, event: ItemAction | null, params: Params): AsyncIterable<MutationEvent> {
    return new Repeater<MutationEvent>(async (push, stop) => {
      const subscriber = new GraphQLSubscriber(context.access, collection, params, event, push, (error) => this.logger.warn(`A change of ${collection} was not delivered to a subscriber: ${String(error)}`));
      await this.feed.follow(subscriber);
      await stop;
      this.feed.leave(subscriber);
    });
  }
}

/** One `{collection}_mutated` subscription as the change feed sees it: each event becomes one message per item. */
class GraphQLSubscriber implements FeedSubscription {
  readonly workspaceId: string;
  readonly queryKey: string;
  readonly callerKey: string;
  /** Events are pushed in the order they came, each after the one before it was taken. */
  private pushed = Promise.resolve();

  constructor(
    readonly access: ItemsAccess,
    readonly collection: string,
    readonly query: Params,
    private readonly event: ItemAction | null,
    private readonly push: (event: MutationEvent) => Promise<unknown>,
    private readonly failed: (error: unknown) => void,
  ) {
    this.workspaceId = access.workspace.id;
    this.queryKey = JSON.stringify(query);
    this.callerKey = callerKey(access);
  }

  receive(event: FeedEvent): void {
    if (this.event !== null && this.event !== event.action) return;
    const messages: MutationEvent[] =
      event.action === 'delete'
        ? event.data.map((key) => ({ key, event: 'delete', data: null }))
        : (event.data as Row[]).map((row) => ({ key: row.id, event: event.action, data: row }));
    this.pushed = this.pushed
      .then(async () => {
        for (const message of messages) await this.push(message);
      })
      .catch(this.failed);
  }
}
