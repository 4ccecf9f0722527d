import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import type { WriteIntent, WriteParticipant, WritePlan } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';
import { WebhookDeliveryEntity, WebhookEntity, WebhookEvent } from './webhook.entities';

/** A committed-to-be item change, as the write path hands it to the outbox inside its transaction. */
interface OutboxChange {
  workspaceId: string;
  collection: string;
  action: WebhookEvent;
  keys: unknown[];
  /** The values written (create, update); none for a delete. */
  payloads?: Array<Record<string, unknown>>;
}

/** What a change's event says when it wrote deliveries, so that dispatchers wake for it (and only then). */
const WAKES_DISPATCHERS = { deliveries: true } as const;

/** A webhook as the outbox matches it against changes. */
interface Subscription {
  id: string;
  events: WebhookEvent[];
  collections: string[] | null;
}

/**
 * The durable outbox of webhooks, a participant of every write of items that a webhook wants: it
 * records inside the transaction of the change, so a delivery row exists for each enabled webhook that
 * wants the event exactly when the change commits, and a process that dies right after the commit loses
 * nothing. The dispatcher sends them afterwards. Writes to external tables are joined too: their
 * deliveries are written in Cairn's database once the external change committed. The webhooks of a
 * workspace are cached for the write path and evicted on every instance when one changes.
 */
@Injectable()
export class WebhookOutbox implements WriteParticipant, OnModuleInit, OnModuleDestroy {
  readonly order = 30;
  private readonly byWorkspace: EvictedCache<{ subscriptions: Subscription[] }>;

  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    private readonly participants: WriteParticipants,
  ) {
    this.byWorkspace = new EvictedCache(bus, 'cache.webhooks', { ttlMs: 2_000, max: 20_000 });
  }

  onModuleInit(): Promise<void> {
    this.participants.register(this);
    return this.byWorkspace.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byWorkspace.close();
  }

  /** What writes a change's deliveries, when a webhook wants it: a write nobody listens to keeps its faster path. */
  async prepare({ workspaceId, collection, action }: WriteIntent): Promise<WritePlan | null> {
    const subscriptions = await this.matching(workspaceId, collection.name, action);
    if (subscriptions.length === 0) return null;
    return {
      event: WAKES_DISPATCHERS,
      record: (manager, change) => recordDeliveries(manager, subscriptions, { workspaceId, collection: collection.name, action, keys: change.keys, payloads: change.payloads }),
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
