import { Inject, Injectable, Logger } from '@nestjs/common';
import { Repeater } from 'graphql-yoga';
import { MESSAGE_BUS, MessageBus } from '../../../common/bus/bus';
import { AppError } from '../../../common/errors/app-error';
import type { ItemAction, RequestOrigin } from '../../audit/activity.recorder';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { itemsOf, WriteAnswer } from '../items.commands';
import { ITEMS_CHANGED, ItemsChanged, ItemsService } from '../items.service';
import type { GraphQLOperations, MutationEvent } from './graphql-schema.factory';

type Row = Record<string, unknown>;
type Params = Record<string, unknown>;

/** What every resolver is given: the caller, where the request came from. */
export interface GraphQLContext {
  access: ItemsAccess;
  origin: RequestOrigin;
}

/**
 * The resolvers' operations, each one call to the items door with the caller's access: GraphQL has no
 * read or write path of its own. Subscriptions listen to the committed changes every instance announces
 * on the bus, and read each changed item back as the subscriber may see it.
 */
@Injectable()
export class GraphQLItemOperations implements GraphQLOperations<GraphQLContext> {
  private readonly logger = new Logger('GraphQL');

  constructor(
    private readonly items: ItemsService,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
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

  async create(context: GraphQLContext, collection: string, data: unknown, answer: WriteAnswer): Promise<Row | Row[] | null> {
    const command = { collection, ...itemsOf(data), ...answer, origin: context.origin };
    const items = await this.items.create(context.access, command);
    return command.batch ? items : (items[0] ?? null);
  }

  async updateOne(context: GraphQLContext, collection: string, id: string, data: unknown, answer: WriteAnswer): Promise<Row | null> {
    const [item] = await this.items.update(context.access, { collection, keys: { id }, values: data, ...answer, origin: context.origin });
    return item ?? null;
  }

  updateMany(context: GraphQLContext, collection: string, ids: string[], data: unknown, answer: WriteAnswer): Promise<Row[]> {
    return this.items.update(context.access, { collection, keys: { keys: ids }, values: data, ...answer, origin: context.origin });
  }

  deleteOne(context: GraphQLContext, collection: string, id: string): Promise<void> {
    return this.items.delete(context.access, { collection, keys: { id }, origin: context.origin });
  }

  deleteMany(context: GraphQLContext, collection: string, ids: string[]): Promise<void> {
    return this.items.delete(context.access, { collection, keys: { keys: ids }, origin: context.origin });
  }

  /**
   * The committed changes of a collection as the subscriber may see them. Deletes are sent only for
   * items it was sent (so ids outside its policy are never disclosed); the subscriber's own `event`
   * filter applies to what is pushed, not to what is remembered.
   */
  changes(context: GraphQLContext, collection: string, event: ItemAction | null, params: Params): AsyncIterable<MutationEvent> {
    const { access } = context;
    const seen = new Set<string>();
    return new Repeater<MutationEvent>(async (push, stop) => {
      // Events are delivered in the order they were announced, each read back before the next.
      let delivered = Promise.resolve();
      const send = (item: MutationEvent) => (event === null || item.event === event ? push(item) : undefined);
      const unsubscribe = await this.bus.subscribe(ITEMS_CHANGED, (payload) => {
        const change = payload as ItemsChanged;
        if (change.workspaceId !== access.workspace.id || change.collection !== collection) return;
        delivered = delivered
          .then(() => this.deliver(access, change, params, seen, send))
          .catch((error: unknown) => this.logger.warn(`A change of ${collection} was not delivered to a subscriber: ${String(error)}`));
      });
      await stop;
      await unsubscribe();
    });
  }

  private async deliver(access: ItemsAccess, change: ItemsChanged, params: Params, seen: Set<string>, send: (event: MutationEvent) => unknown): Promise<void> {
    if (change.action === 'delete') {
      for (const key of change.keys) if (seen.delete(String(key))) await send({ key, event: 'delete', data: null });
      return;
    }
    const rows = await this.items.readChanged(access, change.collection, change.keys, params);
    for (const row of rows) {
      remember(seen, String(row.id));
      await send({ key: row.id, event: change.action, data: row });
    }
  }
}

/** Keys a subscription remembers having been sent; the oldest are forgotten beyond this. */
const MAX_SEEN_KEYS = 10_000;

function remember(seen: Set<string>, key: string): void {
  seen.delete(key);
  seen.add(key);
  if (seen.size > MAX_SEEN_KEYS) seen.delete(seen.values().next().value!);
}
