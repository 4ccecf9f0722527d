import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import type { WebhooksConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { isRecord } from '../../engine/query/filter.parser';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { WEBHOOK_DELIVERIES_QUEUED } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';
import { attemptRow, sendWebhook, signedHeaders } from './webhook-sender';
import { WebhookTargetPolicy } from './webhook-target';
import { WEBHOOK_EVENTS, WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity, WebhookEvent } from './webhook.entities';

type Raw = Record<string, unknown>;

export interface WebhookDto {
  id: string;
  name: string;
  url: string;
  events: WebhookEvent[];
  collections: string[] | null;
  headers: Record<string, string>;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** Headers a webhook may not set: the transport's and the signature's own. */
const RESERVED_HEADERS = /^(host|content-length|content-type|transfer-encoding|connection|user-agent|webhook-.*)$/i;
const FIELDS = new Set(['name', 'url', 'events', 'collections', 'headers', 'enabled']);
/** The event of a test delivery: sent once when asked, never replayed with the failed ones. */
const TEST_EVENT = 'test';

/**
 * Webhooks of a workspace: their definitions (checked against the schema and the target policy), their
 * secrets (shown when made or rotated, never again), and their deliveries with each attempt.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookAttemptEntity) private readonly attempts: Repository<WebhookAttemptEntity>,
    private readonly outbox: WebhookOutbox,
    private readonly registry: SchemaRegistry,
    @InjectConfig('webhooks') private readonly config: WebhooksConfig,
    private readonly targets: WebhookTargetPolicy,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async list(access: WorkspaceAccess): Promise<WebhookDto[]> {
    const hooks = await this.webhooks.find({ where: { workspaceId: access.workspace.id }, order: { createdAt: 'ASC' } });
    return hooks.map(toDto);
  }

  async get(access: WorkspaceAccess, id: string): Promise<WebhookDto> {
    return toDto(await this.find(access, id));
  }

  /** Creates a webhook; the answer holds its secret, which is not shown again. */
  async create(access: WorkspaceAccess, body: unknown): Promise<WebhookDto & { secret: string }> {
    const input = await this.parse(body, false, () => this.registry.forWorkspace(access.workspace));
    const now = new Date();
    const hook: WebhookEntity = {
      id: randomUUID(),
      workspaceId: access.workspace.id,
      name: input.name!,
      url: input.url!,
      events: JSON.stringify(input.events ?? WEBHOOK_EVENTS),
      collections: input.collections === undefined || input.collections === null ? null : JSON.stringify(input.collections),
      headers: input.headers ? JSON.stringify(input.headers) : null,
      secret: newSecret(),
      previousSecret: null,
      previousSecretExpiresAt: null,
      enabled: input.enabled ?? true,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.webhooks.insert(hook);
    await this.outbox.evict(access.workspace.id);
    return { ...toDto(hook), secret: hook.secret };
  }

  async update(access: WorkspaceAccess, id: string, body: unknown): Promise<WebhookDto> {
    const hook = await this.find(access, id);
    const input = await this.parse(body, true, () => this.registry.forWorkspace(access.workspace));
    if (input.enabled === true && !hook.enabled && input.collections === undefined && hook.collections !== null) {
      // A webhook disabled because its collection was deleted must be pointed elsewhere before it sends again.
      await this.parse({ collections: JSON.parse(hook.collections) as unknown }, true, () => this.registry.forWorkspace(access.workspace));
    }
    if (input.name !== undefined) hook.name = input.name;
    if (input.url !== undefined) hook.url = input.url;
    if (input.events !== undefined) hook.events = JSON.stringify(input.events);
    if (input.collections !== undefined) hook.collections = input.collections === null ? null : JSON.stringify(input.collections);
    if (input.headers !== undefined) hook.headers = input.headers ? JSON.stringify(input.headers) : null;
    if (input.enabled !== undefined) {
      hook.enabled = input.enabled;
      if (input.enabled) hook.disabledReason = null;
    }
    hook.updatedAt = new Date();
    await this.webhooks.save(hook);
    await this.outbox.evict(access.workspace.id);
    return toDto(hook);
  }

  async remove(access: WorkspaceAccess, id: string): Promise<void> {
    const hook = await this.find(access, id);
    await this.webhooks.delete({ id: hook.id });
    await this.outbox.evict(access.workspace.id);
  }

  /** A new secret; the previous one keeps signing too (both signatures are sent) for WEBHOOK_SECRET_OVERLAP. */
  async rotateSecret(access: WorkspaceAccess, id: string): Promise<{ secret: string; previous_secret_expires_at: string }> {
    const hook = await this.find(access, id);
    const expires = new Date(Date.now() + this.config.secretOverlapMs);
    await this.webhooks.update({ id: hook.id }, { previousSecret: hook.secret, previousSecretExpiresAt: expires, secret: newSecret(), updatedAt: new Date() });
    const rotated = await this.find(access, id);
    return { secret: rotated.secret, previous_secret_expires_at: expires.toISOString() };
  }

  /** The deliveries of a webhook, newest first, each with its attempts. */
  async listDeliveries(access: WorkspaceAccess, id: string, limit: number): Promise<Raw[]> {
    const hook = await this.find(access, id);
    const deliveries = await this.deliveries.find({ where: { webhookId: hook.id }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    const attempts = deliveries.length === 0 ? [] : await this.attempts.find({ where: deliveries.map((d) => ({ deliveryId: d.id })), order: { attempt: 'ASC' } });
    return deliveries.map((delivery) => toDeliveryView(delivery, attempts.filter((a) => a.deliveryId === delivery.id)));
  }

  /** Sends a delivery again, at once, whatever became of it; its id (webhook-id) stays the same. */
  async redeliver(access: WorkspaceAccess, id: string, deliveryId: string): Promise<void> {
    const hook = await this.find(access, id);
    const delivery = await this.deliveries.findOneBy({ id: deliveryId, webhookId: hook.id });
    if (!delivery) throw notFound('Delivery not found.');
    // `attempts` keeps counting: past the schedule's end, a failed attempt fails the delivery again at once.
    await this.deliveries.update({ id: delivery.id }, { status: 'pending', nextAttemptAt: new Date(), lockedUntil: null, updatedAt: new Date() });
    await this.queued();
  }

  /**
   * Queues every failed delivery of a webhook again, at once, each with its own id (webhook-id), as
   * `redeliver` does one: each gets one more attempt, numbered after the others. Test deliveries stay as
   * they are: they are not events the receiver missed. A disabled webhook is refused, since its
   * deliveries would fail at once.
   */
  async replayFailed(access: WorkspaceAccess, id: string): Promise<{ replayed: number }> {
    const hook = await this.find(access, id);
    if (!hook.enabled) throw conflict('This webhook is disabled: enable it before replaying its deliveries.');
    const replayed = await this.deliveries.update({ webhookId: hook.id, status: 'failed', event: Not(TEST_EVENT) }, { status: 'pending', nextAttemptAt: new Date(), lockedUntil: null, updatedAt: new Date() });
    const count = replayed.affected ?? 0;
    if (count > 0) await this.queued();
    return { replayed: count };
  }

  /**
   * Sends a `test` event to the receiver now, signed as every delivery is, even when the webhook is
   * disabled (to check a receiver before turning it back on), and logs it as a delivery of one attempt:
   * delivered on a 2xx, else failed, never retried by the schedule (a 410 does not disable the webhook).
   * Answers the delivery as the log lists it.
   */
  async sendTest(access: WorkspaceAccess, id: string): Promise<Raw> {
    const hook = await this.find(access, id);
    const now = new Date();
    const deliveryId = timeOrderedUuid();
    const payload = JSON.stringify({ type: TEST_EVENT, timestamp: now.toISOString(), data: { webhook: { id: hook.id, name: hook.name } } });
    const result = await sendWebhook(new URL(hook.url), payload, signedHeaders(hook, deliveryId, payload), this.targets, this.config.timeoutMs);
    const delivered = result.statusCode >= 200 && result.statusCode < 300;
    const delivery: WebhookDeliveryEntity = {
      id: deliveryId,
      webhookId: hook.id,
      workspaceId: access.workspace.id,
      event: TEST_EVENT,
      payload,
      status: delivered ? 'delivered' : 'failed',
      attempts: 1,
      nextAttemptAt: now,
      lockedUntil: null,
      lastStatusCode: result.statusCode,
      lastError: result.error,
      createdAt: now,
      updatedAt: new Date(),
    };
    const attempt = attemptRow(randomUUID(), deliveryId, 1, result);
    await this.deliveries.manager.transaction(async (manager) => {
      await manager.getRepository(WebhookDeliveryEntity).insert(delivery);
      await manager.getRepository(WebhookAttemptEntity).insert(attempt);
    });
    return toDeliveryView(delivery, [attempt]);
  }

  /** Checks a whole webhook as `POST /webhooks` would, against a schema (a snapshot's). */
  async checkDefinition(body: unknown, schema: WorkspaceSchema): Promise<void> {
    await this.parse(body, false, async () => schema);
  }

  /** Wakes the dispatchers of every instance for deliveries queued outside a write. */
  private async queued(): Promise<void> {
    await this.bus.publish(WEBHOOK_DELIVERIES_QUEUED, {}).catch(() => undefined);
  }

  private async find(access: WorkspaceAccess, id: string): Promise<WebhookEntity> {
    const hook = /^[0-9a-f-]{36}$/i.test(id) ? await this.webhooks.findOneBy({ id, workspaceId: access.workspace.id }) : null;
    if (!hook) throw notFound('Webhook not found.');
    return hook;
  }

  private async parse(body: unknown, partial: boolean, schemaOf: () => Promise<WorkspaceSchema>): Promise<Partial<{ name: string; url: string; events: WebhookEvent[]; collections: string[] | null; headers: Record<string, string> | null; enabled: boolean }>> {
    if (!isRecord(body)) throw invalidPayload('Invalid payload: a webhook is a JSON object.');
    for (const key of Object.keys(body)) if (!FIELDS.has(key)) throw invalidPayload(`Invalid payload: unknown field "${key}".`, key);
    const { name, url, events, collections, headers, enabled } = body;
    if (!partial || name !== undefined) {
      if (typeof name !== 'string' || name.trim() === '' || name.length > 128) throw invalidPayload('Invalid payload: "name" must be 1 to 128 characters.', 'name');
    }
    if (!partial || url !== undefined) {
      if (typeof url !== 'string' || url.length > 2048) throw invalidPayload('Invalid payload: "url" must be an http or https URL.', 'url');
      this.targets.checkUrl(url);
    }
    if (events !== undefined && (!Array.isArray(events) || events.length === 0 || !events.every((e) => WEBHOOK_EVENTS.includes(e as WebhookEvent)))) {
      throw invalidPayload(`Invalid payload: "events" must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}.`, 'events');
    }
    if (collections !== undefined && collections !== null) {
      if (!Array.isArray(collections) || collections.length === 0 || !collections.every((c) => typeof c === 'string')) throw invalidPayload('Invalid payload: "collections" must be a non-empty list of names, or null for all.', 'collections');
      const schema = await schemaOf();
      const unknown = collections.find((name) => !schema.collections.has(name as string));
      if (unknown) throw invalidPayload(`Invalid payload: collection "${String(unknown)}" does not exist.`, 'collections');
    }
    if (headers !== undefined && headers !== null) {
      if (!isRecord(headers) || !Object.entries(headers).every(([key, value]) => /^[A-Za-z0-9-]{1,64}$/.test(key) && typeof value === 'string' && !/[\r\n]/.test(value))) {
        throw invalidPayload('Invalid payload: "headers" must map header names to single-line strings.', 'headers');
      }
      const reserved = Object.keys(headers).find((key) => RESERVED_HEADERS.test(key));
      if (reserved) throw invalidPayload(`Invalid payload: the header "${reserved}" is set by Cairn.`, 'headers');
    }
    if (enabled !== undefined && typeof enabled !== 'boolean') throw invalidPayload('Invalid payload: "enabled" must be true or false.', 'enabled');
    return {
      name: name as string | undefined,
      url: url as string | undefined,
      events: events as WebhookEvent[] | undefined,
      collections: collections as string[] | null | undefined,
      headers: headers as Record<string, string> | null | undefined,
      enabled: enabled as boolean | undefined,
    };
  }
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function toDto(hook: WebhookEntity): WebhookDto {
  return {
    id: hook.id,
    name: hook.name,
    url: hook.url,
    events: JSON.parse(hook.events) as WebhookEvent[],
    collections: hook.collections === null ? null : (JSON.parse(hook.collections) as string[]),
    headers: hook.headers === null ? {} : (JSON.parse(hook.headers) as Record<string, string>),
    enabled: hook.enabled,
    disabled_reason: hook.disabledReason,
    created_at: hook.createdAt.toISOString(),
    updated_at: hook.updatedAt.toISOString(),
  };
}

/**
 * A delivery as the log shows it: the request's body (`payload`) and, on each attempt, the headers it
 * was sent with, the receiver's status, the time it took and the first KiB of its answer.
 */
function toDeliveryView(delivery: WebhookDeliveryEntity, attempts: WebhookAttemptEntity[]): Raw {
  return {
    id: delivery.id,
    event: delivery.event,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
    last_status_code: delivery.lastStatusCode || null,
    last_error: delivery.lastError,
    payload: JSON.parse(delivery.payload) as unknown,
    created_at: delivery.createdAt.toISOString(),
    log: attempts.map((a) => ({
      attempt: a.attempt,
      status_code: a.statusCode || null,
      duration_ms: a.durationMs,
      error: a.error,
      response: a.responseExcerpt,
      request_headers: a.requestHeaders === null ? null : (JSON.parse(a.requestHeaders) as Record<string, string>),
      at: a.createdAt.toISOString(),
    })),
  };
}
