import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { portableColumns } from '../column-types';

/** The end users of the apps built on workspaces, and their single-use mail tokens; they go with their workspace. */
export class AppUsers1732400000000 implements MigrationInterface {
  name = 'AppUsers1732400000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);

    await runner.createTable(
      new Table({
        name: 'cairn_app_users',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('email', 255),
          c.string('password_hash', 100),
          { ...c.string('role', 64), default: "'authenticated'" },
          c.timestamp('email_verified_at', true),
          // Access tokens issued before it are refused: a password reset or change ends every session.
          c.timestamp('password_changed_at', true),
          c.string('status', 16),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_cairn_app_users_workspace_email', columnNames: ['workspace_id', 'email'] }],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_app_users_workspace', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_app_user_tokens',
        columns: [
          c.id(),
          c.uuid('app_user_id'),
          c.string('purpose', 32),
          c.string('token_hash', 64),
          c.timestamp('expires_at'),
          c.timestamp('used_at', true),
          c.timestamp('created_at'),
        ],
        uniques: [{ name: 'uq_cairn_app_user_tokens_hash', columnNames: ['token_hash'] }],
        indices: [new TableIndex({ name: 'ix_cairn_app_user_tokens_user', columnNames: ['app_user_id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_app_user_tokens_user', columnNames: ['app_user_id'], referencedTableName: 'cairn_app_users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_app_user_tokens');
    await runner.dropTable('cairn_app_users');
  }
}
