import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { WebhookDeliveryEntity, WebhookEntity, WebhookEvent } from './webhook.entities';

/** Writes the deliveries of one change in its transaction; made by WebhookOutbox.prepare. */
export interface OutboxWriter {
  /** Whether any webhook wants the change: a write nobody listens to keeps its faster path. */
  wanted: boolean;
  record(manager: EntityManager, keys: unknown[], payloads?: Array<Record<string, unknown>>): Promise<void>;
}

/** A committed-to-be item change, as the write path hands it to the outbox inside its transaction. */
interface OutboxChange {
  workspaceId: string;
  collection: string;
  action: WebhookEvent;
  keys: unknown[];
  /** The values written (create, update); none for a delete. */
  payloads?: Array<Record<string, unknown>>;
}

/** A webhook as the outbox matches it against changes. */
interface Subscription {
  id: string;
  events: WebhookEvent[];
  collections: string[] | null;
}

/**
 * The durable outbox of webhooks: the write path records inside the transaction of a change, so a
 * delivery row exists for each enabled webhook that wants the event exactly when the change commits, and
 * a process that dies right after the commit loses nothing. The dispatcher sends them afterwards. The
 * webhooks of a workspace are cached for the write path and evicted on every instance when one changes.
 */
@Injectable()
export class WebhookOutbox implements OnModuleInit, OnModuleDestroy {
  private readonly byWorkspace: EvictedCache<{ subscriptions: Subscription[] }>;

  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.byWorkspace = new EvictedCache(bus, 'cache.webhooks', { ttlMs: 2_000, max: 20_000 });
  }

  onModuleInit(): Promise<void> {
    return this.byWorkspace.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byWorkspace.close();
  }

  /**
   * What will write a change's deliveries, looked up before the change's transaction begins: inside
   * it, reading the webhooks would take a second connection, and writers holding every connection of
   * the pool would wait on each other for ever.
   */
  async prepare(workspaceId: string, collection: string, action: WebhookEvent): Promise<OutboxWriter> {
    const subscriptions = await this.matching(workspaceId, collection, action);
    return {
      wanted: subscriptions.length > 0,
      record: (manager, keys, payloads) => recordDeliveries(manager, subscriptions, { workspaceId, collection, action, keys, payloads }),
    };
  }

  /** Drops the cached webhooks of a workspace here and on every other instance. */
  evict(workspaceId: string): Promise<void> {
    return this.byWorkspace.evict(workspaceId);
  }

  private async matching(workspaceId: string, collection: string, action: WebhookEvent): Promise<Subscription[]> {
    const loaded = await this.byWorkspace.get(workspaceId, async () => {
      const hooks = await this.webhooks.findBy({ workspaceId, enabled: true });
      return {
        subscriptions: hooks.map((hook) => ({
          id: hook.id,
          events: JSON.parse(hook.events) as WebhookEvent[],
          collections: hook.collections === null ? null : (JSON.parse(hook.collections) as string[]),
        })),
      };
    });
    return (loaded?.subscriptions ?? []).filter((s) => s.events.includes(action) && (s.collections === null || s.collections.includes(collection)));
  }
}

/** One delivery per webhook that wants the change, inserted with the change's own connection. */
async function recordDeliveries(manager: EntityManager, subscriptions: Subscription[], change: OutboxChange): Promise<void> {
  if (change.keys.length === 0 || subscriptions.length === 0) return;
  const now = new Date();
  const payload = JSON.stringify({
    type: `items.${change.action}`,
    timestamp: now.toISOString(),
    data: { collection: change.collection, keys: change.keys, ...(change.payloads ? { payload: change.payloads } : {}) },
  });
  await manager.getRepository(WebhookDeliveryEntity).insert(
    subscriptions.map((subscription) => ({
      id: timeOrderedUuid(),
      webhookId: subscription.id,
      workspaceId: change.workspaceId,
      event: `items.${change.action}`,
      payload,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastStatusCode: 0,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    })),
  );
}
