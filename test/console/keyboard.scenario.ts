import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { studioStage } from '../support/studio';

/** The schema screen's probe of the composite-index routes, which may not exist on this branch yet. */
const EXPECTED_REFUSALS = [/\/collections\/[a-z_]+\/indexes$/];
const ROWS = 200;

interface Focused {
  role: string | null;
  row: number | null;
  col: number | null;
  text: string;
  label: string | null;
}

/** What has the keyboard focus: its role, its cell's position in the grid, its text. */
function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return {
      role: element?.getAttribute('role') ?? element?.tagName.toLowerCase() ?? null,
      row: element?.dataset.row === undefined ? null : Number(element.dataset.row),
      col: element?.dataset.col === undefined ? null : Number(element.dataset.col),
      text: element?.textContent ?? '',
      label: element?.getAttribute('aria-label') ?? null,
    };
  });
}

async function press(page: Page, ...keys: string[]): Promise<void> {
  for (const key of keys) await page.keyboard.press(key);
}

/** Waits until the focused element is the grid cell at (row, col); answers what it shows. */
async function focusedCell(page: Page, row: number, col: number): Promise<Focused> {
  await page.waitForFunction(
    ([r, c]) => {
      const element = document.activeElement as HTMLElement | null;
      return element?.getAttribute('role') === 'gridcell' && element.dataset.row === String(r) && element.dataset.col === String(c);
    },
    [row, col],
  );
  return focused(page);
}

/**
 * The explorer's grid driven by the keyboard alone, on one database when the run selects it: Tab reaches
 * it, arrows move between cells, Enter edits a cell or opens the item, Escape cancels, Space selects.
 * The rows are seeded through the API.
 */
