import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { portableColumns } from '../column-types';

/**
 * Item revisions: one row per item and change, written in the change's transaction beside its
 * activity row, with the item as stored after the change (`data`) and the values the change wrote
 * (`delta`, null for a delete).
 */
export class Revisions1733000000000 implements MigrationInterface {
  name = 'Revisions1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_revisions',
        columns: [
          c.id(),
          // The activity row of the same change. No foreign key: every write would pay for checking it,
          // and both rows are written by the same statement or transaction anyway.
          c.uuid('activity'),
          c.uuid('workspace_id'),
          c.string('collection', 64),
          c.string('item', 64),
          c.json('data'),
          c.json('delta', true),
          c.timestamp('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_cairn_revisions_item', columnNames: ['workspace_id', 'collection', 'item'] }),
          new TableIndex({ name: 'ix_cairn_revisions_time', columnNames: ['workspace_id', 'created_at'] }),
          new TableIndex({ name: 'ix_cairn_revisions_activity', columnNames: ['activity'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_revisions_workspace', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_revisions');
  }
}
