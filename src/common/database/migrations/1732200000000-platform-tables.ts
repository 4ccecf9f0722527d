import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { portableColumns } from '../column-types';

/** Platform accounts, their refresh tokens, workspaces, memberships and API keys. */
export class PlatformTables1732200000000 implements MigrationInterface {
  name = 'PlatformTables1732200000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);

    await runner.createTable(
      new Table({
        name: 'cairn_users',
        columns: [
          c.id(),
          c.string('email', 255),
          c.string('password_hash', 100),
          c.string('name', 255, true),
          c.boolean('is_superadmin', false),
          c.string('status', 16),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_cairn_users_email', columnNames: ['email'] }],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_refresh_tokens',
        columns: [
          c.id(),
          // 'platform' for platform accounts, 'ws:<workspace id>' for that workspace's app users.
          c.string('realm', 64),
          c.uuid('subject_id'),
          c.uuid('family_id'),
          c.string('token_hash', 64),
          c.timestamp('expires_at'),
          c.timestamp('used_at', true),
          c.timestamp('revoked_at', true),
          c.timestamp('created_at'),
        ],
        uniques: [{ name: 'uq_cairn_refresh_tokens_hash', columnNames: ['token_hash'] }],
        indices: [
          new TableIndex({ name: 'ix_cairn_refresh_tokens_family', columnNames: ['family_id'] }),
          new TableIndex({ name: 'ix_cairn_refresh_tokens_subject', columnNames: ['realm', 'subject_id'] }),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_workspaces',
        columns: [c.id(), c.string('slug', 64), c.string('name', 255), c.uuid('created_by', true), c.timestamp('created_at'), c.timestamp('updated_at')],
        uniques: [{ name: 'uq_cairn_workspaces_slug', columnNames: ['slug'] }],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_workspace_members',
        columns: [c.id(), c.uuid('workspace_id'), c.uuid('user_id'), c.string('role', 16), c.timestamp('created_at'), c.timestamp('updated_at')],
        uniques: [{ name: 'uq_cairn_members_workspace_user', columnNames: ['workspace_id', 'user_id'] }],
        indices: [new TableIndex({ name: 'ix_cairn_members_user', columnNames: ['user_id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_members_workspace', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ name: 'fk_cairn_members_user', columnNames: ['user_id'], referencedTableName: 'cairn_users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_api_keys',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 255),
          c.string('role', 16),
          c.string('key_prefix', 16),
          c.string('key_hash', 64),
          c.uuid('created_by', true),
          c.timestamp('created_at'),
          c.timestamp('last_used_at', true),
        ],
        uniques: [{ name: 'uq_cairn_api_keys_hash', columnNames: ['key_hash'] }],
        indices: [new TableIndex({ name: 'ix_cairn_api_keys_workspace', columnNames: ['workspace_id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_api_keys_workspace', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['cairn_api_keys', 'cairn_workspace_members', 'cairn_workspaces', 'cairn_refresh_tokens', 'cairn_users']) {
      await runner.dropTable(table);
    }
  }
}
