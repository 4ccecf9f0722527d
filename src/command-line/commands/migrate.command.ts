import { mkdirSync } from 'node:fs';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { sqliteDirectory } from '../../config/sections/database';
import type { CliCommand } from '../cli-command';
import { CliError, usageError } from '../cli-errors';
import { cliConfig } from '../connection';
import { describeDatabase } from '../database-name';
import { globalOptions } from '../global-options';
import { Output } from '../output';

/**
 * `cairn migrate`: Cairn's own migrations (its system tables, and the tables of user collections made by
 * earlier versions), the ones the server runs at start, run on their own: before a deployment starts
 * its instances, say. Never a workspace's schema: that is `schema apply`.
 */
export const command: CliCommand = {
  order: 20,
  register(program) {
    program
      .command('migrate')
      .description("Run Cairn's pending system migrations on the configured database (direct mode only), as the server does at start.")
      .option('--dry-run', 'list the pending migrations without running them')
      .addHelpText('after', '\nExamples:\n  DATABASE_URL=postgres://cairn@db/cairn cairn migrate\n  cairn migrate --dry-run --json')
      .action(async (options: { dryRun?: boolean }, cmd) => {
        const globals = globalOptions(cmd);
        if (globals.url !== undefined) throw usageError('migrate works on the database directly, not through the API: leave out --url (and CAIRN_URL).');
        const output = new Output(globals.json);
        const config = cliConfig();
        output.note(`using the database ${describeDatabase(config.database)}`);
        const directory = sqliteDirectory(config.database);
        if (directory) mkdirSync(directory, { recursive: true });
        // TypeORM and the migrations are loaded here: --help needs neither.
        const [{ DataSource }, { dataSourceOptions }, { PLATFORM_MIGRATIONS }, { USER_TABLE_MIGRATIONS }] = await Promise.all([
          import('typeorm'),
          import('../../common/database/data-source-options'),
          import('../../common/database/migrations'),
          import('../../modules/schema/migrations'),
        ]);
        const sourceOptions: DataSourceOptions = { ...dataSourceOptions(config.database, [], [...PLATFORM_MIGRATIONS, ...USER_TABLE_MIGRATIONS]), migrationsRun: false };
        const dataSource = new DataSource(sourceOptions);
        try {
          await dataSource.initialize();
        } catch (error) {
          throw new CliError(`Could not open the database ${describeDatabase(config.database)}: ${error instanceof Error ? error.message : String(error)}`);
        }
        try {
          if (options.dryRun) {
            const pending = await pendingMigrations(dataSource);
            output.result({ pending }, ({ pending: names }) => (names.length === 0 ? 'The database is up to date: no migration is pending.' : `${names.length} pending migration(s):\n${names.map((name) => `  ${name}`).join('\n')}`));
            return;
          }
          // In one transaction, as the server runs them at start (where the database's DDL allows it).
          const applied = (await dataSource.runMigrations()).map((migration) => migration.name);
          output.result({ applied }, ({ applied: names }) => (names.length === 0 ? 'The database is up to date: no migration was pending.' : `Applied ${names.length} migration(s):\n${names.map((name) => `  ${name}`).join('\n')}`));
        } finally {
          await dataSource.destroy();
        }
      });
  },
};

/** The migrations the database has not recorded as run, in the order they would run. */
async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const { MIGRATIONS_TABLE } = await import('../../common/database/data-source-options');
  const runner = dataSource.createQueryRunner();
  try {
    const executed = new Set<string>();
    if (await runner.hasTable(MIGRATIONS_TABLE)) {
      const rows: Array<{ name: string }> = await runner.query(`SELECT ${quote(dataSource, 'name')} AS name FROM ${quote(dataSource, MIGRATIONS_TABLE)}`);
      for (const row of rows) executed.add(row.name);
    }
    // In the order TypeORM runs them: by the timestamp that ends their names.
    const stamp = (name: string) => Number(/(\d{13})$/.exec(name)?.[1] ?? 0);
    return dataSource.migrations
      .map((migration) => migration.name ?? migration.constructor.name)
      .filter((name) => !executed.has(name))
      .sort((a, b) => stamp(a) - stamp(b));
  } finally {
    await runner.release();
  }
}

function quote(dataSource: DataSource, name: string): string {
  return dataSource.driver.escape(name);
}
