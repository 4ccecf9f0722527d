import type { Command } from 'commander';
import type { AppConfig } from '../config/app-config';
import { ConfigError, loadConfig } from '../config/load-config';
import { ApiClient } from './api-client';
import type { CliHost } from './cli-command';
import { CliError, usageError } from './cli-errors';
import { describeDatabase } from './database-name';
import type { DirectConnection } from './direct-connection';
import { globalOptions } from './global-options';
import { Output } from './output';

/** Where a command acts: Cairn's services on the configured database, or a running instance's API. */
export type Connection = { mode: 'direct'; direct: DirectConnection } | { mode: 'api'; api: ApiClient };

/**
 * Runs a command's work on the connection the options ask for: API mode when a URL is given (--url or
 * CAIRN_URL), direct mode otherwise. Says which on stderr first, and closes the connection after.
 * `directOnly` commands refuse a URL (exit 2).
 */
export async function withConnection(command: Command, host: CliHost, work: (connection: Connection, output: Output) => Promise<void>, options: { directOnly?: string } = {}): Promise<void> {
  const globals = globalOptions(command);
  const output = new Output(globals.json);
  if (globals.url !== undefined) {
    if (options.directOnly) throw usageError(`${options.directOnly} works on the database directly, not through the API: leave out --url (and CAIRN_URL).`);
    if (globals.as !== undefined) throw usageError('--as is for direct mode; in API mode the token says who acts.');
    const api = new ApiClient(globals.url, globals.token);
    output.note(`using the API at ${api.apiUrl}`);
    await work({ mode: 'api', api }, output);
    return;
  }
  const config = cliConfig();
  output.note(`using the database ${describeDatabase(config.database)}`);
  // Loaded here, with the application behind it: API mode and --help never need it.
  const { DirectConnection } = await import('./direct-connection');
  const direct = await DirectConnection.open(host.appModule, config, { verbose: globals.verbose, actorEmail: globals.as });
  try {
    await work({ mode: 'direct', direct }, output);
  } finally {
    await direct.close();
  }
}

/**
 * The server's configuration, read from the environment as the server reads it, for a process that
 * runs no background work: the flow runner and the webhook dispatcher stay off (the server's pick up
 * what a command leaves them), and no account is made from CAIRN_ADMIN_EMAIL (that is `admin create`'s).
 */
export function cliConfig(): AppConfig {
  try {
    return loadConfig({ ...process.env, FLOWS_RUN: 'false', WEBHOOK_DISPATCH: 'false', CAIRN_ADMIN_EMAIL: '', CAIRN_ADMIN_PASSWORD: '' });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}
