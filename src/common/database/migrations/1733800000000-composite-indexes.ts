import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { portableColumns } from '../column-types';

/** The registry of composite indexes that workspaces make through the API. */
export class CompositeIndexes1733800000000 implements MigrationInterface {
  name = 'CompositeIndexes1733800000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_indexes',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('collection', 64),
          c.string('name', 64),
          // The API's form: ["status", "-published_at"].
          c.text('fields'),
          c.boolean('is_unique', false),
          c.timestamp('created_at'),
        ],
        uniques: [{ name: 'uq_cairn_indexes_name', columnNames: ['workspace_id', 'collection', 'name'] }],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_indexes_workspace', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_indexes');
  }
}
