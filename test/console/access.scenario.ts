import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { openFromNavigation, signInAt, studioStage } from '../support/studio';

const APP_PASSWORD = 'reader-password-1';

/**
 * App users, roles and policies in Cairn Studio on one database: the account, workspace, posts and an app
 * user are made through the API; the policy is built in the browser, and the app user then reads through
 * the app auth API what that policy lets it see.
 */
export function describeStudioAccess(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio app users, roles and policies [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let admin: Account;
    const shots = kind === 'sqlite';
    const base = '/api/v1/w/acme';

    /** Signs the app user in through the app auth API, as the app built on the workspace would. */
    const appLogin = async (email: string, password: string) => {
      const login = await app.api.post(`${base}/auth/login`, { email, password }, { token: null });
      assert.equal(login.status, 200, login.text);
      return login.body.data as { access_token: string; refresh_token: string };
    };

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      admin = await newAccount(app.api, 'access');
      const as = { token: admin.accessToken };
      assert.equal((await app.api.post('/api/v1/workspaces', { name: 'Acme Publishing', slug: 'acme' }, as)).status, 201);
      const collection = await app.api.post(`${base}/collections`, { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] }, as);
      assert.equal(collection.status, 201, collection.text);
      for (const post of [{ title: 'Launch notes', status: 'published' }, { title: 'Secret draft', status: 'draft' }]) {
        assert.equal((await app.api.post(`${base}/items/posts`, post, as)).status, 200);
      }
      const created = await app.api.post(`${base}/app-users`, { email: 'reader@example.com', password: APP_PASSWORD }, as);
      assert.equal(created.status, 201, created.text);
      context = await chromium.browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
      page = await context.newPage();
      // Refused on purpose, to see the refusals shown: creating an app user with too short a password, and a
      // policy whose presets name a field the collection lacks (both 400).
      // The unknown variable is refused by the console itself and sends nothing.
      errors = watchErrors(page, [/\/api\/v1\/w\/acme\/app-users$/, /\/api\/v1\/w\/acme\/policies$/]);
    });

    it('lists, searches and creates app users', async () => {
      await signInAt(page, `${app.url}/admin/`, admin, /\/admin\/w\/acme\/collections$/);
      await openFromNavigation(page, 'App users', /\/admin\/w\/acme\/app-users$/);
      const table = page.getByRole('table', { name: 'App users' });
      await table.getByRole('cell', { name: /^reader@example\.com/ }).waitFor();

      await page.getByRole('button', { name: 'New app user' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Email').fill('writer@example.com');
      await dialog.getByLabel('First password').fill('short');
      await dialog.getByRole('button', { name: 'Create app user' }).click();
      await dialog.getByRole('alert').filter({ hasText: /password/ }).waitFor();
      await dialog.getByLabel('First password').fill('writer-password-1');
      await dialog.getByRole('button', { name: 'Create app user' }).click();
      await dialog.waitFor({ state: 'detached' });
      await table.getByRole('cell', { name: /^writer@example\.com/ }).waitFor();

      await page.getByLabel('Search by email').fill('WRIT');
      await table.getByRole('cell', { name: /^reader@example\.com/ }).waitFor({ state: 'detached' });
      await table.getByRole('cell', { name: /^writer@example\.com/ }).waitFor();
      await page.getByLabel('Search by email').fill('nobody');
      await page.getByText('No app user\'s email contains "nobody".').waitFor();
      await page.getByLabel('Search by email').fill('');
      await table.getByRole('cell', { name: /^reader@example\.com/ }).waitFor();
      await assertAccessible(page, 'app users');
    });

    it('disables and enables an app user, and resets its password', async () => {
      const table = page.getByRole('table', { name: 'App users' });
      const writerRow = table.getByRole('row').filter({ hasText: 'writer@example.com' });
      await page.getByRole('button', { name: 'Disable writer@example.com' }).click();
      await writerRow.getByText('disabled', { exact: true }).waitFor();
      const refused = await app.api.post(`${base}/auth/login`, { email: 'writer@example.com', password: 'writer-password-1' }, { token: null });
      assert.equal(refused.status, 401, refused.text);
      if (shots) await screenshot(page, 'studio-app-users');
      await page.getByRole('button', { name: 'Enable writer@example.com' }).click();
      await writerRow.getByText('active', { exact: true }).waitFor();
      await appLogin('writer@example.com', 'writer-password-1');

      await page.getByRole('button', { name: 'Reset password of writer@example.com' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('New password').fill('a-new-password-2');
      await dialog.getByRole('button', { name: 'Set password' }).click();
      await dialog.waitFor({ state: 'detached' });
      await appLogin('writer@example.com', 'a-new-password-2');
      const old = await app.api.post(`${base}/auth/login`, { email: 'writer@example.com', password: 'writer-password-1' }, { token: null });
      assert.equal(old.status, 401, old.text);
    });

    it('lists an app user\'s sessions and revokes one, then all', async () => {
      const first = await appLogin('reader@example.com', APP_PASSWORD);
      await appLogin('reader@example.com', APP_PASSWORD);
      await page.getByRole('button', { name: 'Sessions of reader@example.com' }).click();
      const dialog = page.getByRole('dialog');
      const sessions = dialog.getByRole('table', { name: 'Sessions of reader@example.com' });
      await sessions.getByRole('button', { name: /^Revoke the session/ }).nth(1).waitFor();
      assert.equal(await sessions.getByRole('button', { name: /^Revoke the session/ }).count(), 2);
      await assertAccessible(page, 'app user sessions');
      if (shots) await screenshot(page, 'studio-app-user-sessions');
      await sessions.getByRole('button', { name: /^Revoke the session/ }).first().click();
      await sessions.getByRole('button', { name: /^Revoke the session/ }).nth(1).waitFor({ state: 'detached' });
      await dialog.getByRole('button', { name: 'Revoke all' }).click();
      await dialog.getByText('No session: this app user is signed out everywhere.').waitFor();
      const refresh = await app.api.post(`${base}/auth/refresh`, { refresh_token: first.refresh_token }, { token: null });
      assert.equal(refresh.status, 401, refresh.text);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
    });

    it('builds a policy in the editor that hides drafts from app users, refusing an unknown variable', async () => {
      const before = await app.api.get(`${base}/items/posts`, { token: (await appLogin('reader@example.com', APP_PASSWORD)).access_token });
      assert.equal(before.status, 403, 'without a read policy the app user reads nothing');

      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Roles & policies', exact: true }).click();
      await page.waitForURL(/\/admin\/w\/acme\/access$/);
      const roles = page.getByRole('table', { name: 'App roles' });
      await roles.getByRole('cell', { name: 'public', exact: true }).waitFor();
      await roles.getByRole('cell', { name: 'authenticated', exact: true }).waitFor();
      const cell = page.getByRole('link', { name: /^authenticated read posts: none/ });
      await cell.click();
      await page.waitForURL(/\/admin\/w\/acme\/access\?.*action=read/);
      const editor = page.getByRole('dialog', { name: 'authenticated may read "posts"' });
      await editor.getByText('No policy yet: authenticated may not read "posts".', { exact: false }).waitFor();

      await editor.getByRole('button', { name: 'Add condition' }).click();
      await editor.getByLabel('Field 1').fill('status');
      // The variables are offered beside the value; one picked is the value's text.
      await editor.getByRole('button', { name: /Variable for value 1/ }).click();
      await page.getByRole('option', { name: '$CURRENT_USER' }).click();
      assert.equal(await editor.getByLabel('Value 1').inputValue(), '$CURRENT_USER');
      // One that is not a variable is refused before anything is sent, naming it and where it is.
      await editor.getByLabel('Value 1').fill('$ME');
      await editor.getByRole('button', { name: 'Use this filter' }).click();
      await editor.getByRole('alert').filter({ hasText: '"$ME" at filter._and.0.status._eq is not a variable' }).waitFor();
      await editor.getByLabel('Value 1').fill('published');
      await editor.getByRole('button', { name: 'Use this filter' }).click();
      await editor.getByText('Rows where {"_and":[{"status":{"_eq":"published"}}]}').waitFor();

      // The label is what a person clicks; the checkbox's own input sits under its drawn box.
      await editor.getByText('All fields (*)', { exact: true }).click();
      const fields = editor.getByRole('group', { name: 'Fields it may read' });
      for (const field of ['title', 'status']) await fields.getByText(field, { exact: true }).click();
      assert.equal(await fields.getByRole('checkbox', { name: 'title', exact: true }).isChecked(), true);
      await editor.getByLabel('Name', { exact: true }).fill('read published');
      await assertAccessible(page, 'policy editor');
      if (shots) await screenshot(page, 'studio-policy-editor');
      await editor.getByRole('button', { name: 'Save policy' }).click();
      await editor.waitFor({ state: 'detached' });
      await page.waitForURL(/\/admin\/w\/acme\/access$/);

      const policies = await app.api.get(`${base}/policies`, { token: admin.accessToken });
      assert.deepEqual(
        policies.body.data.map((p: Record<string, unknown>) => [p.name, p.role, p.collection, p.action, p.filter, p.fields]),
        [['read published', 'authenticated', 'posts', 'read', { _and: [{ status: { _eq: 'published' } }] }, ['title', 'status']]],
      );
      const reads = await app.api.get(`${base}/items/posts?fields=title,status`, { token: (await appLogin('reader@example.com', APP_PASSWORD)).access_token });
      assert.equal(reads.status, 200, reads.text);
      // Only the published post: the draft is hidden; `id` is always readable.
      assert.deepEqual(reads.body.data.map(({ title, status }: Record<string, unknown>) => ({ title, status })), [{ title: 'Launch notes', status: 'published' }]);
    });

    it('shows the policy in the matrix, and every other cell as none', async () => {
      await page.getByRole('link', { name: /^authenticated read posts: filtered \(rows filtered, 2 fields\)$/ }).waitFor();
      for (const action of ['create', 'update', 'delete']) await page.getByRole('link', { name: new RegExp(`^authenticated ${action} posts: none`) }).waitFor();
      for (const action of ['create', 'read', 'update', 'delete']) await page.getByRole('link', { name: new RegExp(`^public ${action} posts: none`) }).waitFor();
      await assertAccessible(page, 'roles and policies');
      if (shots) await screenshot(page, 'studio-access');

      // The cell opens the saved policy in the editor, with its filter and fields.
      await page.getByRole('link', { name: /^authenticated read posts: filtered/ }).click();
      const editor = page.getByRole('dialog', { name: 'authenticated may read "posts"' });
      await editor.getByText('Rows where {"_and":[{"status":{"_eq":"published"}}]}').waitFor();
      assert.equal(await editor.getByLabel('Value 1').inputValue(), 'published');
      assert.equal(await editor.getByRole('checkbox', { name: 'All fields (*)' }).isChecked(), false);
      await editor.getByRole('button', { name: 'Cancel' }).click();
      await editor.waitFor({ state: 'detached' });
    });

    it('views the posts as the app user: the draft is not there, and looked up by id, the policy built above is named as what hides it', async () => {
      await page.goto(`${app.url}/admin/w/acme/collections/posts`);
      await page.getByRole('gridcell', { name: 'Secret draft', exact: true }).waitFor();
      await page.getByRole('button', { name: 'View as…' }).click();
      const picker = page.getByRole('dialog', { name: 'View as' });
      await picker.getByLabel('Search app users').fill('reader');
      await picker.getByRole('option', { name: /reader@example\.com/ }).click();
      await picker.getByRole('button', { name: 'View as', exact: true }).click();
      const banner = page.getByRole('region', { name: 'Viewing as' });
      await page.getByRole('gridcell', { name: 'Launch notes', exact: true }).waitFor();
      assert.equal(await page.getByRole('gridcell', { name: 'Secret draft', exact: true }).count(), 0, 'the draft is not in the grid');
      const draft = await app.api.get(`${base}/items/posts?filter[status][_eq]=draft&fields=id`, { token: admin.accessToken });
      await banner.getByLabel('Look up an item by id').fill(String(draft.body.data[0].id));
      await banner.getByRole('button', { name: 'Explain' }).click();
      const verdict = banner.getByTestId('viewas-lookup-verdict');
      await verdict.waitFor();
      assert.match((await verdict.textContent()) ?? '', /^Row hidden: policy "read published" \(authenticated may read "posts"\) filters /);
      await assertAccessible(page, 'a draft hidden by the policy built in the editor');
      await banner.getByRole('button', { name: 'Stop viewing as' }).click();
      await page.goto(`${app.url}/admin/w/acme/access`);
      await page.getByRole('heading', { name: 'Roles & policies', level: 1 }).waitFor();
    });

    it('creates a custom role, shows the server\'s refusal of a bad preset, and gives the role to an app user', async () => {
      await page.getByRole('button', { name: 'New role' }).click();
      const dialog = page.getByRole('dialog', { name: 'New app role' });
      await dialog.getByLabel('Name').fill('editors');
      await dialog.getByRole('button', { name: 'Create role' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('table', { name: 'App roles' }).getByRole('cell', { name: 'editors', exact: true }).waitFor();

      await page.getByRole('link', { name: /^editors create posts: none/ }).click();
      const editor = page.getByRole('dialog', { name: 'editors may create "posts"' });
      await editor.getByRole('textbox', { name: 'Presets (forced on written rows)' }).fill('{"author": "$CURRENT_USER"}');
      await editor.getByRole('button', { name: 'Save policy' }).click();
      await editor.getByRole('alert').filter({ hasText: 'author' }).waitFor();
      await assertAccessible(page, 'policy editor, refused');
      if (shots) await screenshot(page, 'studio-policy-refused');
      await editor.getByRole('button', { name: 'Cancel' }).click();
      await editor.waitFor({ state: 'detached' });
      await page.getByRole('link', { name: /^editors create posts: none/ }).waitFor();

      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'App users', exact: true }).click();
      await page.getByRole('button', { name: /Role of writer@example\.com/ }).click();
      await page.getByRole('option', { name: 'editors' }).click();
      await page.getByRole('button', { name: /Role of writer@example\.com/ }).filter({ hasText: 'editors' }).waitFor();
      const listed = await app.api.get(`${base}/app-users?search=writer`, { token: admin.accessToken });
      assert.equal(listed.body.data[0].role, 'editors');

      // Both screens are in the command palette.
      await page.keyboard.press('Control+K');
      const palette = page.getByRole('dialog', { name: 'Command palette' });
      await palette.getByRole('searchbox', { name: 'Go to' }).fill('roles & pol');
      assert.match((await palette.getByRole('option').first().textContent()) ?? '', /^Roles & policies — Screen/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Roles & policies', level: 1 }).waitFor();
      assert.match(page.url(), /\/admin\/w\/acme\/access$/);
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
