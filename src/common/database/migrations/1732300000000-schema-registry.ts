import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { portableColumns } from '../column-types';
import { oneQueryAtATime } from '../one-query-at-a-time';

/**
 * The schema registry (collections, fields, relations and the log of schema changes), the activity
 * log, and the counters behind autocode fields.
 */
export class SchemaRegistry1732300000000 implements MigrationInterface {
  name = 'SchemaRegistry1732300000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    const workspaceKey = (table: string) =>
      new TableForeignKey({ name: `fk_${table}_workspace`, columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' });

    // addColumn reads the table's shape first, with concurrent queries on PostgreSQL unless serialized.
    oneQueryAtATime(runner);
    // Bumped on every schema change; caches of the schema are keyed by it.
    await runner.addColumn('cairn_workspaces', new TableColumn({ name: 'schema_version', type: 'integer', isNullable: false, default: 0 }));

    await runner.createTable(
      new Table({
        name: 'cairn_collections',
        columns: [c.id(), c.uuid('workspace_id'), c.string('name', 64), c.string('table_name', 64), c.string('primary_key', 16), c.text('note', true), c.timestamp('created_at'), c.timestamp('updated_at')],
        uniques: [
          { name: 'uq_cairn_collections_name', columnNames: ['workspace_id', 'name'] },
          { name: 'uq_cairn_collections_table', columnNames: ['table_name'] },
        ],
        foreignKeys: [workspaceKey('cairn_collections')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_fields',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('collection', 64),
          c.string('field', 64),
          c.string('type', 16),
          // required, unique, index, default, length, precision, scale, values, autocode, validation, note
          c.text('options'),
          c.integer('sort'),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_cairn_fields_field', columnNames: ['workspace_id', 'collection', 'field'] }],
        foreignKeys: [workspaceKey('cairn_fields')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_relations',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('collection', 64),
          c.string('field', 64),
          c.string('related_collection', 64),
          c.string('on_delete', 16),
          c.string('one_field', 64, true),
          // For the two relations of a junction collection: {"otherField", "alias"}.
          c.text('junction', true),
          c.timestamp('created_at'),
        ],
        uniques: [{ name: 'uq_cairn_relations_field', columnNames: ['workspace_id', 'collection', 'field'] }],
        foreignKeys: [workspaceKey('cairn_relations')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_schema_migrations',
        columns: [c.id(), c.uuid('workspace_id'), c.integer('version'), c.string('action', 32), c.text('detail'), c.uuid('actor_id', true), c.string('actor_type', 16), c.timestamp('created_at')],
        indices: [new TableIndex({ name: 'ix_cairn_schema_migrations_ws', columnNames: ['workspace_id', 'version'] })],
        foreignKeys: [workspaceKey('cairn_schema_migrations')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_activity',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('action', 16),
          c.string('collection', 64),
          c.string('item', 64),
          c.string('actor_type', 16),
          c.string('actor_id', 36, true),
          c.string('ip', 64, true),
          c.string('user_agent', 255, true),
          c.timestamp('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_cairn_activity_item', columnNames: ['workspace_id', 'collection', 'item'] }),
          new TableIndex({ name: 'ix_cairn_activity_time', columnNames: ['workspace_id', 'created_at'] }),
        ],
        foreignKeys: [workspaceKey('cairn_activity')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_autocode_counters',
        columns: [
          { ...c.uuid('workspace_id'), isPrimary: true },
          { ...c.string('collection', 64), isPrimary: true },
          { ...c.string('field', 64), isPrimary: true },
          { name: 'last_value', type: 'bigint', isNullable: false, default: 0 },
        ],
        foreignKeys: [workspaceKey('cairn_autocode_counters')],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['cairn_autocode_counters', 'cairn_activity', 'cairn_schema_migrations', 'cairn_relations', 'cairn_fields', 'cairn_collections']) {
      await runner.dropTable(table);
    }
    await runner.dropColumn('cairn_workspaces', 'schema_version');
  }
}
