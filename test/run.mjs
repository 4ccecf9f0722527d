// Runs every compiled test file with Node's test runner. `npm test` compiles the tests first.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '.test-build', 'test');
const only = process.argv.slice(2);

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'support' ? [] : testFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = testFiles(root)
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();
if (files.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}
// Test files that run at once. Each file makes its own databases, ports, data directories and Redis
// prefixes, so files run side by side; most of a file's time is spent waiting on the databases, and two
// at a time keep a two-core machine busy. CAIRN_TEST_CONCURRENCY=1 runs them one after another.
const concurrency = Number(process.env.CAIRN_TEST_CONCURRENCY) || Math.min(2, availableParallelism());
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', '--test-timeout=180000', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
