import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, addMember, newAccount } from '../support/factories';
import { signInAt, studioStage } from '../support/studio';

const NOTES = 8;

function signIn(page: Page, account: Account, address: string): Promise<void> {
  return signInAt(page, address, account, address);
}

/** The grid row that shows a text, with its highlight class. */
const rowWith = (page: Page, text: string) => page.locator('.grid-row').filter({ has: page.getByRole('gridcell', { name: text, exact: true }) });

/** The drawer of an open item (named by its heading, so a dialog over it is not taken for it). */
const recordDrawer = (page: Page) => page.getByRole('dialog', { name: /^notes #/ });

/** Opens a row's record from the keyboard: Enter on its first cell, the selection box, which edits nothing. */
async function openRecord(page: Page, text: string): Promise<void> {
  const first = rowWith(page, text).getByRole('gridcell').first();
  await first.focus();
  await first.press('Enter');
  await recordDrawer(page).getByLabel('title', { exact: true }).waitFor();
}

/**
 * Two people in the console at once on one database, when the run selects it: what one changes the other
 * sees live, a save over the other's change asks first, and an item's history reverts. The account, the
 * workspace and the collection are made through the API; only what is tested goes through the browser.
 */
export function describeStudioLive(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio live, two browsers [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let adaContext: BrowserContext;
    let beaContext: BrowserContext;
    /** Ada, the workspace's owner; Bea, an editor. */
    let ada: Page;
    let bea: Page;
    let adaErrors: string[];
    let beaErrors: string[];
    let owner: Account;
    let editor: Account;
    const shots = kind === 'sqlite';
    const grid = () => `${app.url}/admin/w/acme/collections/notes`;
    const item = async (id: number) => (await app.api.get(`/api/v1/w/acme/items/notes/${id}`, { token: owner.accessToken })).body.data;

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      owner = await newAccount(app.api, 'Ada');
      editor = await newAccount(app.api, 'Bea');
      const token = { token: owner.accessToken };
      const workspace = await app.api.post('/api/v1/workspaces', { name: 'Acme', slug: 'acme' }, token);
      assert.equal(workspace.status, 201, workspace.text);
      await addMember(app.api, { id: workspace.body.data.id, slug: 'acme' }, owner, editor, 'editor');
      const collection = await app.api.post(
        '/api/v1/w/acme/collections',
        { collection: 'notes', primary_key: 'integer', fields: [{ field: 'title', type: 'string' }, { field: 'rank', type: 'integer' }] },
        token,
      );
      assert.equal(collection.status, 201, collection.text);
      const rows = Array.from({ length: NOTES }, (_, i) => ({ title: `Note ${i + 1}`, rank: i + 1 }));
      const seeded = await app.api.post('/api/v1/w/acme/items/notes', rows, token);
      assert.equal(seeded.status, 200, seeded.text);

      adaContext = await chromium.browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
      // Bea's browser asks for reduced motion: the highlight of a change then stays still instead of fading.
      beaContext = await chromium.browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light', reducedMotion: 'reduce' });
      ada = await adaContext.newPage();
      bea = await beaContext.newPage();
      adaErrors = watchErrors(ada);
      beaErrors = watchErrors(bea);
      await signIn(ada, owner, grid());
      await signIn(bea, editor, grid());
    });

    it("shows one person's edit, new item and deletion in the other's grid without a reload", async () => {
      for (const page of [ada, bea]) {
        await page.getByText(`${NOTES} of ${NOTES} items`).waitFor();
        await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      }

      // Ada edits a cell inline; Bea's grid shows the new value, highlighted.
      await ada.getByRole('gridcell', { name: 'Note 3', exact: true }).dblclick();
      await ada.getByLabel('Edit title').fill('Edited by Ada');
      await ada.getByLabel('Edit title').press('Enter');
      await rowWith(bea, 'Edited by Ada').and(bea.locator('.flash')).waitFor();
      assert.equal(await bea.getByRole('gridcell', { name: 'Note 3', exact: true }).count(), 0);
      await assertAccessible(bea, 'explorer (live change)');
      if (shots) await screenshot(bea, 'live');
      // With reduced motion the highlight does not move: no animation runs on it.
      assert.equal(await rowWith(bea, 'Edited by Ada').evaluate((row) => getComputedStyle(row).animationName), 'none');
      await rowWith(bea, 'Edited by Ada').and(bea.locator('.flash')).waitFor({ state: 'detached' });

      // Ada creates an item; it appears in Bea's grid.
      await ada.getByRole('button', { name: 'New item' }).click();
      const form = ada.getByRole('dialog');
      await form.getByLabel('title', { exact: true }).fill('Brand new note');
      await form.getByLabel('rank', { exact: true }).fill('99');
      await form.getByRole('button', { name: 'Create item' }).click();
      await form.waitFor({ state: 'detached' });
      await bea.getByText(`${NOTES + 1} of ${NOTES + 1} items`).waitFor();
      await rowWith(bea, 'Brand new note').waitFor();

      // Ada deletes an item; it leaves Bea's grid.
      await openRecord(ada, 'Note 2');
      await recordDrawer(ada).getByRole('button', { name: 'Delete item' }).click();
      await ada.getByRole('dialog', { name: 'Delete item #2?' }).getByRole('button', { name: 'Delete item' }).click();
      await recordDrawer(ada).waitFor({ state: 'detached' });
      await ada.getByText(`${NOTES} of ${NOTES} items`).waitFor();
      await bea.getByRole('gridcell', { name: 'Note 2', exact: true }).waitFor({ state: 'detached' });
      await bea.getByText(`${NOTES} of ${NOTES} items`).waitFor();
    });

    it('warns before saving over a change made since the record was opened, showing both versions', async () => {
      // Bea opens note 4 and edits its title; meanwhile Ada saves another title.
      await openRecord(bea, 'Note 4');
      let drawer = recordDrawer(bea);
      await drawer.getByLabel('title', { exact: true }).fill("Bea's title");
      await ada.getByRole('gridcell', { name: 'Note 4', exact: true }).dblclick();
      await ada.getByLabel('Edit title').fill("Ada's title");
      await ada.getByLabel('Edit title').press('Enter');
      await ada.getByRole('gridcell', { name: "Ada's title", exact: true }).waitFor();

      // Bea is told while editing, and her text stays; saving shows theirs and hers.
      await drawer.getByRole('status').filter({ hasText: 'Someone else changed title' }).waitFor();
      assert.equal(await drawer.getByLabel('title', { exact: true }).inputValue(), "Bea's title");
      await drawer.getByRole('button', { name: 'Save' }).click();
      const conflict = bea.getByRole('dialog', { name: 'Someone else changed this item' });
      await conflict.waitFor();
      const row = conflict.getByRole('row', { name: /^title/ });
      assert.deepEqual(await row.getByRole('cell').allInnerTexts(), ["Ada's title", "Bea's title"]);
      await assertAccessible(bea, 'save conflict');
      if (shots) await screenshot(bea, 'conflict');
      assert.equal((await item(4)).title, "Ada's title", 'nothing was written before Bea chose');
      await conflict.getByRole('button', { name: 'Overwrite with mine' }).click();
      await drawer.waitFor({ state: 'detached' });
      assert.equal((await item(4)).title, "Bea's title");
      await ada.getByRole('gridcell', { name: "Bea's title", exact: true }).waitFor();

      // The other way: Bea takes Ada's version, and nothing of hers is written.
      await openRecord(bea, 'Note 5');
      drawer = recordDrawer(bea);
      await drawer.getByLabel('title', { exact: true }).fill('Bea again');
      const changed = await app.api.patch('/api/v1/w/acme/items/notes/5', { title: 'Ada again' }, { token: owner.accessToken });
      assert.equal(changed.status, 200, changed.text);
      await drawer.getByRole('button', { name: 'Save' }).click();
      await bea.getByRole('dialog', { name: 'Someone else changed this item' }).getByRole('button', { name: 'Take theirs' }).click();
      await drawer.getByText('The form shows their version').waitFor();
      assert.equal(await drawer.getByLabel('title', { exact: true }).inputValue(), 'Ada again');
      assert.equal((await item(5)).title, 'Ada again');
      await drawer.getByRole('button', { name: 'Close' }).click();
      await drawer.waitFor({ state: 'detached' });

      // A cell edited inline asks too, when its row changed meanwhile.
      await bea.getByRole('gridcell', { name: 'Note 6', exact: true }).dblclick();
      await bea.getByLabel('Edit title').fill('Bea inline');
      assert.equal((await app.api.patch('/api/v1/w/acme/items/notes/6', { title: 'Ada inline' }, { token: owner.accessToken })).status, 200);
      await bea.locator('.grid-row.flash').filter({ has: bea.getByLabel('Edit title') }).waitFor();
      await bea.getByLabel('Edit title').press('Enter');
      const inline = bea.getByRole('dialog', { name: 'Someone else changed this item' });
      assert.deepEqual(await inline.getByRole('row', { name: /^title/ }).getByRole('cell').allInnerTexts(), ['Ada inline', 'Bea inline']);
      await inline.getByRole('button', { name: 'Take theirs' }).click();
      await bea.getByRole('gridcell', { name: 'Ada inline', exact: true }).waitFor();
      assert.equal((await item(6)).title, 'Ada inline');
    });

    it("lists an item's history and reverts it to an earlier version, for owners only", async () => {
      await openRecord(ada, "Bea's title");
      const drawer = recordDrawer(ada);
      await drawer.getByRole('tab', { name: 'History' }).click();
      const entries = drawer.getByRole('listitem').filter({ has: ada.locator('time') });
      await entries.nth(2).waitFor();
      assert.equal(await entries.count(), 3);
      // Newest first: Bea's overwrite, Ada's inline edit, the seeded create.
      assert.match(await entries.nth(0).innerText(), /update\s+by Bea[\s\S]*title Ada's title → Bea's title/);
      assert.match(await entries.nth(1).innerText(), /update\s+by you[\s\S]*title Note 4 → Ada's title/);
      assert.match(await entries.nth(2).innerText(), /create\s+by you[\s\S]*title Note 4/);
      await assertAccessible(ada, 'history');
      if (shots) await screenshot(ada, 'history');

      await entries.nth(2).getByRole('button', { name: 'Revert to this' }).click();
      const confirm = ada.getByRole('dialog', { name: 'Revert item #4?' });
      await assertAccessible(ada, 'revert confirmation');
      await confirm.getByRole('button', { name: 'Revert' }).click();
      await confirm.waitFor({ state: 'detached' });
      await entries.nth(3).waitFor();
      assert.match(await entries.nth(0).innerText(), /update\s+by you[\s\S]*title Bea's title → Note 4/);
      assert.equal((await item(4)).title, 'Note 4');
      // The open form and Bea's grid follow the revert.
      await drawer.getByRole('tab', { name: 'Record' }).click();
      assert.equal(await drawer.getByLabel('title', { exact: true }).inputValue(), 'Note 4');
      await bea.getByRole('gridcell', { name: 'Note 4', exact: true }).waitFor();
      await drawer.getByRole('button', { name: 'Close' }).click();

      // An editor's drawer has no history, and asks for none.
      const revisionRequests: string[] = [];
      bea.on('request', (request) => {
        if (request.url().includes('/revisions')) revisionRequests.push(request.url());
      });
      await openRecord(bea, 'Note 4');
      assert.equal(await bea.getByRole('tab', { name: 'History' }).count(), 0);
      await assertAccessible(bea, 'record (editor)');
      assert.deepEqual(revisionRequests, []);

      assert.deepEqual(adaErrors, [], "Ada's browser logged no error");
      assert.deepEqual(beaErrors, [], "Bea's browser logged no error");
    });
  });
}