export function describeKeyboard(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio's grid by keyboard [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let page: Page;
    let errors: string[];
    let owned: OwnedWorkspace;
    /** The grid's column of each field (column 0 selects the row). */
    let col: Record<string, number>;

    const stage = studioStage(kind);
    before(async () => {
      ({ app, chromium } = stage);
      owned = await newOwnedWorkspace(app.api);
      const created = await owned.api.post(`${owned.base}/collections`, {
        collection: 'tasks',
        fields: [
          { field: 'title', type: 'string' },
          { field: 'estimate', type: 'integer' },
        ],
      });
      assert.equal(created.status, 201, created.text);
      const rows = Array.from({ length: ROWS }, (_, i) => ({ title: `Task ${i}`, estimate: i }));
      const seeded = await owned.api.post(`${owned.base}/items/tasks`, rows);
      assert.equal(seeded.status, 200, seeded.text);

      const context = await chromium.browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page, EXPECTED_REFUSALS);
      await page.goto(`${app.url}/admin/sign-in`);
      await page.getByLabel('Email').fill(owned.owner.email);
      await page.getByLabel('Password').fill(owned.owner.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin\/(workspaces|w\/)/);
      await page.goto(`${app.url}/admin/w/${owned.workspace.slug}/collections/tasks`);
      await page.getByRole('gridcell', { name: 'Task 0', exact: true }).waitFor();
      const headers = await page.getByRole('columnheader').allTextContents();
      col = Object.fromEntries(headers.map((text, index) => [text.replace(/[▲▼]/g, '').trim(), index]));
      assert.ok(col.title > 0 && col.estimate > 0, `title and estimate are columns: ${headers.join(', ')}`);
    });

    it('is reached with Tab, and arrows, Home, End and PageDown move between cells', async () => {
      await page.getByLabel('Search').focus();
      for (let i = 0; i < 30 && (await focused(page)).role !== 'gridcell'; i++) await press(page, 'Tab');
      let cell = await focusedCell(page, 0, 1);
      assert.equal(await page.locator('[role=gridcell][tabindex="0"]').count(), 1, 'one cell of the grid is in the tab order');

      await press(page, 'Home', ...Array(col.title).fill('ArrowRight'));
      cell = await focusedCell(page, 0, col.title);
      assert.equal(cell.text, 'Task 0');
      await press(page, 'ArrowDown', 'ArrowDown');
      assert.equal((await focusedCell(page, 2, col.title)).text, 'Task 2');
      await press(page, 'ArrowUp');
      assert.equal((await focusedCell(page, 1, col.title)).text, 'Task 1');
      await press(page, 'ArrowRight');
      assert.equal((await focusedCell(page, 1, col.estimate)).text, '1');
      if (kind === 'sqlite') await screenshot(page, 'explorer-keyboard');
      await press(page, 'PageDown');
      assert.equal((await focusedCell(page, 21, col.estimate)).text, '21');
      await press(page, 'Home');
      await focusedCell(page, 21, 0);

      // The last row is far below the rendered window: the grid scrolls to it, then focuses it.
      await press(page, 'Control+End');
      const columns = (await page.getByRole('columnheader').count()) - 1;
      await focusedCell(page, ROWS - 1, columns);
      await press(page, 'Home', ...Array(col.title).fill('ArrowRight'));
      await page.waitForFunction(() => document.activeElement?.textContent === 'Task 199');
      await press(page, 'Control+Home');
      await focusedCell(page, 0, 0);
      assert.equal(await page.locator('[role=gridcell][tabindex="0"]').count(), 1, 'still one cell in the tab order');
      await assertAccessible(page, 'explorer grid with a focused cell');
    });

    it('edits a cell with Enter: Escape cancels and Enter saves, the focus back on the cell each time', async () => {
      await press(page, 'Control+Home', ...Array(col.title).fill('ArrowRight'));
      await focusedCell(page, 0, col.title);

      await press(page, 'Enter');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Edit title');
      await page.keyboard.type(' (not kept)');
      await press(page, 'Escape');
      const cancelled = await focusedCell(page, 0, col.title);
      assert.equal(cancelled.text, 'Task 0', 'Escape leaves the value as it was');
      assert.equal(await page.getByLabel('Edit title').count(), 0, 'the editor is gone');

      await press(page, 'Enter');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Edit title');
      await press(page, 'Control+A');
      await page.keyboard.type('Renamed by keyboard');
      await press(page, 'Enter');
      await page.getByRole('gridcell', { name: 'Renamed by keyboard', exact: true }).waitFor();
      await focusedCell(page, 0, col.title);
      const first = await owned.api.get(`${owned.base}/items/tasks?sort=id&limit=1`);
      assert.equal(first.body.data[0].title, 'Renamed by keyboard', 'the edit reached the server');

      // Down to the next row and edit there too, without touching the mouse.
      await press(page, 'ArrowDown', 'Enter');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Edit title');
      await press(page, 'Escape');
      assert.equal((await focusedCell(page, 1, col.title)).text, 'Task 1');
    });

    it('opens the item with Enter where a cell is not edited inline, closes it with Escape, and selects rows with Space', async () => {
      await press(page, 'Control+Home');
      await focusedCell(page, 0, 0);
      await press(page, 'Enter');
      const drawer = page.getByRole('dialog');
      await drawer.getByRole('heading', { name: /^tasks #\d+$/ }).waitFor();
      await drawer.getByLabel('title').waitFor();
      await press(page, 'Escape');
      await drawer.waitFor({ state: 'detached' });
      await focusedCell(page, 0, 0);

      await press(page, 'Space');
      await page.locator('[role=row][aria-rowindex="2"][aria-selected="true"]').waitFor();
      await page.getByText('1 selected').waitFor();
      await press(page, 'ArrowDown', 'Space');
      await page.getByText('2 selected').waitFor();
      await press(page, 'Space');
      await page.getByText('1 selected').waitFor();
      assert.equal(await page.locator('[role=row][aria-rowindex="3"]').getAttribute('aria-selected'), 'false');
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
