// Runs every compiled test file with Node's test runner. `npm test` compiles the tests first.
// `--suite faults` runs the fault suite instead (test/faults/*.fault.ts: processes killed, databases and
// Redis stopped, instances restarted behind a proxy); `npm run test:faults` does that.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '.test-build', 'test');
const args = process.argv.slice(2);
const suiteFlag = args.indexOf('--suite');
const suite = suiteFlag === -1 ? 'tests' : args[suiteFlag + 1];
const only = suiteFlag === -1 ? args : args.filter((_, index) => index !== suiteFlag && index !== suiteFlag + 1);
const SUFFIX = { tests: '.test.js', faults: '.fault.js' }[suite];
if (!SUFFIX) {
  console.error(`Unknown suite "${suite}": use "tests" or "faults".`);
  process.exit(2);
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'support' ? [] : testFiles(path);
    return entry.name.endsWith(SUFFIX) ? [path] : [];
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
// The fault suite runs one file at a time: each stops servers and loads several instances, and its
// figures mean something only on an otherwise quiet machine.
const concurrency = suite === 'faults' ? 1 : Number(process.env.CAIRN_TEST_CONCURRENCY) || Math.min(2, availableParallelism());
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', `--test-timeout=${suite === 'faults' ? 600_000 : 180_000}`, `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
