// Prints the size of every JavaScript and CSS file of the build and fails (exit 1) when the JavaScript a
// first visit loads — the entry chunk and the chunks it imports statically — is over the budget gzipped.
// Lazy chunks (each screen) are listed but do not count: they load when their screen opens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 250 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

const gzipped = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
if (!entry) throw new Error('The build manifest has no entry chunk.');
const initial = new Set();
const visit = (chunk) => {
  if (initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const css of chunk.css ?? []) initial.add(css);
  for (const key of chunk.imports ?? []) visit(manifest[key]);
};
visit(entry);

const rows = Object.values(manifest)
  .flatMap((chunk) => [chunk.file, ...(chunk.css ?? [])])
  .filter((file, index, all) => all.indexOf(file) === index && /\.(js|css)$/.test(file))
  .map((file) => ({ file, size: readFileSync(join(dist, file)).length, gzip: gzipped(file), initial: initial.has(file) }))
  .sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzip - a.gzip);

console.log('Cairn Studio bundle (gzip level 9):');
for (const row of rows) console.log(`  ${row.initial ? 'initial' : 'lazy   '}  ${kb(row.gzip).padStart(9)}  ${kb(row.size).padStart(9)} raw  ${row.file}`);
const initialJs = rows.filter((row) => row.initial && row.file.endsWith('.js')).reduce((sum, row) => sum + row.gzip, 0);
console.log(`Initial JavaScript: ${kb(initialJs)} gzipped of a ${kb(BUDGET_BYTES)} budget.`);
if (initialJs > BUDGET_BYTES) {
  console.error(`The initial JavaScript is over the budget by ${kb(initialJs - BUDGET_BYTES)}: move code into a lazy screen.`);
  process.exit(1);
}
