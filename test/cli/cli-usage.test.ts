import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/common/version';
import { runCli, shown } from '../support/cli';

/** Every command and subcommand of this branch; each answers --help. */
const COMMANDS = [[], ['start'], ['migrate'], ['admin'], ['admin', 'create'], ['workspace'], ['workspace', 'list'], ['workspace', 'create'], ['workspace', 'delete'], ['schema'], ['schema', 'export'], ['schema', 'diff'], ['schema', 'apply'], ['data'], ['data', 'export'], ['data', 'import']];

/** Runs at most `width` at a time: each run is a Node process loading Cairn. */
async function inBatches<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}

describe('the command line, without a database', () => {
  it('is the package\'s bin `cairn`, an executable script that runs the built entry', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(packageRoot(), manifest.bin.cairn);
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n[\s\S]*dist\/cli\.js/);
    assert.ok((statSync(bin).mode & 0o111) !== 0, 'executable');
  });

  it('answers --help on every command and subcommand, with exit code 0', async () => {
    const runs = await inBatches(COMMANDS, 4, (words) => runCli([...words, '--help']));
    runs.forEach((run, i) => {
      const words = COMMANDS[i];
      assert.equal(run.code, 0, shown(run));
      assert.match(run.stdout, new RegExp(`^Usage: cairn ${words.join(' ')}`.trimEnd()), shown(run));
      assert.match(run.stdout, /--url <url>/, 'the global options are shown');
    });
    const root = runs[0].stdout;
    for (const command of ['start', 'migrate', 'admin', 'workspace', 'schema', 'data']) assert.match(root, new RegExp(`\\n  ${command}\\b`), root);
  });

  it('says what is wrong with a usage error on stderr, with exit code 2', async () => {
    const [unknown, missing, choice, noSubcommand] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['schema', 'diff', '--file', 'x.json']),
      runCli(['data', 'export', 'posts', '-w', 'blog', '--format', 'xml']),
      runCli(['workspace']),
    ]);
    assert.equal(unknown.code, 2, shown(unknown));
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    assert.equal(missing.code, 2, shown(missing));
    assert.match(missing.stderr, /required option '-w, --workspace <workspace>' not specified/);
    assert.equal(choice.code, 2, shown(choice));
    assert.match(choice.stderr, /argument 'xml' is invalid.*csv, json/);
    assert.equal(noSubcommand.code, 2, shown(noSubcommand));
    assert.match(noSubcommand.stderr, /Usage: cairn workspace/);
    for (const run of [unknown, missing, choice, noSubcommand]) assert.equal(run.stdout, '', 'nothing on stdout');
  });

  it('refuses direct-only commands in API mode, with exit code 2', async () => {
    const [migrate, admin] = await Promise.all([
      runCli(['migrate', '--url', 'http://127.0.0.1:9']),
      runCli(['admin', 'create', '--email', 'ada@example.com', '--password', 'correct-horse-battery'], { CAIRN_URL: 'http://127.0.0.1:9' }),
    ]);
    assert.equal(migrate.code, 2, shown(migrate));
    assert.match(migrate.stderr, /migrate works on the database directly, not through the API/);
    assert.equal(admin.code, 2, shown(admin));
    assert.match(admin.stderr, /admin create works on the database directly/);
  });

  it('names an API it cannot reach, without a stack trace', async () => {
    const run = await runCli(['workspace', 'list', '--url', 'http://127.0.0.1:9']);
    assert.equal(run.code, 1, shown(run));
    assert.match(run.stderr, /^using the API at http:\/\/127\.0\.0\.1:9\/api\/v1\n/);
    assert.match(run.stderr, /error: Could not reach the API at http:\/\/127\.0\.0\.1:9\/api\/v1/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('refuses an invalid configuration with its message, exit code 1', async () => {
    const run = await runCli(['workspace', 'list'], { DATABASE_URL: 'oracle://nowhere' });
    assert.equal(run.code, 1, shown(run));
    assert.match(run.stderr, /DATABASE_URL must start with sqlite:/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});
