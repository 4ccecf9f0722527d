import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp, TEST_SETUP_TOKEN } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { uniqueEmail } from '../support/factories';
import { signInAt, studioStage } from '../support/studio';

/**
 * Making a workspace from a template in the console: the template and its sample data chosen in the new
 * workspace dialog, its README shown (rendered, nothing of it run) once the workspace is made, and the
 * workspace opened with the template's collections and items.
 */
export function describeStudioTemplates(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio templates [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let page: Page;
    let errors: string[];
    let token: string;
    const admin = { email: uniqueEmail('tpl'), password: 'a-long-password-1' };
    const shots = kind === 'sqlite';

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      const registered = await app.api.post('/api/v1/auth/register', { ...admin, name: 'Tpl Admin', setup_token: TEST_SETUP_TOKEN }, { token: null });
      assert.equal(registered.status, 201, registered.text);
      const login = await app.api.post('/api/v1/auth/login', admin, { token: null });
      token = login.body.data.access_token;
      const context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page);
      await signInAt(page, `${app.url}/admin/workspaces`, admin, /\/admin\/workspaces$/);
    });

    it('makes a workspace from the blog template with sample data and shows its README', async () => {
      await page.getByRole('button', { name: 'New workspace' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name').fill('My blog');
      await dialog.getByRole('button', { name: /Template/ }).click();
      await page.getByRole('option', { name: 'Blog', exact: true }).click();
      await dialog.getByText(/published posts are public/).waitFor();
      const sample = dialog.getByRole('checkbox', { name: 'Add sample data' });
      assert.equal(await sample.isChecked(), true);
      await assertAccessible(page, 'new workspace dialog with a template');
      if (shots) await screenshot(page, 'templates-new-workspace');
      await dialog.getByRole('button', { name: 'Create workspace' }).click();

      await dialog.getByRole('heading', { name: 'Workspace ready: Blog template' }).waitFor();
      const readme = dialog.getByRole('document', { name: 'Blog template README' });
      await readme.getByRole('heading', { name: 'Blog', level: 1 }).waitFor();
      await readme.getByRole('table').first().waitFor();
      // Rendered as Markdown: a code span is code, not backticks.
      assert.ok((await readme.locator('code', { hasText: 'posts_tags' }).count()) > 0);
      await assertAccessible(page, 'template README');
      if (shots) await screenshot(page, 'templates-readme');
      await dialog.getByRole('button', { name: 'Open workspace' }).click();
      await page.waitForURL(/\/admin\/w\/my-blog\/collections$/);
      await page.getByRole('link', { name: 'posts', exact: true }).first().waitFor();

      const posts = await app.api.get('/api/v1/w/my-blog/items/posts?fields=title&sort=id', { token });
      assert.deepEqual(posts.body.data.map((post: { title: string }) => post.title), ['Hello, world', 'Five tips for better bug reports', 'Plans for next year']);
      assert.deepEqual(errors, [], 'the browser logged no error');
    });

    it('makes an empty workspace with "None", and a todo workspace without sample data', async () => {
      await page.goto(`${app.url}/admin/workspaces`);
      await page.getByRole('button', { name: 'New workspace' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name').fill('Chores');
      await dialog.getByRole('button', { name: /Template/ }).click();
      await page.getByRole('option', { name: 'Todo', exact: true }).click();
      await dialog.getByText('Add sample data', { exact: true }).click();
      assert.equal(await dialog.getByRole('checkbox', { name: 'Add sample data' }).isChecked(), false);
      await dialog.getByRole('button', { name: 'Create workspace' }).click();
      await dialog.getByRole('heading', { name: 'Workspace ready: Todo template' }).waitFor();
      await dialog.getByRole('button', { name: 'Open workspace' }).click();
      await page.waitForURL(/\/admin\/w\/chores\/collections$/);
      const lists = await app.api.get('/api/v1/w/chores/items/lists', { token });
      assert.deepEqual(lists.body.data, []);

      await page.goto(`${app.url}/admin/workspaces`);
      await page.getByRole('button', { name: 'New workspace' }).click();
      await dialog.getByLabel('Name').fill('Blank');
      assert.equal(await dialog.getByRole('checkbox', { name: 'Add sample data' }).count(), 0);
      await dialog.getByRole('button', { name: 'Create workspace' }).click();
      await page.waitForURL(/\/admin\/w\/blank\/collections$/);
      const collections = await app.api.get('/api/v1/w/blank/collections', { token });
      assert.deepEqual(collections.body.data, []);
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
