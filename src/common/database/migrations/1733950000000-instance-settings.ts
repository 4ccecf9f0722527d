import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { portableColumns } from '../column-types';

/** Settings of the instance its superadmin changed through the API, overriding the environment's defaults. */
export class InstanceSettings1733950000000 implements MigrationInterface {
  name = 'InstanceSettings1733950000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_instance_settings',
        columns: [{ ...c.string('setting_key', 64), isPrimary: true }, c.text('value'), c.uuid('updated_by', true), c.timestamp('updated_at')],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_instance_settings');
  }
}
