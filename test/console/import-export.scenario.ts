import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp, TEST_SETUP_TOKEN } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { uniqueEmail } from '../support/factories';
import { signInAt, studioStage } from '../support/studio';

/** The import refused on purpose answers 400, which the browser logs as a failed resource. */
const EXPECTED_REFUSALS = [/\/items\/products\/import$/];
const ROWS = 5000;
/** The rows that are wrong in the first file, and the column the dry run must name for each. */
const BAD_ROWS = new Map([
  [17, 'stock'],
  [2500, 'name'],
  [4999, 'price'],
]);
const COLUMNS = ['name', 'sku', 'stock', 'price', 'active', 'note'];

/** A CSV field as the export writes it (RFC 4180, with "" for the empty string). */
function csvField(value: string | null): string {
  if (value === null) return '';
  return value === '' || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The file to import: 5,000 rows of text with commas, quotes and unicode, integers, decimals, booleans and
 * nulls; `broken`, three of its rows fail (a word for an integer, a missing required name, a price below
 * its minimum).
 */
function productsCsv(broken: boolean): string {
  const lines = [COLUMNS.join(',')];
  for (let row = 1; row <= ROWS; row++) {
    const values: Array<string | null> = [`Product ${row}`, `SKU-${String(row).padStart(5, '0')}`, row % 7 === 0 ? null : String(row), `${row % 50}.25`, String(row % 2 === 0), row % 5 === 0 ? null : `note ${row}, "quoted" — café 🚀`];
    if (broken && row === 17) values[2] = 'many';
    if (broken && row === 2500) values[0] = null;
    if (broken && row === 4999) values[3] = '-5';
    lines.push(values.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The console's import and export, end to end on one database when the run selects it: the account,
 * workspace and collection are made through the API; the file goes through the browser.
 */
export function describeStudioImportExport(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio import and export [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let token: string;
    const admin = { email: uniqueEmail('io'), password: 'a-long-password-1' };
    const shots = kind === 'sqlite';
    const explorer = () => `${app.url}/admin/w/io/collections/products`;

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      const registered = await app.api.post('/api/v1/auth/register', { ...admin, name: 'Io Admin', setup_token: TEST_SETUP_TOKEN }, { token: null });
      assert.equal(registered.status, 201, registered.text);
      const login = await app.api.post('/api/v1/auth/login', admin, { token: null });
      assert.equal(login.status, 200, login.text);
      token = login.body.data.access_token;
      assert.equal((await app.api.post('/api/v1/workspaces', { name: 'Io', slug: 'io' }, { token })).status, 201);
      const collection = await app.api.post(
        '/api/v1/w/io/collections',
        {
          collection: 'products',
          fields: [
            { field: 'name', type: 'string', required: true },
            { field: 'sku', type: 'string' },
            { field: 'stock', type: 'integer' },
            { field: 'price', type: 'decimal', precision: 10, scale: 2, validation: { min: { value: 0 } } },
            { field: 'active', type: 'boolean' },
            { field: 'note', type: 'text' },
          ],
        },
        { token },
      );
      assert.equal(collection.status, 201, collection.text);
      context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light', acceptDownloads: true });
      page = await context.newPage();
      errors = watchErrors(page, EXPECTED_REFUSALS);
      await signInAt(page, explorer(), admin, /\/admin\/w\/io\/collections\/products$/);
      await page.getByText('0 of 0 items').waitFor();
    });

    it('dry-runs a 5,000-row CSV naming its 3 bad rows, then imports it fixed with a progress bar', async () => {
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('heading', { name: 'Import into products' }).waitFor();
      await dialog.getByLabel('CSV or JSON file').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(productsCsv(true)) });

      // Every column is matched to the field of its name; a mapping can be changed, and changed back.
      for (const column of COLUMNS) await dialog.getByRole('button', { name: new RegExp(`^${column} \\(.*\\) Field for column ${column}$`) }).waitFor();
      await dialog.getByRole('button', { name: /Field for column note$/ }).click();
      await page.getByRole('option', { name: 'Skip this column', exact: true }).click();
      await dialog.getByRole('button', { name: 'Skip this column Field for column note' }).waitFor();
      await dialog.getByRole('button', { name: /Field for column note$/ }).click();
      await page.getByRole('option', { name: 'note (text)', exact: true }).click();

      await dialog.getByRole('button', { name: 'Dry run' }).click();
      await dialog.getByText(`Dry run: 3 of 5,000 rows would fail; nothing was written.`).waitFor();
      const failures = await dialog.locator('table.failures tbody tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
      assert.deepEqual(
        failures.map(([row, column]) => [Number(row), column]),
        [...BAD_ROWS].map(([row, column]) => [row, column]),
      );
      assert.ok(failures.every(([, , message]) => message.length > 0), 'each failure says why');
      await assertAccessible(page, 'import dialog');
      if (shots) await screenshot(page, 'import');
      assert.equal((await app.api.get('/api/v1/w/io/items/products?aggregate[count]=*', { token })).body.data[0].count, 0);

      // Imported as it is, the file is refused as a whole: the API's message, and still nothing written.
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      await dialog.getByRole('alert').getByText(/row 17, column "stock"/).waitFor();
      assert.equal((await app.api.get('/api/v1/w/io/items/products?aggregate[count]=*', { token })).body.data[0].count, 0);

      // Fixed, it passes the dry run and imports; the progress bar shows while it goes.
      await dialog.getByLabel('CSV or JSON file').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(productsCsv(false)) });
      await dialog.getByRole('button', { name: 'Dry run' }).click();
      await dialog.getByText('Dry run: all 5,000 rows can be imported.').waitFor();
      // The bar may come and go between two polls: an observer notes it as soon as it is added.
      await page.evaluate(() => {
        const seen = globalThis as unknown as { progressSeen?: string };
        new MutationObserver((_, observer) => {
          const bar = document.querySelector('[role=progressbar][aria-label="Import progress"]');
          if (!bar) return;
          seen.progressSeen = bar.getAttribute('aria-valuetext') ?? '';
          observer.disconnect();
        }).observe(document.body, { childList: true, subtree: true });
      });
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      await dialog.getByText('Imported 5,000 rows.').waitFor();
      const progress = await page.evaluate(() => (globalThis as unknown as { progressSeen?: string }).progressSeen);
      assert.match(progress ?? '', /Uploading and importing: \d+%|Writing the last rows/, 'the progress bar showed');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText('5,000 of 5,000 items').waitFor();
      await page.getByRole('gridcell', { name: 'SKU-00001', exact: true }).waitFor();
    });

    it('exports the collection back as a CSV download identical to the imported file', async () => {
      // The export has the visible columns: the ones Cairn writes itself are hidden first.
      await page.getByRole('button', { name: 'Columns' }).click();
      const chooser = page.getByRole('dialog', { name: 'Columns' });
      for (const system of ['id', 'created_at', 'updated_at', 'created_by', 'updated_by']) {
        const box = chooser.getByRole('checkbox', { name: system, exact: true });
        if ((await box.count()) > 0 && (await box.isChecked())) await chooser.getByText(system, { exact: true }).click();
      }
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      const downloading = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export as CSV' }).click();
      const download = await downloading;
      assert.match(download.suggestedFilename(), /^products-\d{4}-\d{2}-\d{2}\.csv$/);
      const file = await download.path();
      assert.ok(file, 'the download was saved');
      const exported = readFileSync(file, 'utf8');
      assert.equal(exported.split('\r\n')[0], COLUMNS.join(','));
      assert.equal(exported, productsCsv(false));
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
