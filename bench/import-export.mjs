// node bench/import-export.mjs: import and export of 100,000 items through Cairn's file routes.
//
// Makes a fresh database, starts Cairn (dist/main.js; `npm run build` first), imports a generated CSV of
// BENCH_ROWS rows with POST /items/{c}/import, then exports them with GET /items/{c}?export=csv and
// ?export=json, reading each download as it streams. Cairn's resident memory (RSS) is sampled from
// /proc every 50 ms meanwhile. Prints rows per second and the RSS before and at its highest; always
// stops Cairn and drops the database. Targets: import ≥ 5,000 rows/s, export ≥ 20,000 rows/s with RSS
// flat (it must not grow with the rows: the server holds one batch at a time). See bench/README.md.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { call, runBench, sleep, startCairn } from './cairn.mjs';
import { createBenchDatabase, DATABASE_KINDS, DEFAULT_ADMIN_URLS } from './db.mjs';

const KIND = process.env.BENCH_DATABASE || 'postgres';
const ROWS = Number(process.env.BENCH_ROWS || 100_000);
const TARGETS = { import: 5_000, export: 20_000 };
/** RSS growth during an export above this is not "flat": 100,000 rows as JSON are about 20 MB. */
const FLAT_MB = 48;
if (!DATABASE_KINDS.includes(KIND)) throw new Error(`BENCH_DATABASE must be one of ${DATABASE_KINDS.join(', ')}`);
if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error('BENCH_ROWS must be a positive integer');

const log = (message) => process.stdout.write(`${message}\n`);
const cleanups = [];

/** The resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** Samples a process's RSS every 50 ms until stopped; answers the highest seen. */
function sampleRss(pid) {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process is gone: the run fails elsewhere
    }
  }, 50);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMb(pid));
  };
}

/** A CSV of `rows` items of every common field type, quoting included. */
function generateCsv(rows) {
  const lines = ['name,kind,price,stock,active,details,note'];
  for (let i = 1; i <= rows; i++) {
    lines.push(`item ${i},${i % 3 === 0 ? 'b' : 'a'},${(i % 1000) / 4},${i},${i % 2 === 0},"{""n"":${i},""tags"":[""x""]}","note ${i}, with a comma"`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Reads a download as it streams; answers its byte count and its number of lines. */
async function drainDownload(response) {
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  return { bytes, lines };
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-io-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createBenchDatabase(KIND, process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URLS[KIND], dir);
  cleanups.push(() => database.drop());
  const admin = { email: 'bench@example.com', password: randomBytes(12).toString('base64url') };
  const cairn = await startCairn(database.cairnUrl, dir, admin, cleanups, { FILES_MAX_SIZE: '1gb' });
  const token = (await call(cairn.baseUrl, 'POST', '/api/v1/auth/login', null, admin)).data.access_token;
  await call(cairn.baseUrl, 'POST', '/api/v1/workspaces', token, { name: 'Bench', slug: 'bench' });
  const ws = '/api/v1/w/bench';
  await call(cairn.baseUrl, 'POST', `${ws}/collections`, token, {
    collection: 'records',
    fields: [
      { field: 'name', type: 'string', required: true },
      { field: 'kind', type: 'enum', values: ['a', 'b'] },
      { field: 'price', type: 'decimal', precision: 10, scale: 2 },
      { field: 'stock', type: 'integer' },
      { field: 'active', type: 'boolean' },
      { field: 'details', type: 'json' },
      { field: 'note', type: 'text' },
    ],
  });
  const csv = generateCsv(ROWS);
  log(`${KIND}: ${ROWS} rows, a ${(csv.length / 1024 / 1024).toFixed(1)} MB CSV`);

  const pid = cairn.child.pid;
  const idle = rssMb(pid);
  let stop = sampleRss(pid);
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'rows.csv');
  let started = performance.now();
  const imported = await call(cairn.baseUrl, 'POST', `${ws}/items/records/import`, token, form);
  let seconds = (performance.now() - started) / 1000;
  const importPeak = stop();
  if (imported.data.rows !== ROWS) throw new Error(`the import answered ${JSON.stringify(imported.data)}`);
  const results = [{ step: 'import csv', rows: ROWS, seconds, rate: ROWS / seconds, target: TARGETS.import, before: idle, peak: importPeak }];

  // The third is sorted by a field other than the key: its batches are read by offset, not keyset.
  for (const [format, sort] of [['csv', ''], ['json', ''], ['csv', '-stock']]) {
    // The settled RSS before the export: what is left over from the import is not the export's.
    await sleep(1000);
    const before = rssMb(pid);
    stop = sampleRss(pid);
    started = performance.now();
    const response = await fetch(`${cairn.baseUrl}${ws}/items/records?export=${format}${sort ? `&sort=${sort}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`export ${format} answered ${response.status}: ${await response.text()}`);
    const { bytes, lines } = await drainDownload(response);
    seconds = (performance.now() - started) / 1000;
    const peak = stop();
    // CSV: a header and one line per row; JSON: `[`, one line per row, `]`.
    const rows = lines - (format === 'csv' ? 1 : 2);
    if (rows !== ROWS) throw new Error(`export ${format} had ${rows} rows`);
    results.push({ step: `export ${format}${sort ? ' sorted' : ''}`, rows, seconds, rate: rows / seconds, target: TARGETS.export, before, peak, mb: bytes / 1024 / 1024 });
  }

  log('');
  log('step               rows     seconds  rows/s   target   RSS before → peak (MB)');
  for (const r of results) {
    const flat = r.step.startsWith('export') ? (r.peak - r.before <= FLAT_MB ? ' flat' : ` NOT flat (> ${FLAT_MB} MB growth)`) : '';
    log(
      `${r.step.padEnd(18)} ${String(r.rows).padEnd(8)} ${r.seconds.toFixed(2).padEnd(8)} ${Math.round(r.rate).toString().padEnd(8)} ${(r.rate >= r.target ? '≥ ' : '< ') + r.target}`.padEnd(58) +
        `${r.before.toFixed(0)} → ${r.peak.toFixed(0)}${flat}`,
    );
  }
  log(`cpu: ${os.cpus().length} cores, load average ${os.loadavg().map((n) => n.toFixed(1)).join(' ')} (other programs' work shows here)`);
}

await runBench(main, cleanups);
