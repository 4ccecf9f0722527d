import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { portableColumns } from '../column-types';

/** App roles (beyond the built-in `public` and `authenticated`) and the policies that grant them access. */
export class Policies1732500000000 implements MigrationInterface {
  name = 'Policies1732500000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    const workspaceKey = (table: string) =>
      new TableForeignKey({ name: `fk_${table}_workspace`, columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' });

    await runner.createTable(
      new Table({
        name: 'cairn_app_roles',
        columns: [c.id(), c.uuid('workspace_id'), c.string('name', 64), c.text('description', true), c.timestamp('created_at'), c.timestamp('updated_at')],
        uniques: [{ name: 'uq_cairn_app_roles_name', columnNames: ['workspace_id', 'name'] }],
        foreignKeys: [workspaceKey('cairn_app_roles')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_policies',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('role', 64),
          c.string('collection', 64),
          c.string('action', 16),
          // JSON documents: the row filter, the field list, validation rules and presets.
          c.text('filter', true),
          c.text('fields'),
          c.text('validation', true),
          c.text('presets', true),
          c.boolean('require_verified_email', false),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_cairn_policies_rule', columnNames: ['workspace_id', 'role', 'collection', 'action'] }],
        foreignKeys: [workspaceKey('cairn_policies')],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_policies');
    await runner.dropTable('cairn_app_roles');
  }
}
