import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { invalidPayload } from '../../common/errors/app-error';
import { isRecord } from '../../engine/query/filter.parser';
import { Dependant, SchemaRemoval, SectionApply, SectionCheck, SectionStep, SnapshotParticipant, SnapshotParticipants } from '../schema/snapshot-participant';
import { WebhookOutbox } from './webhook-outbox';
import { WEBHOOK_EVENTS, WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entities';
import { newSecret, toDto, WebhookDto, WebhooksService } from './webhooks.service';

/** A webhook in a snapshot: its definition, without id, timestamps, state or secrets. */
export type WebhookEntry = Pick<WebhookDto, 'name' | 'url' | 'events' | 'collections' | 'headers' | 'enabled'>;

function entryOf(hook: WebhookEntity): WebhookEntry {
  const { name, url, events, collections, headers, enabled } = toDto(hook);
  return { name, url, events, collections, headers, enabled };
}

const PARTS = ['name', 'url', 'events', 'collections', 'headers', 'enabled'];

/**
 * The snapshot section of webhooks, keyed by name, checked as `POST /webhooks` checks one. Secrets never
 * enter a snapshot: a webhook an apply creates gets a new secret, answered once in that step of the
 * apply's answer (as `POST /webhooks` answers it), and rotated as usual after. When a collection a
 * webhook lists goes, it leaves the list; a webhook that listed only it is disabled, with the reason.
 */
@Injectable()
export class WebhooksSnapshot implements SnapshotParticipant<WebhookEntry>, OnModuleInit {
  readonly section = 'webhooks';
  readonly entryName = 'webhook';
  readonly after = [];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly webhooks: WebhooksService,
    private readonly outbox: WebhookOutbox,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<WebhookEntry[]> {
    const rows = await manager.getRepository(WebhookEntity).find({ where: { workspaceId }, order: { name: 'ASC', id: 'ASC' } });
    return rows.map(entryOf);
  }

  /** The entry with the defaults `POST /webhooks` gives; `check` checks its parts. */
  parse(raw: unknown): WebhookEntry {
    if (!isRecord(raw)) throw invalidPayload('Invalid payload: a webhook is a JSON object.');
    const unknown = Object.keys(raw).find((key) => !PARTS.includes(key));
    if (unknown !== undefined) throw invalidPayload(`Invalid payload: unknown field "${unknown}".`, unknown);
    if (typeof raw.name !== 'string') throw invalidPayload('Invalid payload: "name" must be 1 to 128 characters.', 'name');
    return {
      name: raw.name,
      url: raw.url as string,
      events: (raw.events ?? [...WEBHOOK_EVENTS]) as WebhookEntry['events'],
      collections: (raw.collections ?? null) as string[] | null,
      headers: (raw.headers ?? {}) as Record<string, string>,
      enabled: (raw.enabled ?? true) as boolean,
    };
  }

  key(entry: WebhookEntry): string {
    return entry.name;
  }

  check(entry: WebhookEntry, context: SectionCheck): Promise<void> {
    return this.webhooks.checkDefinition(entry, context.schema);
  }

  async apply(steps: SectionStep<WebhookEntry>[], { manager, access }: SectionApply): Promise<Array<Record<string, string> | null>> {
    const webhooks = manager.getRepository(WebhookEntity);
    const workspaceId = access.workspace.id;
    const learned: Array<Record<string, string> | null> = [];
    for (const step of steps) {
      if (step.kind === 'delete') {
        const hook = await webhooks.findOneByOrFail({ workspaceId, name: step.key });
        // Schema changes run with SQLite's foreign keys off: deliveries and attempts do not cascade there.
        await manager.createQueryBuilder().delete().from(WebhookAttemptEntity).where('delivery_id IN (SELECT id FROM cairn_webhook_deliveries WHERE webhook_id = :id)', { id: hook.id }).execute();
        await manager.getRepository(WebhookDeliveryEntity).delete({ webhookId: hook.id });
        await webhooks.delete({ id: hook.id });
        learned.push(null);
        continue;
      }
      const { name, url, events, collections, headers, enabled } = step.entry;
      const stored = { name, url, events: JSON.stringify(events), collections: collections === null ? null : JSON.stringify(collections), headers: JSON.stringify(headers), enabled, updatedAt: new Date() };
      if (step.kind === 'update') {
        await webhooks.update({ workspaceId, name }, { ...stored, ...(enabled ? { disabledReason: null } : {}) });
        learned.push(null);
        continue;
      }
      const secret = newSecret();
      await webhooks.insert({ id: randomUUID(), workspaceId, ...stored, secret, previousSecret: null, previousSecretExpiresAt: null, disabledReason: null, createdAt: new Date() });
      learned.push({ secret });
    }
    return learned;
  }

  async dependants(manager: EntityManager, removal: SchemaRemoval): Promise<Dependant[]> {
    return (await this.listing(manager, removal)).map((hook) => ({ kind: 'webhook', name: hook.name, on_force: (JSON.parse(hook.collections!) as string[]).length > 1 ? 'remove_reference' : 'disable' }));
  }

  async release(manager: EntityManager, removal: SchemaRemoval): Promise<void> {
    for (const hook of await this.listing(manager, removal)) {
      const collections = (JSON.parse(hook.collections!) as string[]).filter((name) => name !== removal.collection);
      const change = collections.length > 0 ? { collections: JSON.stringify(collections) } : { enabled: false, disabledReason: `Its collection "${removal.collection}" was deleted.` };
      await manager.getRepository(WebhookEntity).update({ id: hook.id }, { ...change, updatedAt: new Date() });
    }
  }

  changed(workspaceId: string): Promise<void> {
    return this.outbox.evict(workspaceId);
  }

  /** The webhooks whose `collections` list a collection that goes (they name no field). */
  private async listing(manager: EntityManager, removal: SchemaRemoval): Promise<WebhookEntity[]> {
    if (removal.field !== null) return [];
    const rows = await manager.getRepository(WebhookEntity).find({ where: { workspaceId: removal.workspaceId }, order: { name: 'ASC' } });
    return rows.filter((hook) => hook.collections !== null && (JSON.parse(hook.collections) as string[]).includes(removal.collection));
  }
}
