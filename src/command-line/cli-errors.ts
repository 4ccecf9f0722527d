/**
 * The exit codes of the command line, a closed set that scripts can rely on (docs/cli.md lists them).
 * Usage is commander's own errors and refusals that a flag would lift (`--yes`).
 */
export const EXIT = {
  ok: 0,
  /** The command failed: a refusal of the API or the services, an unreachable database, a file that cannot be read. */
  failed: 1,
  /** The command line itself is wrong: an unknown option, a missing argument, a confirmation that no terminal can give. */
  usage: 2,
  /** `admin create` found an account with that email (and `--if-not-exists` was not given). */
  exists: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the command line reports as one clear line on stderr, then exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake in how the command was called (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}
