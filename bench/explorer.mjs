// node bench/explorer.mjs (npm run bench:explorer): Cairn Studio's data explorer on a 100,000-row collection.
//
// Per database of BENCH_DATABASES (default sqlite; a comma list of sqlite, postgres, mysql): makes a fresh
// database, starts Cairn (dist/main.js and console/dist; `npm run build` first), makes a collection of seven
// fields through the API and imports BENCH_ROWS rows (default 100,000) with POST /items/{c}/import, as a
// user would: no SQL, no index the user did not ask for (none here). Then drives Debian's Chromium
// (CAIRN_TEST_CHROMIUM, default /usr/bin/chromium) with playwright-core, signed in as the superadmin:
//
//   navigation → first page   a full page load of the explorer's address until the first row shows its
//                             data, read from the page's own clock (ms since navigation start); the first
//                             load and BENCH_RUNS more (default 5), each a new page load followed by
//                             a sort and a filter; medians and worsts are printed
//   sort (header click)       click on a column's header until row 1 shows the first row of the new order
//                             (known from the API beforehand); ascending then descending, on a column
//                             without an index
//   filter change             click on "Apply filter" in the builder until row 1 and the count are those of
//                             the filtered result
//   rows in the DOM           the grid's rows present, at the top and scrolled to the middle
//
// Each interaction is timed inside the page, from the click to the frame that shows the result. Targets:
// first page ≤ 1,000 ms, sort and filter ≤ 500 ms, ≤ 100 rows in the DOM. Prints a table with the load
// average (the machine may be shared) and writes bench/results/explorer-<commit>.json.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { call, ROOT, runBench, startCairn } from './cairn.mjs';
import { createBenchDatabase, DATABASE_KINDS, DEFAULT_ADMIN_URLS } from './db.mjs';

