import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { openFromNavigation, signInAt, studioStage } from '../support/studio';

/**
 * Views, schema moves and the activity log of Cairn Studio on one database: two workspaces and their data
 * are made through the API; the view, the move and the revert are made in the browser.
 */
export function describeStudioSchema(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio views, schema moves and activity [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let admin: Account;
    const shots = kind === 'sqlite';
    const stage = studioStage(kind, { WEBHOOK_DISPATCH: 'false', FLOWS_RUN: 'false' });

    const api = async (method: 'get' | 'post' | 'patch', path: string, body?: unknown) => {
      const response = method === 'get' ? await app.api.get(path, { token: admin.accessToken }) : await app.api[method](path, body, { token: admin.accessToken });
      assert.ok(response.status < 300, `${method} ${path}: ${response.text}`);
      return response.body?.data;
    };

    before(async () => {
      ({ app, chromium } = stage);
      admin = await newAccount(app.api, 'schema');
      await api('post', '/api/v1/workspaces', { name: 'Acme Publishing', slug: 'acme' });
      await api('post', '/api/v1/workspaces', { name: 'Acme Staging', slug: 'staging' });
      await api('post', '/api/v1/w/acme/collections', { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'rating', type: 'integer' }] });
      await api('post', '/api/v1/w/acme/collections', { collection: 'authors', fields: [{ field: 'name', type: 'string' }] });
      await api('post', '/api/v1/w/acme/items/posts', [
        { title: 'Alpha', status: 'published', rating: 5 },
        { title: 'Beta', status: 'draft', rating: 3 },
        { title: 'Gamma', status: 'published', rating: 4 },
      ]);
      await api('post', '/api/v1/w/acme/items/authors', { name: 'Ann' });
      await api('patch', '/api/v1/w/acme/items/posts/1', { title: 'Alpha, revised' });
      // Staging holds what the move would lose: a collection acme does not have, with rows.
      await api('post', '/api/v1/w/staging/collections', { collection: 'legacy', fields: [{ field: 'note', type: 'string' }] });
      await api('post', '/api/v1/w/staging/items/legacy', [{ note: 'one' }, { note: 'two' }]);
      context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page);
    });

    it('signs in and opens the views from the navigation', async () => {
      await signInAt(page, `${app.url}/admin/`, admin, /\/admin\/w\/acme\/collections$/);
      await openFromNavigation(page, 'Views', /\/admin\/w\/acme\/views$/);
      await page.getByText('No view yet.').waitFor();
    });

    it('builds a view with a live preview, publishes it, and its public URL answers', async () => {
      await page.getByRole('button', { name: 'New view' }).click();
      const editor = page.getByRole('form', { name: 'New view' });
      await editor.getByLabel('Name').fill('published_posts');
      await editor.getByRole('button', { name: /Source collection/ }).click();
      await page.getByRole('option', { name: 'posts', exact: true }).click();
      const fields = editor.getByRole('group', { name: /^Fields/ });
      for (const field of ['id', 'title', 'rating']) await fields.getByText(field, { exact: true }).click();
      const preview = page.getByRole('region', { name: 'Preview' });
      // The draft is previewed before it is saved: every post, with the fields picked.
      await preview.getByRole('cell', { name: 'Beta' }).waitFor();
      await editor.getByText('Filter (every row)').click();
      await editor.getByRole('button', { name: 'Add condition' }).click();
      await editor.getByLabel('Field 1').fill('status');
      await editor.getByLabel('Value 1').fill('published');
      await editor.getByRole('button', { name: 'Apply filter' }).click();
      await editor.getByLabel('Sort').fill('-rating');
      await preview.getByRole('cell', { name: 'Beta' }).waitFor({ state: 'detached' });
      assert.deepEqual(await preview.locator('tbody tr td:nth-child(2)').allTextContents(), ['Alpha, revised', 'Gamma']);
      await editor.getByRole('button', { name: 'Add computed field' }).click();
      await editor.getByLabel('Computed 1 name').fill('shout');
      await editor.getByLabel('Computed 1 expression').fill('upper(title)');
      await preview.getByText('Computed values show once the view is saved.').waitFor();
      await editor.getByText(/^Published: anyone can read/).click();
      await editor.getByRole('button', { name: 'Create view' }).click();

      // Saved, the editor reads the view itself, computed values included, and shows the public URL.
      await page.getByRole('form', { name: 'Edit the view published_posts' }).waitFor();
      await preview.getByRole('cell', { name: 'ALPHA, REVISED', exact: true }).waitFor();
      const link = page.getByTestId('public-url');
      const url = (await link.textContent()) ?? '';
      assert.equal(url, `${app.url}/api/v1/public/acme/views/published_posts`);
      const anonymous = await app.api.get(new URL(url).pathname, { token: null });
      assert.equal(anonymous.status, 200, anonymous.text);
      assert.deepEqual(
        anonymous.body.data.map((row: { title: string; shout: string }) => [row.title, row.shout]),
        [
          ['Alpha, revised', 'ALPHA, REVISED'],
          ['Gamma', 'GAMMA'],
        ],
      );
      await page.getByRole('table', { name: 'Views' }).getByRole('link', { name: 'public URL' }).waitFor();
      // The long editor scrolls inside the main area; the page itself never does (the navigation stays).
      assert.equal(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight), true, 'the page does not scroll');
      await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
      await assertAccessible(page, 'views');
      if (shots) await screenshot(page, 'views');
    });

    it('copies the schema to another workspace after showing its plan and what it loses', async () => {
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Schema moves' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/schema-moves$/);
      await page.getByRole('table', { name: 'Schema changes, newest first' }).getByText('create_collection').first().waitFor();
      await page.getByRole('button', { name: /Target workspace/ }).click();
      await page.getByRole('option', { name: 'Acme Staging (staging)' }).click();
      await page.getByRole('button', { name: 'Plan the copy' }).click();
      const steps = page.getByRole('list', { name: 'Planned steps' });
      const drop = steps.getByRole('listitem').filter({ hasText: 'Delete the collection legacy' });
      await drop.getByText('Loses its 2 rows').waitFor();
      await drop.getByText('needs force').waitFor();
      await steps.getByText('Create the collection posts (3 fields, integer key)').waitFor();
      await steps.getByText('Create the view "published_posts"').waitFor();
      const apply = page.getByRole('button', { name: 'Apply to staging' });
      assert.equal(await apply.isDisabled(), true, 'a plan that loses rows is applied only when forced');
      await assertAccessible(page, 'schema moves');
      if (shots) await screenshot(page, 'schema-moves');
      await page.getByText(/^Apply anyway/).click();
      await apply.click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText(/^Applied \d+ steps to staging\.$/).waitFor();

      const collections = (await api('get', '/api/v1/w/staging/collections')) as { collection: string }[];
      assert.deepEqual(collections.map((c) => c.collection).sort(), ['authors', 'posts']);
      const view = await api('get', '/api/v1/w/staging/views/published_posts');
      assert.equal(view.public, true);
    });

    it('uploads a snapshot and sees that nothing is left to change, with the apply in the history', async () => {
      const snapshot = await api('get', '/api/v1/w/acme/schema/snapshot');
      await page.goto(`${app.url}/admin/w/staging/schema-moves`);
      await page.getByLabel('Snapshot file (JSON)').setInputFiles({ name: 'acme-snapshot.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(snapshot)) });
      await page.getByText('Nothing to change: staging already matches this snapshot.').waitFor();
      await page.getByRole('table', { name: 'Schema changes, newest first' }).getByText(/apply_snapshot — \d+ steps/).waitFor();
    });

    it('filters the activity by collection, shows a change against the one before it, and reverts it', async () => {
      await page.goto(`${app.url}/admin/w/acme/activity`);
      const list = page.getByRole('list', { name: 'Changes, newest first' });
      await list.getByText('authors', { exact: true }).waitFor();
      await page.getByRole('button', { name: /Collection$/ }).click();
      await page.getByRole('option', { name: 'posts', exact: true }).click();
      await page.waitForURL(/collection=posts/);
      await list.getByText('authors', { exact: true }).waitFor({ state: 'detached' });
      assert.equal(await list.getByRole('listitem').count(), 4, 'three creates and an update of posts');

      await page.getByRole('button', { name: 'Show changes of update posts #1' }).click();
      const diff = page.getByRole('table', { name: 'What update posts #1 changed' });
      await diff.getByRole('cell', { name: 'Alpha, revised' }).waitFor();
      assert.deepEqual(await diff.locator('tbody tr').first().locator('th, td').allTextContents(), ['title', 'Alpha', 'Alpha, revised']);
      await assertAccessible(page, 'activity');
      if (shots) await screenshot(page, 'activity');

      await page.getByRole('button', { name: 'Show changes of create posts #1' }).click();
      await page.getByRole('button', { name: 'Revert to this version' }).last().click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('The revert is saved as a new change').waitFor();
      await dialog.getByRole('button', { name: 'Revert', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      const post = await api('get', '/api/v1/w/acme/items/posts/1');
      assert.equal(post.title, 'Alpha');
      // The revert is itself a change, at the top of the log.
      await list.getByRole('listitem').nth(4).waitFor();
      assert.deepEqual(errors, [], 'the browser logged no error');
      await context.close();
    });
  });
}
