import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp, startApp, testEnvironment } from './app';
import { createTestDatabase, selectedDatabases, TestDatabase } from './databases';
import { Account, newAccount } from './factories';

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

/** A suite of the command line in direct mode: its own database and directory, the CLI's environment pointing at both. */
export interface DirectCli {
  kind: DatabaseKind;
  db: TestDatabase;
  /** Removed after the suite; the data directory (DATA_DIR) is its `data`. */
  dir: string;
  env: Record<string, string>;
  cairn(...args: string[]): Promise<CliRun>;
  /** Writes a file in the suite's directory and answers its path. */
  file(name: string, content: string): string;
  /** Runs work against a server started on the suite's database and data directory, closed after (the command line needs none). */
  withApp<T>(work: (app: RunningApp) => Promise<T>): Promise<T>;
}

/**
 * Declares a suite per selected database for the command line in direct mode, on a new database and
 * directory; `prepare` makes the database ready through the server itself (migrated, with accounts and
 * workspaces), as a real installation would be before someone runs the command line on it.
 */
export function describeDirectCli(title: string, body: (cli: DirectCli) => void, prepare?: (app: RunningApp) => Promise<void>): void {
  for (const kind of selectedDatabases()) {
    describe(`the command line in direct mode: ${title} [${kind}]`, () => {
      const cli = { kind } as DirectCli;
      cli.cairn = (...args) => runCli(args, cli.env);
      cli.file = (name, content) => {
        writeFileSync(join(cli.dir, name), content);
        return join(cli.dir, name);
      };
      cli.withApp = async (work) => {
        const app = await startApp(cli.db.url, { DATA_DIR: join(cli.dir, 'data') });
        try {
          return await work(app);
        } finally {
          await app.close();
        }
      };
      before(async () => {
        cli.db = await createTestDatabase(kind);
        cli.dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
        cli.env = testEnvironment(cli.db.url, { DATA_DIR: join(cli.dir, 'data') });
        if (prepare) await cli.withApp(prepare);
      });
      after(async () => {
        await cli.db?.drop();
        if (cli.dir) rmSync(cli.dir, { recursive: true, force: true });
      });
      body(cli);
    });
  }
}

/** Readies a database as its first user would: a superadmin (the first account) owning the workspace "blog". */
export async function superadminWithBlog(app: RunningApp): Promise<Account> {
  const admin = await newAccount(app.api, 'admin');
  const created = await app.api.post('/api/v1/workspaces', { name: 'The Blog', slug: 'blog' }, { token: admin.accessToken });
  assert.equal(created.status, 201, created.text);
  return admin;
}
