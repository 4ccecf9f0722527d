import { MigrationInterface, QueryRunner, TableForeignKey } from 'typeorm';

const WORKSPACE_KEYS = [
  { table: 'cairn_activity', name: 'fk_cairn_activity_workspace' },
  { table: 'cairn_revisions', name: 'fk_cairn_revisions_workspace' },
];

/**
 * The activity and revision rows lose their foreign keys to the workspace. Every write adds one row to
 * each per item, and PostgreSQL checks such a key by locking the workspace's row (FOR KEY SHARE): with
 * many writers in one workspace, every check queues on that one row. Deleting a workspace deletes its
 * activity and revisions itself, in its transaction, as the cascade did.
 */
export class AuditLogsWithoutWorkspaceKeys1734300000000 implements MigrationInterface {
  name = 'AuditLogsWithoutWorkspaceKeys1734300000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const { table, name } of WORKSPACE_KEYS) await runner.dropForeignKey(table, name);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const { table, name } of WORKSPACE_KEYS) {
      await runner.createForeignKey(table, new TableForeignKey({ name, columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }));
    }
  }
}
