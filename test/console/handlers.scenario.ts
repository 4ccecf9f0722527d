import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { openFromNavigation, signInAt, studioStage } from '../support/studio';

/** Refused on purpose, to see the refusal shown: saving code that does not compile (400). */
const EXPECTED_REFUSALS = [/\/api\/v1\/w\/acme\/handlers\/[0-9a-f-]+$/];

const BROKEN = `module.exports = async (ctx) => {
  const order = await ctx.items('orders').createOne({ total: ctx.request.body.total, status: 'new' };
  return order;
};`;

const FIXED = `module.exports = async (ctx) => {
  const order = await ctx.items('orders').createOne({ total: ctx.request.body.total, status: 'new' });
  ctx.log('created order', order.id, 'of', order.total);
  return { created: order.total, status: order.status };
};`;

/**
 * The handlers workbench of Cairn Studio on one database: the account, workspace, a collection with an
 * item and an endpoint handler are made through the API; the code is broken, fixed and run with a sample
 * in the browser.
 */
export function describeStudioHandlers(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio handlers [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let admin: Account;
    let handlerId: string;
    const shots = kind === 'sqlite';

    const orders = async () => {
      const listed = await app.api.get('/api/v1/w/acme/items/orders?sort=id', { token: admin.accessToken });
      assert.equal(listed.status, 200, listed.text);
      return listed.body.data as Array<{ id: number; total: number }>;
    };
    const code = () => page.locator('.cm-handler .cm-content');

    /** Replaces the text of a CodeMirror editor as typing would, without its auto-closing brackets. */
    async function replaceText(editor: ReturnType<Page['locator']>, text: string): Promise<void> {
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(text);
    }

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      admin = await newAccount(app.api, 'handlers');
      const token = { token: admin.accessToken };
      const workspace = await app.api.post('/api/v1/workspaces', { name: 'Acme Shop', slug: 'acme' }, token);
      assert.equal(workspace.status, 201, workspace.text);
      const collection = await app.api.post('/api/v1/w/acme/collections', { collection: 'orders', fields: [{ field: 'total', type: 'integer' }, { field: 'status', type: 'string' }] }, token);
      assert.equal(collection.status, 201, collection.text);
      assert.equal((await app.api.post('/api/v1/w/acme/items/orders', { total: 10, status: 'open' }, token)).status, 200);
      const handler = await app.api.post('/api/v1/w/acme/handlers', { name: 'Place order', kind: 'endpoint', method: 'POST', path: '/orders', code: 'module.exports = async (ctx) => null;' }, token);
      assert.equal(handler.status, 201, handler.text);
      handlerId = handler.body.data.id;
      context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page, EXPECTED_REFUSALS);
    });

    it('lists the handlers from the navigation', async () => {
      await signInAt(page, `${app.url}/admin/`, admin, /\/admin\/w\/acme\/collections$/);
      await openFromNavigation(page, 'Handlers', /\/admin\/w\/acme\/handlers$/);
      const row = page.getByRole('table', { name: 'Handlers' }).getByRole('row', { name: /Place order/ });
      await row.getByText('POST /custom/orders').waitFor();
      await assertAccessible(page, 'handlers');
      if (shots) await screenshot(page, 'handlers');
      await row.getByRole('link', { name: 'Place order' }).click();
      await page.waitForURL(new RegExp(`/admin/w/acme/handlers/${handlerId}$`));
      await code().waitFor();
    });

    it('completes ctx from the live schema: the collections items() takes', async () => {
      await replaceText(code(), 'module.exports = async (ctx) => ');
      await page.keyboard.type("ctx.items('");
      const completions = page.locator('.cm-tooltip-autocomplete');
      // Picked with the pointer: the list ignores keys for a moment after it opens (CodeMirror's interactionDelay).
      await completions.getByText('orders', { exact: true }).click();
      await page.keyboard.press('End');
      await page.keyboard.type('.');
      await completions.getByText('createOne', { exact: true }).waitFor();
      await page.keyboard.press('Escape');
      assert.match(await code().innerText(), /ctx\.items\('orders'\)\./);
    });

    it('shows a compile error at its line when saving, and saves once fixed', async () => {
      await replaceText(code(), BROKEN);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const problem = page.getByTestId('compile-error');
      await problem.waitFor();
      assert.match(await problem.innerText(), /^Line 2, column \d+: /);
      // The editor marks the place: an error range in the code and a marker in the gutter beside line 2.
      await page.locator('.cm-lintRange-error').first().waitFor();
      const marked = await page.locator('.cm-gutter-lint .cm-gutterElement').filter({ has: page.locator('.cm-lint-marker-error') }).boundingBox();
      const line2 = await page.locator('.cm-line').nth(1).boundingBox();
      assert.ok(marked && line2 && Math.abs(marked.y - line2.y) < 4, 'the error marker is beside line 2');
      await assertAccessible(page, 'handler with a compile error');
      if (shots) await screenshot(page, 'handler-compile-error');
      assert.equal((await app.api.get(`/api/v1/w/acme/handlers/${handlerId}`, { token: admin.accessToken })).body.data.code, 'module.exports = async (ctx) => null;');

      await replaceText(code(), FIXED);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('button', { name: 'Saved', exact: true }).waitFor();
      await problem.waitFor({ state: 'detached' });
      assert.equal(await page.locator('.cm-lintRange-error').count(), 0);
      assert.equal((await app.api.get(`/api/v1/w/acme/handlers/${handlerId}`, { token: admin.accessToken })).body.data.code, FIXED);
    });

    it('runs with a sample, showing the value, logs, duration and memory, and keeps none of its writes', async () => {
      const before = await orders();
      await replaceText(page.locator('.cm-content[aria-labelledby="json-Body"]'), '{"total": 42}');
      await page.getByRole('button', { name: 'Run sample' }).click();
      const outcome = page.getByTestId('sample-outcome');
      await outcome.waitFor();
      assert.deepEqual(JSON.parse(await page.getByTestId('sample-value').innerText()), { created: 42, status: 'new' });
      assert.match(await page.getByTestId('sample-logs').innerText(), /^created order \d+ of 42$/);
      assert.match(await outcome.innerText(), /ok[\s\S]*\d+ ms[\s\S]*MB of \d+ MB/);
      assert.deepEqual(await orders(), before, 'the sample run wrote nothing');
      await assertAccessible(page, 'handler sample run');
      await page.getByTestId('sample-logs').scrollIntoViewIfNeeded();
      if (shots) await screenshot(page, 'handler-sample');
    });

    it('shows a real run in the run log', async () => {
      const real = await app.api.post('/api/v1/w/acme/custom/orders', { total: 7 }, { token: admin.accessToken });
      assert.equal(real.status, 200, real.text);
      await page.getByRole('button', { name: 'Refresh' }).click();
      const runs = page.getByRole('table', { name: 'Runs' });
      await runs.getByText(/created order \d+ of 7/).waitFor();
      assert.equal(await runs.getByRole('row').count(), 2, 'one run, the real one: the sample is not logged');
    });

    it('creates a before hook and runs it on a sample item event', async () => {
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Handlers', exact: true }).click();
      await page.getByRole('button', { name: 'New handler' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name').fill('Check totals');
      await dialog.getByRole('button', { name: /Kind/ }).click();
      await page.getByRole('option', { name: /^Before hook/ }).click();
      await dialog.getByRole('button', { name: /Collection/ }).click();
      await page.getByRole('option', { name: 'orders' }).click();
      await dialog.getByRole('button', { name: 'Create and open' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/handlers\/[0-9a-f-]+$/);
      await page.getByRole('heading', { name: 'Check totals' }).waitFor();
      await replaceText(code(), "module.exports = async (ctx) => {\n  ctx.log('checking', ctx.event.action);\n  return { ...ctx.event.payload, status: ctx.event.payload.total > 100 ? 'review' : 'ok' };\n};");
      await replaceText(page.locator('.cm-content[aria-labelledby="json-Payload-an-item-of-orders-"]'), '{"total": 250}');
      await page.getByRole('button', { name: 'Save and run' }).click();
      await page.getByTestId('sample-outcome').waitFor();
      assert.deepEqual(JSON.parse(await page.getByTestId('sample-value').innerText()), { total: 250, status: 'review' });
      assert.equal(await page.getByTestId('sample-logs').innerText(), 'checking create');
      await assertAccessible(page, 'hook sample run');
      assert.deepEqual(errors, []);
    });
  });
}
