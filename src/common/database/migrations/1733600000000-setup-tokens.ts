import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { portableColumns } from '../column-types';

/** The hashes of the one-time tokens that let the first (superadmin) account of an instance register. */
export class SetupTokens1733600000000 implements MigrationInterface {
  name = 'SetupTokens1733600000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_setup_tokens',
        columns: [{ ...c.string('token_hash', 64), isPrimary: true }, c.timestamp('created_at')],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_setup_tokens');
  }
}
