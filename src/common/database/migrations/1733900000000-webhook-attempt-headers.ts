import { MigrationInterface, QueryRunner } from 'typeorm';

/** The headers each webhook attempt was sent with, for the delivery log. */
export class WebhookAttemptHeaders1733900000000 implements MigrationInterface {
  name = 'WebhookAttemptHeaders1733900000000';

  // A plain ADD COLUMN, run in place by the three databases (TypeORM's addColumn rebuilds a SQLite table).
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_webhook_attempts ADD COLUMN request_headers text NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_webhook_attempts DROP COLUMN request_headers');
  }
}
