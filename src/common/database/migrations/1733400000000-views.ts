import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { portableColumns } from '../column-types';

/** Views: named, read-only queries over a source collection, stored as the query language's own parts. */
export class Views1733400000000 implements MigrationInterface {
  name = 'Views1733400000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_views',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 64),
          c.string('source', 64),
          // JSON: the query's parts (fields, filter, sort, groupBy, aggregate) and the computed fields.
          c.text('query'),
          c.text('computed', true),
          c.boolean('is_public', false),
          c.boolean('public_requires_key', false),
          c.uuid('created_by', true),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_views_workspace_id', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
        uniques: [{ name: 'uq_cairn_views_name', columnNames: ['workspace_id', 'name'] }],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_views');
  }
}
