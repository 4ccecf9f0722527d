import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cascadingKey, portableColumns } from '../column-types';

/**
 * Two-factor sign-in (TOTP factors, their recovery codes, the challenges between a password and a code),
 * mailed sign-in links, and each workspace's sign-in rules. A subject is named by its realm (`platform` or
 * `ws:<workspace id>`, as refresh tokens name it) and its id, so that accounts and app users share the tables.
 */
export class MfaAndMagicLinks1734100000000 implements MigrationInterface {
  name = 'MfaAndMagicLinks1734100000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    await runner.createTable(
      new Table({
        name: 'cairn_mfa_factors',
        columns: [
          c.id(),
          c.string('realm', 64),
          c.uuid('subject_id'),
          c.text('secret_ciphertext'),
          c.string('key_id', 16),
          c.timestamp('enabled_at', true),
          { ...c.integer('last_time_step'), isNullable: true },
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_cairn_mfa_factors_subject', columnNames: ['realm', 'subject_id'] }],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'cairn_mfa_recovery_codes',
        columns: [c.id(), c.uuid('factor_id'), c.string('code_hash', 64), c.timestamp('used_at', true), c.timestamp('created_at')],
        indices: [new TableIndex({ name: 'ix_cairn_mfa_recovery_codes_factor', columnNames: ['factor_id'] })],
        foreignKeys: [cascadingKey('cairn_mfa_recovery_codes', 'factor_id', 'cairn_mfa_factors')],
      }),
    );
    // A challenge counts the wrong codes given with it; a magic link has nothing to count.
    for (const [name, counted] of [['cairn_mfa_challenges', [c.integer('attempts')]], ['cairn_magic_links', []]] as const) {
      await runner.createTable(
        new Table({
          name,
          columns: [
            c.id(),
            c.string('realm', 64),
            c.uuid('subject_id'),
            c.string('token_hash', 64),
            ...counted,
            c.timestamp('expires_at'),
            c.timestamp('used_at', true),
            c.timestamp('created_at'),
          ],
          indices: [new TableIndex({ name: `ix_${name}_token`, columnNames: ['token_hash'] })],
        }),
      );
    }
    await runner.createTable(
      new Table({
        name: 'cairn_workspace_sign_in',
        columns: [
          { ...c.uuid('workspace_id'), isPrimary: true },
          c.boolean('require_mfa_members', false),
          c.boolean('require_mfa_app_users', false),
          c.boolean('app_user_magic_links', false),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_cairn_workspace_sign_in_workspace', columnNames: ['workspace_id'], referencedTableName: 'cairn_workspaces', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const name of ['cairn_workspace_sign_in', 'cairn_magic_links', 'cairn_mfa_challenges', 'cairn_mfa_recovery_codes', 'cairn_mfa_factors']) await runner.dropTable(name);
  }
}
