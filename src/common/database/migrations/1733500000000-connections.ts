import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { portableColumns } from '../column-types';

/**
 * External database connections: where an existing PostgreSQL or MySQL/MariaDB database is, its
 * password encrypted (never in clear), which of its tables are served, and what introspection found.
 */
export class Connections1733500000000 implements MigrationInterface {
  name = 'Connections1733500000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_connections',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 32),
          // postgres or mysql.
          c.string('kind', 16),
          c.string('host', 255),
          c.integer('port'),
          c.string('database_name', 128),
          c.string('username', 128),
          c.boolean('ssl', false),
          // PostgreSQL's schema; null on MySQL, where the database is the schema.
          c.string('schema_name', 128, true),
          c.boolean('allow_writes', false),
          // AES-256-GCM: version, IV, tag and ciphertext of the password; the key is named by key_id.
          c.text('password_ciphertext'),
          c.string('key_id', 32),
          // JSON: the names of the served tables, and the tables introspection found.
          c.text('tables'),
          c.text('introspection'),
          c.timestamp('introspected_at'),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_connections_workspace_id', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
        indices: [new TableIndex({ name: 'ux_cairn_connections_name', columnNames: ['workspace_id', 'name'], isUnique: true })],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_connections');
  }
}
