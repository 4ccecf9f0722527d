import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { portableColumns } from '../column-types';

/** Named image transforms of a workspace's assets (`/assets/{id}?preset=name`). */
export class AssetPresets1734000000000 implements MigrationInterface {
  name = 'AssetPresets1734000000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    const optionalInteger = (name: string) => ({ ...c.integer(name), isNullable: true });
    await runner.createTable(
      new Table({
        name: 'cairn_asset_presets',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 64),
          optionalInteger('width'),
          optionalInteger('height'),
          c.string('fit', 16, true),
          c.string('format', 8, true),
          optionalInteger('quality'),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_asset_presets_workspace_id', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
        uniques: [{ name: 'uq_cairn_asset_presets_name', columnNames: ['workspace_id', 'name'] }],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_asset_presets');
  }
}
