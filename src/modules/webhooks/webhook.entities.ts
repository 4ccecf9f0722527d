import { Column, Entity, PrimaryColumn } from 'typeorm';

export type WebhookEvent = 'create' | 'update' | 'delete';
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['create', 'update', 'delete'];

/** A receiver of a workspace's item events; events, collections and headers as JSON. */
@Entity('cairn_webhooks')
export class WebhookEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ type: 'text' }) url!: string;
  @Column({ type: 'text' }) events!: string;
  @Column({ type: 'text', nullable: true }) collections!: string | null;
  @Column({ type: 'text', nullable: true }) headers!: string | null;
  @Column({ type: 'varchar', length: 128 }) secret!: string;
  @Column({ name: 'previous_secret', type: 'varchar', length: 128, nullable: true }) previousSecret!: string | null;
  @Column({ name: 'previous_secret_expires_at', type: Date, nullable: true }) previousSecretExpiresAt!: Date | null;
  @Column({ type: Boolean }) enabled!: boolean;
  @Column({ name: 'disabled_reason', type: 'text', nullable: true }) disabledReason!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one webhook: the outbox row, kept as the delivery's record. */
@Entity('cairn_webhook_deliveries')
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'webhook_id', type: 'varchar', length: 36 }) webhookId!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) event!: string;
  @Column({ type: 'text' }) payload!: string;
  @Column({ type: 'varchar', length: 16 }) status!: DeliveryStatus;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: Date }) nextAttemptAt!: Date;
  @Column({ name: 'locked_until', type: Date, nullable: true }) lockedUntil!: Date | null;
  @Column({ name: 'last_status_code', type: 'integer' }) lastStatusCode!: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

/** One try at sending a delivery. */
@Entity('cairn_webhook_attempts')
export class WebhookAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'delivery_id', type: 'varchar', length: 36 }) deliveryId!: string;
  @Column({ type: 'integer' }) attempt!: number;
  @Column({ name: 'status_code', type: 'integer' }) statusCode!: number;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs!: number;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'response_excerpt', type: 'text', nullable: true }) responseExcerpt!: string | null;
  /** The headers sent, as JSON; null when nothing was sent, or for an attempt logged before they were kept. */
  @Column({ name: 'request_headers', type: 'text', nullable: true }) requestHeaders!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}
