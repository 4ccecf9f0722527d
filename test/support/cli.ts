import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built command line: the test build's entry, which bin/cairn.mjs runs from dist/ in a release. */
const CLI_ENTRY = join(__dirname, '..', '..', 'src', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cairn <args>` as a child process with exactly the environment given (and PATH), stdin closed,
 * as a script in CI would; answers its exit code and what it wrote. Asynchronous, so that an app started
 * in this process serves the command's API calls meanwhile.
 */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** A run's output for an assertion's message. */
export function shown(run: CliRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
