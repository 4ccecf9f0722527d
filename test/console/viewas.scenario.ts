import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { studioStage } from '../support/studio';

/**
 * "View as" in the explorer, on one database when the run selects it: an app role whose read policy
 * filters status = published, an app user of that role, a draft and a published article, all made through
 * the API; viewed as that app user, the grid leaves out the draft and the hidden field, looking the
 * draft up by id names the policy that hides it, and the item's drawer says what the user may change.
 */
export function describeStudioViewAs(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio's view as [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let page: Page;
    let errors: string[];
    let owned: OwnedWorkspace;
    let readerEmail: string;
    let policyId: string;
    let draftId: number;

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      owned = await newOwnedWorkspace(app.api);
      const { api, base } = owned;
      const created = await api.post(`${base}/collections`, {
        collection: 'articles',
        fields: [
          { field: 'title', type: 'string' },
          { field: 'status', type: 'string' },
          { field: 'notes', type: 'string' },
        ],
      });
      assert.equal(created.status, 201, created.text);
      const role = await api.post(`${base}/roles`, { name: 'reader', description: 'Reads what is published' });
      assert.equal(role.status, 201, role.text);
      const policy = await api.post(`${base}/policies`, { role: 'reader', collection: 'articles', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status'] });
      assert.equal(policy.status, 201, policy.text);
      policyId = policy.body.data.id;
      const reader = await newAppUser(app.api, base, 'reader');
      readerEmail = reader.email;
      const promoted = await api.patch(`${base}/app-users/${reader.id}`, { role: 'reader' });
      assert.equal(promoted.status, 200, promoted.text);
      const draft = await api.post(`${base}/items/articles`, { title: 'Draft plan', status: 'draft', notes: 'internal' });
      assert.equal(draft.status, 200, draft.text);
      draftId = draft.body.data.id;
      const published = await api.post(`${base}/items/articles`, { title: 'Launch notes', status: 'published', notes: 'internal' });
      assert.equal(published.status, 200, published.text);

      const context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page);
      await page.goto(`${app.url}/admin/sign-in`);
      await page.getByLabel('Email').fill(owned.owner.email);
      await page.getByLabel('Password').fill(owned.owner.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin\/(workspaces|w\/)/);
      await page.goto(`${app.url}/admin/w/${owned.workspace.slug}/collections/articles`);
      await page.getByRole('gridcell', { name: 'Draft plan', exact: true }).waitFor();
    });

    it('shows the grid as the app user sees it: no draft, no hidden field, each hidden one with its reason', async () => {
      await page.getByRole('button', { name: 'View as…' }).click();
      const picker = page.getByRole('dialog', { name: 'View as' });
      await picker.getByLabel('Search app users').fill(readerEmail.split('@')[0]);
      await picker.getByRole('option', { name: new RegExp(readerEmail.replace(/[.+]/g, '\\$&')) }).click();
      await assertAccessible(page, 'view as picker');
      if (kind === 'sqlite') await screenshot(page, 'explorer-view-as-picker');
      await picker.getByRole('button', { name: 'View as', exact: true }).click();

      const banner = page.getByRole('region', { name: 'Viewing as' });
      await banner.getByText(`The app user ${readerEmail} (role reader, email not verified)`, { exact: true }).waitFor();
      await page.getByRole('gridcell', { name: 'Launch notes', exact: true }).waitFor();
      assert.equal(await page.getByRole('gridcell', { name: 'Draft plan', exact: true }).count(), 0, 'the draft is not in the grid');
      const headers = (await page.getByRole('columnheader').allTextContents()).map((text) => text.replace(/[▲▼]/g, '').trim());
      assert.ok(headers.includes('title') && !headers.includes('notes'), `the hidden field is no column: ${headers.join(', ')}`);
      const hidden = await banner.getByRole('listitem').filter({ hasText: 'notes' }).textContent();
      assert.ok(hidden?.includes(policyId), `the hidden field names the policy: ${hidden}`);
      await page.getByText('1 of 1 items').waitFor();

      await banner.getByText('API preview').click();
      const preview = await banner.locator('code').textContent();
      assert.match(preview ?? '', /^GET \/api\/v1\/w\/[^/]+\/items\/articles\nAuthorization: Bearer <the app user's access token>$/);
      await assertAccessible(page, 'explorer viewed as an app user');
      if (kind === 'sqlite') await screenshot(page, 'explorer-view-as');
    });

    it("looks the draft up by id and names the policy that hides it", async () => {
      const banner = page.getByRole('region', { name: 'Viewing as' });
      await banner.getByLabel('Look up an item by id').fill(String(draftId));
      await banner.getByRole('button', { name: 'Explain' }).click();
      const verdict = banner.getByTestId('viewas-lookup-verdict');
      await verdict.waitFor();
      const text = (await verdict.textContent()) ?? '';
      assert.match(text, /^Row hidden: policy /);
      assert.ok(text.includes(policyId) && text.includes('{"status":{"_eq":"published"}}'), `the reason names the policy and its filter: ${text}`);
      await assertAccessible(page, 'a hidden row explained');
      if (kind === 'sqlite') await screenshot(page, 'explorer-view-as-hidden-row');
    });

    it("says in the item's drawer what the app user may change, and why a change is refused", async () => {
      await page.getByRole('gridcell', { name: 'Launch notes', exact: true }).dblclick();
      const drawer = page.getByRole('dialog');
      const refusal = drawer.locator('p', { hasText: 'Update: refused.' });
      await refusal.waitFor();
      const update = (await refusal.textContent()) ?? '';
      assert.match(update, /the role reader has no update policy on it \(403\)/);
      const notes = await drawer.getByRole('row', { name: /^notes/ }).textContent();
      assert.ok(notes?.includes('Hidden'), `the hidden field is not shown: ${notes}`);
      const why = await drawer.locator('p', { hasText: /^Hidden: .*notes/ }).textContent();
      assert.ok(why?.includes(policyId), `the hidden field's reason names the policy: ${why}`);
      await drawer.getByRole('button', { name: /Field/ }).click();
      await page.getByRole('option', { name: 'title', exact: true }).click();
      await drawer.getByLabel('New value').fill('Renamed');
      await drawer.getByRole('button', { name: 'Check this change' }).click();
      await drawer.getByText(/This change: refused\./).waitFor();
      await assertAccessible(page, 'an item viewed as an app user');
      if (kind === 'sqlite') await screenshot(page, 'explorer-view-as-item');
      await drawer.getByRole('button', { name: 'Close' }).click();
      await drawer.waitFor({ state: 'detached' });
    });

    it('goes back to the caller\'s own view, where the draft is', async () => {
      await page.getByRole('button', { name: 'Stop viewing as' }).click();
      await page.getByRole('gridcell', { name: 'Draft plan', exact: true }).waitFor();
      assert.equal(await page.getByRole('region', { name: 'Viewing as' }).count(), 0);
      const kept = await owned.api.get(`${owned.base}/items/articles?sort=id`);
      assert.deepEqual(kept.body.data.map((row: { title: string }) => row.title), ['Draft plan', 'Launch notes'], 'nothing was written');
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