const KINDS = (process.env.BENCH_DATABASES || 'sqlite').split(',').map((k) => k.trim()).filter(Boolean);
const ROWS = Number(process.env.BENCH_ROWS || 100_000);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const CHROMIUM = process.env.CAIRN_TEST_CHROMIUM || '/usr/bin/chromium';
const TARGETS = { navigation: 1000, sort: 500, filter: 500, rows: 100 };
const ADMIN_URLS = { ...DEFAULT_ADMIN_URLS, ...(process.env.BENCH_POSTGRES_URL ? { postgres: process.env.BENCH_POSTGRES_URL } : {}), ...(process.env.BENCH_MYSQL_URL ? { mysql: process.env.BENCH_MYSQL_URL } : {}) };
for (const kind of KINDS) if (!DATABASE_KINDS.includes(kind)) throw new Error(`BENCH_DATABASES: ${kind} is not one of ${DATABASE_KINDS.join(', ')}`);
if (!Number.isInteger(ROWS) || ROWS < 1000) throw new Error('BENCH_ROWS must be an integer of at least 1000');
if (!existsSync(join(ROOT, 'console', 'dist', 'index.html'))) throw new Error('console/dist is missing: run npm run build first');
if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install chromium)`);

const log = (message) => process.stdout.write(`${message}\n`);
const cleanups = [];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const stats = (runs) => ({ median: median(runs), worst: Math.max(...runs), runs });

const FIELDS = [
  { field: 'name', type: 'string', required: true },
  { field: 'kind', type: 'enum', values: ['a', 'b', 'c'] },
  { field: 'price', type: 'decimal', precision: 10, scale: 2 },
  { field: 'stock', type: 'integer' },
  { field: 'active', type: 'boolean' },
  { field: 'happened_on', type: 'date' },
  { field: 'note', type: 'text' },
];

/** Deterministic rows; `stock` is a permutation of 0..rows-1, so sorting by it reorders everything. */
function generateCsv(rows) {
  const lines = ['name,kind,price,stock,active,happened_on,note'];
  for (let i = 1; i <= rows; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + (i % 2000) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`item ${i},${'abc'[i % 3]},${((i * 37) % 100_000) / 100},${(i * 7919) % rows},${i % 2 === 0},${day},"note ${i}, with a comma"`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** In the page: runs `action` (a click), then answers the ms until a frame where `ready()` holds. */
async function timed(page, action, ready, arg) {
  return page.evaluate(
    ([actionSource, readySource, value]) =>
      new Promise((resolve, reject) => {
        const act = new Function('arg', actionSource);
        const done = new Function('arg', readySource);
        const started = performance.now();
        act(value);
        const poll = () => {
          if (done(value)) resolve(performance.now() - started);
          else if (performance.now() - started > 30_000) reject(new Error(`not ready after 30 s: ${readySource}`));
          else requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      }),
    [action, ready, arg],
  );
}

/** Page-side source: the text of row `arg.row`'s id cell (the second cell: the first is the selection). */
const ROW_ID = `const cell = document.querySelector('[role=row][aria-rowindex="' + (arg.row + 2) + '"] [role=gridcell]:nth-child(2)');`;
const FIRST_ROW_IS = `${ROW_ID} return cell !== null && cell.textContent === String(arg.id);`;
const DOM_ROWS = `document.querySelectorAll('[role=grid] [role=row]').length - 1`;

async function benchDatabase(kind) {
  const dir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-explorer-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createBenchDatabase(kind, ADMIN_URLS[kind], dir);
  cleanups.push(() => database.drop());
  const admin = { email: 'bench@example.com', password: randomBytes(12).toString('base64url') };
  const cairn = await startCairn(database.cairnUrl, dir, admin, cleanups, { FILES_MAX_SIZE: '1gb' });
  const base = cairn.baseUrl;
  const token = (await call(base, 'POST', '/api/v1/auth/login', null, admin)).data.access_token;
  await call(base, 'POST', '/api/v1/workspaces', token, { name: 'Bench', slug: 'bench' });
  const ws = '/api/v1/w/bench';
  await call(base, 'POST', `${ws}/collections`, token, { collection: 'records', fields: FIELDS });
  const form = new FormData();
  form.append('file', new Blob([generateCsv(ROWS)], { type: 'text/csv' }), 'records.csv');
  let started = performance.now();
  const imported = await call(base, 'POST', `${ws}/items/records/import`, token, form);
  if (imported.data.rows !== ROWS) throw new Error(`the import answered ${JSON.stringify(imported.data)}`);
  log(`${kind}: ${ROWS.toLocaleString('en')} rows imported in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const firstId = async (query) => (await call(base, 'GET', `${ws}/items/records?fields=id&limit=1&${query}`, token)).data[0].id;
  const filter = JSON.stringify({ kind: { _eq: 'c' } });
  const expected = {
    unsorted: await firstId(''),
    ascending: await firstId('sort=stock'),
    descending: await firstId('sort=-stock'),
    filtered: await firstId(`sort=-stock&filter=${encodeURIComponent(filter)}`),
    filteredCount: (await call(base, 'GET', `${ws}/items/records?limit=1&fields=id&meta=filter_count&filter=${encodeURIComponent(filter)}`, token)).meta.filter_count,
  };

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanups.push(() => browser.close());
  // The measuring code is handed to the page as text, which the console's CSP (no eval) would refuse.
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/admin/sign-in`);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/(workspaces|w\/)/);

  // Rounds of: a full load of the explorer's address (the page's clock starts at navigation start), a
  // sort ascending and descending, a filter. Each round starts from a new page load, so no answer comes
  // from the console's cache of an earlier round.
  const explorer = `${base}/admin/w/bench/collections/records`;
  const clickSort = `[...document.querySelectorAll('[role=columnheader] button')].find((b) => b.textContent.startsWith('stock')).click();`;
  const countText = `${Number(expected.filteredCount).toLocaleString('en')} of ${ROWS.toLocaleString('en')} items`;
  const navigations = [];
  const ascending = [];
  const descending = [];
  const filters = [];
  let rowsAtTop = 0;
  for (let run = 0; run <= RUNS; run++) {
    await page.goto(explorer, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(`(() => { const arg = { row: 0, id: ${JSON.stringify(expected.unsorted)} }; ${FIRST_ROW_IS} })() && performance.now()`, undefined, { polling: 'raf', timeout: 30_000 });
    navigations.push(await handle.jsonValue());
    rowsAtTop = Math.max(rowsAtTop, await page.evaluate(DOM_ROWS));
    // The first round is the cold one (the explorer's code not yet cached); only navigation counts it.
    if (run === 0) continue;
    // A column without an index: ascending, then descending.
    ascending.push(await timed(page, clickSort, FIRST_ROW_IS, { row: 0, id: expected.ascending }));
    descending.push(await timed(page, clickSort, FIRST_ROW_IS, { row: 0, id: expected.descending }));
    // A filter from the builder, on the descending sort; the clock starts at "Apply filter".
    await page.getByRole('button', { name: /^Filter/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Add condition' }).click();
    await dialog.getByLabel('Field 1').fill('kind');
    await dialog.getByLabel('Value 1').fill('c');
    filters.push(
      await timed(
        page,
        `[...document.querySelectorAll('[role=dialog] button')].find((b) => b.textContent === 'Apply filter').click();`,
        `${ROW_ID} return cell !== null && cell.textContent === String(arg.id) && document.body.textContent.includes(arg.count);`,
        { row: 0, id: expected.filtered, count: countText },
      ),
    );
  }

  // Scrolled to the middle: the rows there arrive (a deep offset) and the DOM keeps a window of them.
  await page.goto(explorer);
  await page.waitForFunction(`(() => { const arg = { row: 0, id: ${JSON.stringify(expected.unsorted)} }; ${FIRST_ROW_IS} })()`, undefined, { polling: 'raf', timeout: 30_000 });
  const middle = Math.floor(ROWS / 2);
  const scroll = await timed(
    page,
    `const grid = document.querySelector('.grid-wrap'); grid.scrollTop = arg.row * 36 - grid.clientHeight / 2;`,
    `const row = document.querySelector('[role=row][aria-rowindex="' + (arg.row + 2) + '"] [role=gridcell]:nth-child(2)'); return row !== null && row.textContent !== '…';`,
    { row: middle },
  );
  const rowsInMiddle = await page.evaluate(DOM_ROWS);
  await browser.close();
  if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
  return {
    database: kind,
    rows: ROWS,
    navigation: { first: navigations[0], ...stats(navigations.slice(1)) },
    sort_ascending: stats(ascending),
    sort_descending: stats(descending),
    filter: stats(filters),
    scroll_to_middle: scroll,
    dom_rows: { top: rowsAtTop, middle: rowsInMiddle },
  };
}

function report(results) {
  const verdict = (value, target) => (value <= target ? 'ok' : 'MISSED');
  const line = (step, value, target, unit = 'ms') => log(`${step.padEnd(40)} ${(unit === 'ms' ? value.toFixed(0) : String(value)).padStart(8)} ${unit.padEnd(4)} ${target === null ? '' : `≤ ${target}`.padEnd(8)} ${target === null ? '' : verdict(value, target)}`);
  for (const r of results) {
    log('');
    log(`${r.database}, ${r.rows.toLocaleString('en')} rows`);
    const n = r.navigation.runs.length;
    line('navigation → first page, cold', r.navigation.first, TARGETS.navigation);
    line(`navigation → first page, median of ${n}`, r.navigation.median, TARGETS.navigation);
    line(`navigation → first page, worst of ${n}`, r.navigation.worst, TARGETS.navigation);
    line(`sort ascending, median of ${n}`, r.sort_ascending.median, TARGETS.sort);
    line(`sort descending, median of ${n}`, r.sort_descending.median, TARGETS.sort);
    line(`sort, worst of ${2 * n}`, Math.max(r.sort_ascending.worst, r.sort_descending.worst), TARGETS.sort);
    line(`filter change, median of ${n}`, r.filter.median, TARGETS.filter);
    line(`filter change, worst of ${n}`, r.filter.worst, TARGETS.filter);
    line('scroll to the middle', r.scroll_to_middle, null);
    line('rows in the DOM, top', r.dom_rows.top, TARGETS.rows, 'rows');
    line('rows in the DOM, middle', r.dom_rows.middle, TARGETS.rows, 'rows');
  }
}

async function main() {
  const results = [];
  for (const kind of KINDS) {
    results.push(await benchDatabase(kind));
    while (cleanups.length > 0) await Promise.resolve().then(cleanups.pop()).catch((error) => process.stderr.write(`bench: cleanup failed: ${error?.message ?? error}\n`));
  }
  report(results);
  const load = os.loadavg();
  log(`cpu: ${os.cpus().length} cores, load average ${load.map((n) => n.toFixed(2)).join(' ')} (other programs' work shows here)`);
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `explorer-${commit}.json`);
  writeFileSync(file, `${JSON.stringify({ commit, date: new Date().toISOString(), cpus: os.cpus().length, loadavg: load, targets: TARGETS, results }, null, 2)}\n`);
  log(`written: bench/results/explorer-${commit}.json`);
}

await runBench(main, cleanups);
