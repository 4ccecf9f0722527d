import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { cascadingKey, portableColumns } from '../column-types';

/**
 * Single sign-on: each workspace's OpenID Connect provider for its app users, and the short-lived,
 * single-use hand-offs of a sign-in (the pending flow at the provider, the code a client exchanges).
 */
export class Sso1734200000000 implements MigrationInterface {
  name = 'Sso1734200000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_sso_workspace_providers',
        columns: [
          { ...c.uuid('workspace_id'), isPrimary: true },
          c.string('issuer', 2048),
          c.string('client_id', 512),
          c.text('client_secret', true),
          c.boolean('enabled', true),
          c.boolean('allow_signup', false),
          c.text('return_urls'),
          c.uuid('updated_by', true),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [cascadingKey('cairn_sso_workspace_providers', 'workspace_id', 'cairn_workspaces')],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'cairn_sso_handoffs',
        columns: [{ ...c.string('id_hash', 64), isPrimary: true }, c.string('kind', 16), c.text('payload'), c.timestamp('expires_at')],
      }),
    );
    await runner.createIndex('cairn_sso_handoffs', new TableIndex({ name: 'idx_cairn_sso_handoffs_expires_at', columnNames: ['expires_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_sso_handoffs');
    await runner.dropTable('cairn_sso_workspace_providers');
  }
}
