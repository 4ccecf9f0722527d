import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { cascadingKey as cascade, portableColumns } from '../column-types';

/**
 * Webhooks, and their durable outbox: one delivery row per webhook and item event, written in the
 * transaction of the change, then claimed and sent by a dispatcher; one attempt row per try.
 */
export class Webhooks1732600000000 implements MigrationInterface {
  name = 'Webhooks1732600000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);

    await runner.createTable(
      new Table({
        name: 'cairn_webhooks',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 128),
          c.text('url'),
          // JSON: the events (create, update, delete), the collections (null: all), the extra headers.
          c.text('events'),
          c.text('collections', true),
          c.text('headers', true),
          c.string('secret', 128),
          c.string('previous_secret', 128, true),
          c.timestamp('previous_secret_expires_at', true),
          c.boolean('enabled', true),
          c.text('disabled_reason', true),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [cascade('cairn_webhooks', 'workspace_id', 'cairn_workspaces')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_webhook_deliveries',
        columns: [
          // The message id, sent as webhook-id on every attempt.
          c.id(),
          c.uuid('webhook_id'),
          c.uuid('workspace_id'),
          c.string('event', 64),
          c.text('payload'),
          // pending, delivered or failed.
          c.string('status', 16),
          c.integer('attempts'),
          c.timestamp('next_attempt_at'),
          c.timestamp('locked_until', true),
          c.integer('last_status_code'),
          c.text('last_error', true),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [cascade('cairn_webhook_deliveries', 'webhook_id', 'cairn_webhooks')],
        indices: [
          new TableIndex({ name: 'ix_cairn_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_cairn_webhook_deliveries_webhook', columnNames: ['webhook_id', 'created_at'] }),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_webhook_attempts',
        columns: [
          c.id(),
          c.uuid('delivery_id'),
          c.integer('attempt'),
          // 0 when no response came (refused target, timeout, network error).
          c.integer('status_code'),
          c.integer('duration_ms'),
          c.text('error', true),
          c.text('response_excerpt', true),
          c.timestamp('created_at'),
        ],
        foreignKeys: [cascade('cairn_webhook_attempts', 'delivery_id', 'cairn_webhook_deliveries')],
        indices: [new TableIndex({ name: 'ix_cairn_webhook_attempts_delivery', columnNames: ['delivery_id', 'attempt'] })],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_webhook_attempts');
    await runner.dropTable('cairn_webhook_deliveries');
    await runner.dropTable('cairn_webhooks');
  }
}
