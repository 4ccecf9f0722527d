import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { AppError } from '../common/errors/app-error';
import { cairnVersion } from '../common/version';
import type { CliCommand, CliHost } from './cli-command';
import { CliError, EXIT } from './cli-errors';
import { addGlobalOptions } from './global-options';

const COMMANDS_DIR = join(__dirname, 'commands');

/**
 * The commands of commands/: every `<name>.command.js` file exports one as `command`. Found at start
 * rather than listed, so that adding a command is adding its file.
 */
export function loadCommands(dir = COMMANDS_DIR): CliCommand[] {
  const files = readdirSync(dir).filter((name) => name.endsWith('.command.js'));
  const commands = files.map((name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a command file found at run time
    const loaded = require(join(dir, name)) as { command?: CliCommand };
    if (!loaded.command) throw new Error(`${name} exports no \`command\`.`);
    return loaded.command;
  });
  return commands.sort((a, b) => a.order - b.order);
}

/** The `cairn` program with every command of commands/, its errors thrown rather than exiting. */
export function buildProgram(host: CliHost): Command {
  const program = new Command('cairn')
    .description("Cairn's command line: run the server, migrate, manage workspaces, schemas and data, back up and restore, and apply templates, on the database directly or through a running instance's API.")
    .version(cairnVersion(), '-V, --version')
    .showHelpAfterError('(add --help for the options)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  addGlobalOptions(program);
  for (const command of loadCommands()) command.register(program, host);
  // Subcommands stop on their own errors too, and show their help on a usage error.
  const harden = (command: Command) => {
    command.exitOverride().showHelpAfterError('(add --help for the options)');
    command.commands.forEach(harden);
  };
  program.commands.forEach(harden);
  return program;
}

/**
 * Runs the command line and answers the exit code: 0 done, 1 failed, 2 a usage error, 3 an account
 * that exists (see EXIT). A failure is one line on stderr, never a stack trace (but with --verbose).
 */
export async function runCli(argv: string[], host: CliHost): Promise<number | 'running'> {
  const program = buildProgram(host);
  let running = false;
  program.hook('preAction', (_, action) => {
    running = action.name() === 'start';
  });
  try {
    await program.parseAsync(argv);
    return running ? 'running' : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    const verbose = argv.includes('--verbose');
    process.stderr.write(`error: ${failureMessage(error, verbose)}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.failed;
  }
}

function failureMessage(error: unknown, verbose: boolean): string {
  if (error instanceof CliError || error instanceof AppError) return error.message;
  if (verbose && error instanceof Error && error.stack) return error.stack;
  return error instanceof Error ? error.message : String(error);
}
