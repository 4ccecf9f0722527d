import { createInterface } from 'node:readline/promises';
import { CliError, usageError } from './cli-errors';

/**
 * Asks before a change that cannot be undone. `--yes` answers for the person; without it, a terminal is
 * needed to ask on, so in CI (no TTY) the change is refused with exit 2 rather than made unasked.
 */
export async function confirm(question: string, options: { yes: boolean; refusal: string }): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw usageError(`${options.refusal}: pass --yes to confirm (there is no terminal to ask on).`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('Cancelled: nothing was changed.');
  } finally {
    prompt.close();
  }
}
