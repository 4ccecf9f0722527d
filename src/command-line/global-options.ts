import { Command, Option } from 'commander';

/** The options every command takes, given before or after the command's name. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json: boolean;
  verbose: boolean;
  as?: string;
}

/**
 * Adds the global options to the program. `--url` and `--token` fall back to CAIRN_URL and CAIRN_TOKEN:
 * they are the command line's own settings, not the server's configuration.
 */
export function addGlobalOptions(program: Command): void {
  program
    .addOption(new Option('--url <url>', "API mode: the address of a running instance (its API is at <url>/api/v1)").env('CAIRN_URL'))
    .addOption(new Option('--token <token>', "API mode: an access token or a workspace API key, sent as a bearer token").env('CAIRN_TOKEN'))
    .addOption(new Option('--as <email>', 'direct mode: the superadmin account to act as (default: the oldest active superadmin)'))
    .option('--json', 'print the answer as JSON on stdout, for scripts')
    .option('--verbose', "direct mode: print the server's log (at LOG_LEVEL) on stderr, and a failure's stack");
}

export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Partial<GlobalOptions>>();
  return { ...options, json: options.json === true, verbose: options.verbose === true };
}
