import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { AppUser, newAppUser } from '../support/app-users';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { studioStage } from '../support/studio';

/**
 * User fields in the console, on one database when the run selects it: a `comments` collection made
 * through the API; in the schema screen the owner adds an `author` field of the type app_user, picks an
 * app user for it in a new comment's form, and the grid shows the author's email and the owner's name
 * (created_by) rather than ids.
 */
export function describeStudioPeople(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio's user fields [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let page: Page;
    let errors: string[];
    let owned: OwnedWorkspace;
    let ann: AppUser;

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      owned = await newOwnedWorkspace(app.api);
      const created = await owned.api.post(`${owned.base}/collections`, { collection: 'comments', fields: [{ field: 'body', type: 'string' }] });
      assert.equal(created.status, 201, created.text);
      ann = await newAppUser(app.api, owned.base, 'ann');
      await newAppUser(app.api, owned.base, 'bob');

      const context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page);
      await page.goto(`${app.url}/admin/sign-in`);
      await page.getByLabel('Email').fill(owned.owner.email);
      await page.getByLabel('Password').fill(owned.owner.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin\/(workspaces|w\/)/);
    });

    it('adds a field that relates to app users from the field-type form', async () => {
      await page.goto(`${app.url}/admin/w/${owned.workspace.slug}/collections/comments/schema`);
      await page.getByRole('button', { name: 'Add field' }).first().click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name', { exact: true }).fill('author');
      await dialog.getByRole('button', { name: / Type$/ }).first().click();
      await page.getByRole('option', { name: 'app_user (relates to an app user)', exact: true }).click();
      await assertAccessible(page, 'field form with a user type');
      await dialog.getByRole('button', { name: 'Add field' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: 'author', exact: true }).waitFor();
      const fields = await owned.api.get(`${owned.base}/fields/comments`);
      assert.equal(fields.body.data.find((f: { field: string }) => f.field === 'author').type, 'app_user');
    });

    it("picks an app user in a new item's form, and the grid shows people by name or email", async () => {
      await page.goto(`${app.url}/admin/w/${owned.workspace.slug}/collections/comments`);
      await page.getByRole('button', { name: 'New item' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('body').fill('Nice post');
      await dialog.getByRole('combobox', { name: 'author' }).fill(ann.email.split('@')[0]);
      await page.getByRole('option', { name: ann.email, exact: true }).click();
      await assertAccessible(page, 'record form with a user picker');
      await dialog.getByRole('button', { name: 'Create item' }).click();
      await dialog.waitFor({ state: 'detached' });

      await page.getByRole('gridcell', { name: ann.email, exact: true }).waitFor();
      // created_by: the owner, shown by account name.
      await page.getByRole('gridcell', { name: 'owner', exact: true }).first().waitFor();
      const stored = await owned.api.get(`${owned.base}/items/comments?fields=body,author,created_by`);
      assert.deepEqual(stored.body.data, [{ id: 1, body: 'Nice post', author: ann.id, created_by: owned.owner.id }]);
      await assertAccessible(page, 'grid with user fields');
      if (kind === 'sqlite') await screenshot(page, 'explorer-user-fields');
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
