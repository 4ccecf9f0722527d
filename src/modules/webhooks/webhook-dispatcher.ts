import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, Repository } from 'typeorm';
import { CoalescedTask } from '../../common/async/coalesced-task';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { Database } from '../../common/database/database.service';
import { Metrics, WebhookOutcome } from '../../common/metrics/metrics';
import type { WebhooksConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { ITEMS_CHANGED, ItemsChanged } from '../../common/bus/items-changed';
import { attemptRow, sendWebhook, signedHeaders, WebhookAttemptResult } from './webhook-sender';
import { WebhookTargetPolicy } from './webhook-target';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entities';

/** Announced when deliveries were queued outside a write (redeliveries, replays), so that dispatchers wake. */
export const WEBHOOK_DELIVERIES_QUEUED = 'webhooks.deliveries.queued';

/** Deliveries claimed at once by one instance. */
const BATCH = 20;
/** How long a claimed delivery is this instance's: past it (the instance died mid-send), another may take it. */
const LEASE_MS = 60_000;

/**
 * Sends the outbox's deliveries: claims due ones (row locks with SKIP LOCKED on PostgreSQL and MariaDB,
 * so that of several instances exactly one takes each; SQLite has one process), signs each per Standard
 * Webhooks (the delivery's id is the stable webhook-id; during a secret rotation both secrets sign),
 * sends it, and logs the attempt. A 2xx delivers; a 410 disables the webhook; anything else is tried
 * again after the retry schedule's next wait, with jitter, until it runs out. It wakes on every item
 * change that wrote deliveries and on deliveries queued again by an admin, and polls besides, so deliveries left by a process that died are sent after a restart.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;
  private unsubscribes: Array<() => Promise<void>> = [];
  private readonly outbox = new CoalescedTask(
    () => this.drain(),
    (error) => this.logger.warn(`The webhook outbox could not be read: ${error instanceof Error ? error.message : String(error)}`),
  );

  constructor(
    private readonly db: Database,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookAttemptEntity) private readonly attempts: Repository<WebhookAttemptEntity>,
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectConfig('webhooks') private readonly config: WebhooksConfig,
    private readonly targets: WebhookTargetPolicy,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The outbox is the database's, shared by every instance: its depth is known whether or not this one sends it.
    this.metrics.watchOutbox(() => this.deliveries.countBy({ status: 'pending' }));
    if (!this.config.dispatch) return;
    // Woken by the changes that wrote deliveries only: the others leave nothing to send.
    this.unsubscribes = [
      await this.bus.subscribe(ITEMS_CHANGED, (payload) => {
        if ((payload as ItemsChanged).deliveries) this.wake();
      }),
      await this.bus.subscribe(WEBHOOK_DELIVERIES_QUEUED, () => this.wake()),
    ];
    this.timer = setInterval(() => this.wake(), this.config.pollIntervalMs);
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    const stopped = this.outbox.stop();
    clearInterval(this.timer);
    await Promise.all(this.unsubscribes.map((unsubscribe) => unsubscribe()));
    await stopped;
  }

  /** Runs the outbox now, or once more right after the run under way. */
  wake(): void {
    this.outbox.request();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.claim();
      await Promise.all(claimed.map((delivery) => this.deliver(delivery).catch((error: unknown) => this.release(delivery, error))));
      if (claimed.length < BATCH || this.outbox.stopped) return;
    }
  }

  /** Takes up to BATCH due deliveries for this instance, for the length of a lease. */
  private claim(): Promise<WebhookDeliveryEntity[]> {
    return this.db.rowLockingTransaction(async (manager) => {
      const now = new Date();
      let query = manager
        .getRepository(WebhookDeliveryEntity)
        .createQueryBuilder('d')
        .where('d.status = :status', { status: 'pending' })
        .andWhere('d.next_attempt_at <= :now', { now })
        .andWhere(new Brackets((due) => due.where('d.locked_until IS NULL').orWhere('d.locked_until < :now', { now })))
        .orderBy('d.next_attempt_at', 'ASC')
        .limit(BATCH);
      if (this.db.kind !== 'sqlite') query = query.setLock('pessimistic_write').setOnLocked('skip_locked');
      const due = await query.getMany();
      if (due.length === 0) return [];
      const lockedUntil = new Date(now.getTime() + LEASE_MS);
      await manager.getRepository(WebhookDeliveryEntity).update({ id: In(due.map((d) => d.id)) }, { lockedUntil });
      return due;
    });
  }

  private async deliver(delivery: WebhookDeliveryEntity): Promise<void> {
    const webhook = await this.webhooks.findOneBy({ id: delivery.webhookId });
    const attempt = delivery.attempts + 1;
    let result: WebhookAttemptResult;
    if (!webhook || !webhook.enabled) {
      result = { statusCode: 0, durationMs: 0, error: 'The webhook is disabled.', responseExcerpt: null, requestHeaders: null };
    } else {
      result = await sendWebhook(new URL(webhook.url), delivery.payload, signedHeaders(webhook, delivery.id, delivery.payload), this.targets, this.config.timeoutMs);
    }
    await this.attempts.insert(attemptRow(randomUUID(), delivery.id, attempt, result));
    const delivered = result.statusCode >= 200 && result.statusCode < 300;
    const gone = result.statusCode === 410;
    const schedule = this.config.retrySchedule;
    const exhausted = attempt > schedule.length || !webhook?.enabled;
    const status = delivered ? 'delivered' : gone || exhausted ? 'failed' : 'pending';
    const sent = webhook?.enabled ? result.durationMs / 1000 : null;
    this.metrics.webhookAttempted(status === 'pending' ? 'retry' : (status satisfies WebhookOutcome), sent);
    await this.deliveries.update(
      { id: delivery.id },
      {
        attempts: attempt,
        status,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        lockedUntil: null,
        nextAttemptAt: status === 'pending' ? new Date(Date.now() + jittered(schedule[attempt - 1])) : delivery.nextAttemptAt,
        updatedAt: new Date(),
      },
    );
    if (gone && webhook) {
      // 410 Gone: the receiver says it wants nothing more; the Standard Webhooks way to unsubscribe.
      await this.webhooks.update({ id: webhook.id }, { enabled: false, disabledReason: 'The receiver answered 410 Gone.', updatedAt: new Date() });
      this.logger.warn(`Webhook ${webhook.id} disabled: its receiver answered 410 Gone.`);
    }
  }

  /**
   * A delivery whose attempt could not be recorded (the database failed meanwhile) goes back to the
   * queue at once rather than waiting out its lease; the receiver may get it twice, as at-least-once allows.
   */
  private async release(delivery: WebhookDeliveryEntity, error: unknown): Promise<void> {
    this.logger.warn(`Webhook delivery ${delivery.id} could not be completed: ${error instanceof Error ? error.message : String(error)}`);
    await this.deliveries.update({ id: delivery.id }, { lockedUntil: null }).catch(() => undefined);
  }
}

/** A wait of the retry schedule, give or take a fifth, so that failed receivers are not hit in step. */
function jittered(waitMs: number): number {
  return Math.round(waitMs * (0.8 + Math.random() * 0.4));
}
