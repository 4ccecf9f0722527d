import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { portableColumns } from '../column-types';

/**
 * Files' metadata and folders. The bytes live in the storage driver under `filename_disk`, a name the
 * server made; the client's name is only `filename_download`.
 */
export class Files1733300000000 implements MigrationInterface {
  name = 'Files1733300000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    const workspaceKey = (table: string) =>
      new TableForeignKey({ name: `fk_${table}_workspace`, columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    // SET NULL rather than RESTRICT: Cairn refuses to delete a folder that holds anything, and a workspace's
    // cascade must be able to remove its folders and files in whatever order the database chooses.
    const folderKey = (table: string, column: string) =>
      new TableForeignKey({ name: `fk_${table}_${column}`, columnNames: [column], referencedTableName: 'cairn_folders', referencedColumnNames: ['id'], onDelete: 'SET NULL' });

    await runner.createTable(
      new Table({
        name: 'cairn_folders',
        columns: [c.id(), c.uuid('workspace_id'), c.string('name', 255), c.uuid('parent', true)],
        foreignKeys: [workspaceKey('cairn_folders'), folderKey('cairn_folders', 'parent')],
        indices: [new TableIndex({ name: 'ix_cairn_folders_parent', columnNames: ['workspace_id', 'parent'] })],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_files',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('storage', 16),
          c.string('filename_disk', 64),
          c.string('filename_download', 255),
          c.string('title', 255, true),
          c.string('type', 255),
          { name: 'filesize', type: 'bigint', isNullable: false },
          c.string('checksum', 64),
          c.uuid('folder', true),
          c.string('uploaded_by', 36, true),
          c.timestamp('uploaded_on'),
        ],
        foreignKeys: [workspaceKey('cairn_files'), folderKey('cairn_files', 'folder')],
        indices: [
          new TableIndex({ name: 'ix_cairn_files_uploaded', columnNames: ['workspace_id', 'uploaded_on'] }),
          new TableIndex({ name: 'ix_cairn_files_folder', columnNames: ['workspace_id', 'folder'] }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_files');
    await runner.dropTable('cairn_folders');
  }
}
