import { MigrationInterface, QueryRunner } from 'typeorm';

/** The address of a workspace's own app, which the links in its app users' mails lead to. */
export class WorkspaceAppUrl1733700000000 implements MigrationInterface {
  name = 'WorkspaceAppUrl1733700000000';

  // A plain ADD COLUMN, which the three databases run in place: TypeORM's addColumn rebuilds a SQLite
  // table, and dropping the old cairn_workspaces would cascade into every table that refers to it.
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_workspaces ADD COLUMN app_url varchar(2048) NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_workspaces DROP COLUMN app_url');
  }
}
