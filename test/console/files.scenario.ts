import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { openFromNavigation, signInAt, studioStage } from '../support/studio';

/**
 * Refused on purpose, to see the refusals shown: deleting a folder that still holds a file (409), and
 * uploading a type the instance does not accept (415).
 */
const EXPECTED_REFUSALS = [/\/api\/v1\/w\/acme\/folders\/[0-9a-f-]+$/, /\/api\/v1\/w\/acme\/files$/, /\/api\/v1\/w\/acme\/asset-presets$/];

/** A valid PNG of `width` × `height` opaque pixels, each coloured by `colour(x, y)`, built from its chunks. */
function png(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter method, no interlace
  // Each row starts with its filter type, 0 (none).
  const rows = Array.from({ length: height }, (_, y) => Buffer.from([0, ...Array.from({ length: width }, (_, x) => colour(x, y)).flat()]));
  const pixels = deflateSync(Buffer.concat(rows));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Drops files on an element as the browser does when files are dragged in from the desktop. A script-made
 * DataTransfer has no file-system entries (webkitGetAsEntry answers null, which a real drop of files never
 * does), so the page is given the entry a real drop has, a file's; Playwright cannot drag from the desktop.
 */
async function dropFiles(page: Page, selector: string, files: { name: string; type: string; bytes: Buffer }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list) => {
    const proto = DataTransferItem.prototype;
    const original = proto.webkitGetAsEntry;
    proto.webkitGetAsEntry = function (this: DataTransferItem) {
      return original.call(this) ?? (this.kind === 'file' ? ({ isFile: true, isDirectory: false } as FileSystemEntry) : null);
    };
    const transfer = new DataTransfer();
    for (const file of list) transfer.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
    return transfer;
  }, files.map((file) => ({ name: file.name, type: file.type, base64: file.bytes.toString('base64') })));
  const target = page.locator(selector);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

/**
 * The files library and the command palette of Cairn Studio on one database: the account, workspace and a
 * collection are made through the API, everything else in the browser.
 */
export function describeStudioFiles(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio files and command palette [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let admin: Account;
    const shots = kind === 'sqlite';
    const image = png(24, 16, (x, y) => [31 + x * 9, 111 + y * 8, 200 - x * 6]);
    const notes = Buffer.from('Files from Cairn Studio: ünïcode and all.\n', 'utf8');
    const csv = Buffer.from('id,name\n1,Ada\n', 'utf8');

    const apiFiles = async () => {
      const listed = await app.api.get('/api/v1/w/acme/files?fields=id,filename_download,folder,filesize&sort=filename_download', { token: admin.accessToken });
      assert.equal(listed.status, 200, listed.text);
      return listed.body.data as { id: string; filename_download: string; folder: string | null; filesize: number | string }[];
    };

    const stage = studioStage(kind, { FILES_DENIED_TYPES: 'text/html' });
    before(async () => {
      ({ app, chromium } = stage);
      admin = await newAccount(app.api, 'files');
      const workspace = await app.api.post('/api/v1/workspaces', { name: 'Acme Publishing', slug: 'acme' }, { token: admin.accessToken });
      assert.equal(workspace.status, 201, workspace.text);
      const collection = await app.api.post('/api/v1/w/acme/collections', { collection: 'posts', fields: [{ field: 'title', type: 'string' }] }, { token: admin.accessToken });
      assert.equal(collection.status, 201, collection.text);
      context = await chromium.browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light', acceptDownloads: true });
      page = await context.newPage();
      errors = watchErrors(page, EXPECTED_REFUSALS);
    });

    it('signs in and opens the files library from the navigation', async () => {
      await signInAt(page, `${app.url}/admin/`, admin, /\/admin\/w\/acme\/collections$/);
      await openFromNavigation(page, 'Files', /\/admin\/w\/acme\/files$/);
      await page.getByText('No file yet.').waitFor();
    });

    it('creates a folder, uploads files by drop and by the keyboard, with progress, and previews the image', async () => {
      await page.getByRole('button', { name: 'New folder' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Folder name').fill('Reports');
      await dialog.getByRole('button', { name: 'Create folder' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('link', { name: 'Reports', exact: true }).waitFor();

      // Three files at once, dropped on the library; the type this instance refuses fails alone, with the API's words.
      await dropFiles(page, '.dropzone', [
        { name: 'pixel.png', type: 'image/png', bytes: image },
        { name: 'notes.txt', type: 'text/plain', bytes: notes },
        { name: 'page.html', type: 'text/html', bytes: Buffer.from('<p>hi</p>') },
      ]);
      await page.getByRole('status').filter({ hasText: '3 of 3 finished' }).waitFor();
      await page.getByRole('alert').filter({ hasText: 'Files of type text/html are not accepted.' }).waitFor();
      for (const name of ['pixel.png', 'notes.txt']) {
        const bar = page.getByRole('progressbar', { name: `Uploading ${name}` });
        assert.equal(await bar.getAttribute('aria-valuenow'), '100', `${name} shows its upload done`);
      }

      const preview = page.locator('img[alt="Preview of pixel.png"]');
      await preview.waitFor();
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('img[alt="Preview of pixel.png"]');
        return img !== null && img.complete && img.naturalWidth > 0;
      });
      // The list's thumbnail is the server's 88 × 88 WebP variant of the 24 × 16 image, not the image itself.
      assert.deepEqual(await preview.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]), [88, 88]);
      assert.match((await preview.getAttribute('src')) ?? '', /^blob:/, 'the preview is fetched with the session, not by a token in its address');
      await assertAccessible(page, 'files');
      if (shots) await screenshot(page, 'files');

      // The Upload button is reached and pressed from the keyboard; it opens the browser's file chooser.
      // Listening first: Playwright starts intercepting file choosers when asked, and the focus's round trip
      // to the browser makes sure it has before Enter opens one.
      const choosing = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Upload files' }).focus();
      await page.keyboard.press('Enter');
      const chooser = await choosing;
      assert.equal(chooser.isMultiple(), true);
      await chooser.setFiles([{ name: 'people.csv', mimeType: 'text/csv', buffer: csv }]);
      await page.getByRole('status').filter({ hasText: '1 of 1 finished' }).waitFor();
      assert.deepEqual((await apiFiles()).map((f) => [f.filename_download, Number(f.filesize)]), [
        ['notes.txt', notes.length],
        ['people.csv', csv.length],
        ['pixel.png', image.length],
      ]);
      await assertAccessible(page, 'files, after an upload from the keyboard');

      // Search narrows the folder's list.
      await page.getByLabel('Search files in this folder').fill('pix');
      await page.getByRole('button', { name: 'Download notes.txt' }).waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Download pixel.png' }).waitFor();
      await page.getByLabel('Search files in this folder').fill('');
      await page.getByRole('button', { name: 'Download notes.txt' }).waitFor();

      // The thumbnail opens the image large.
      await page.getByRole('button', { name: 'Preview pixel.png' }).click();
      const large = page.getByRole('dialog', { name: 'pixel.png' });
      await large.waitFor();
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('img.preview-large');
        return img !== null && img.complete && img.naturalWidth === 24;
      });
      await assertAccessible(page, 'file preview');
      await page.keyboard.press('Escape');
      await large.waitFor({ state: 'detached' });
    });

    it('renames a file, moves it into a folder, downloads files byte for byte and deletes them', async () => {
      await page.getByRole('button', { name: 'Rename notes.txt' }).click();
      let dialog = page.getByRole('dialog');
      await dialog.getByLabel('File name').fill('readme.txt');
      await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Rename readme.txt' }).waitFor();

      await page.getByRole('button', { name: 'Move readme.txt' }).click();
      dialog = page.getByRole('dialog');
      await assertAccessible(page, 'move file');
      await dialog.getByRole('button', { name: / Folder$/ }).click();
      await page.getByRole('option', { name: 'Reports', exact: true }).click();
      await dialog.getByRole('button', { name: 'Move', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Move readme.txt' }).waitFor({ state: 'detached' });
      const reports = (await app.api.get('/api/v1/w/acme/folders', { token: admin.accessToken })).body.data[0];
      assert.equal((await apiFiles()).find((f) => f.filename_download === 'readme.txt')?.folder, reports.id);

      // The folder's own address; its file downloads with the bytes uploaded.
      await page.getByRole('link', { name: 'Reports', exact: true }).click();
      await page.waitForURL(new RegExp(`/admin/w/acme/files\\?folder=${reports.id}$`));
      await page.getByRole('button', { name: 'Download readme.txt' }).waitFor();
      const [textDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download readme.txt' }).click()]);
      assert.equal(textDownload.suggestedFilename(), 'readme.txt');
      assert.deepEqual(readFileSync(await textDownload.path()), notes);

      // A folder that holds a file is not deleted: the server's refusal shows as it came.
      await page.getByRole('link', { name: 'All files' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/files$/);
      await page.getByRole('button', { name: 'Delete folder Reports' }).click();
      dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Delete folder' }).click();
      assert.equal(await dialog.getByRole('alert').innerText(), 'The folder holds files; move or delete them first.');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });

      const [imageDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download pixel.png' }).click()]);
      assert.equal(imageDownload.suggestedFilename(), 'pixel.png');
      assert.deepEqual(readFileSync(await imageDownload.path()), image);

      for (const name of ['pixel.png', 'people.csv']) {
        await page.getByRole('button', { name: `Delete ${name}` }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Delete file' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached' });
        await page.getByRole('button', { name: `Download ${name}` }).waitFor({ state: 'detached' });
      }
      await page.getByRole('link', { name: 'Reports', exact: true }).click();
      await page.getByRole('button', { name: 'Delete readme.txt' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete file' }).click();
      await page.getByText('This folder is empty.').waitFor();
      await page.getByRole('link', { name: 'All files' }).click();
      await page.getByRole('button', { name: 'Delete folder Reports' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete folder' }).click();
      await page.getByText('No file yet.').waitFor();
      assert.deepEqual(await apiFiles(), []);
    });

    it('opens the command palette with Control+K, filters fuzzily and goes to a collection', async () => {
      await page.keyboard.press('Control+K');
      const palette = page.getByRole('dialog', { name: 'Command palette' });
      await palette.waitFor();
      const input = palette.getByRole('searchbox', { name: 'Go to' });
      assert.equal(await input.evaluate((el) => el === document.activeElement), true, 'the search field has the focus');
      await palette.getByRole('option', { name: /^Members — Screen/ }).waitFor();
      const everything = await palette.getByRole('option').count();
      await assertAccessible(page, 'command palette');

      await page.keyboard.type('pst');
      await palette.getByRole('option', { name: /^posts — Data/ }).waitFor();
      assert.ok((await palette.getByRole('option').count()) < everything, 'typing narrows the list');
      assert.equal(await palette.getByRole('option', { name: /^Members — Screen/ }).count(), 0);
      assert.match((await palette.getByRole('option').first().textContent()) ?? '', /^posts — Data/, 'the best match comes first');
      if (shots) await screenshot(page, 'palette');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/admin\/w\/acme\/collections\/posts$/);
      await palette.waitFor({ state: 'detached' });

      // The arrow keys choose among the matches.
      await page.keyboard.press('Control+K');
      await page.keyboard.type('posts');
      await palette.getByRole('option', { name: /^posts schema — Schema/ }).waitFor();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/admin\/w\/acme\/collections\/posts\/schema$/);
      assert.deepEqual(errors, [], 'the browser logged no error');
    });

    it('defines and deletes an image preset in the workspace settings, the API refusing a bad one in its words', async () => {
      await openFromNavigation(page, 'Settings', /\/admin\/w\/acme\/settings$/);
      const presets = page.getByRole('region', { name: 'Image presets' });
      await presets.getByText('No presets yet.').waitFor();
      await presets.getByLabel('Preset name').fill('Bad Name');
      await presets.getByRole('button', { name: 'Add preset' }).click();
      await presets.getByRole('alert').filter({ hasText: '"name" must be 1 to 64 lower-case letters' }).waitFor();
      await presets.getByLabel('Preset name').fill('card');
      await presets.getByLabel('Width (px)').fill('120');
      await presets.getByLabel('Height (px)').fill('90');
      await presets.getByRole('button', { name: / Format$/ }).click();
      await page.getByRole('option', { name: 'WebP', exact: true }).click();
      await presets.getByRole('button', { name: 'Add preset' }).click();
      await presets.getByText('120 × 90 · cover · webp').waitFor();
      const listed = await app.api.get('/api/v1/w/acme/asset-presets', { token: admin.accessToken });
      assert.deepEqual(
        listed.body.data.map((p: Record<string, unknown>) => [p.name, p.width, p.height, p.fit, p.format, p.quality]),
        [['card', 120, 90, null, 'webp', null]],
      );
      await assertAccessible(page, 'image presets');
      if (shots) await screenshot(page, 'image-presets');
      await presets.getByRole('button', { name: 'Delete preset card' }).click();
      await presets.getByText('No presets yet.').waitFor();
    });

    it('shows a viewer the files and their downloads, without a control that changes them', async () => {
      const boundary = 'cairn-test-boundary';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="shared.txt"\r\ncontent-type: text/plain\r\n\r\n`),
        notes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const uploaded = await app.api.post('/api/v1/w/acme/files', undefined, { token: admin.accessToken, raw: { content: body, contentType: `multipart/form-data; boundary=${boundary}` } });
      assert.equal(uploaded.status, 200, uploaded.text);
      const viewer = await newAccount(app.api, 'viewer');
      const added = await app.api.post('/api/v1/workspaces/acme/members', { email: viewer.email, role: 'viewer' }, { token: admin.accessToken });
      assert.equal(added.status, 201, added.text);

      const other = await chromium.browser.newContext({ viewport: { width: 1360, height: 860 } });
      const viewerPage = await other.newPage();
      const viewerErrors = watchErrors(viewerPage);
      await viewerPage.goto(`${app.url}/admin/w/acme/files`);
      await viewerPage.waitForURL(/\/admin\/sign-in/);
      await viewerPage.getByLabel('Email').fill(viewer.email);
      await viewerPage.getByLabel('Password').fill(viewer.password);
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      await viewerPage.waitForURL(/\/admin\/w\/acme\/files$/);
      await viewerPage.getByRole('button', { name: 'Download shared.txt' }).waitFor();
      for (const name of ['Upload files', 'New folder', 'Rename shared.txt', 'Move shared.txt', 'Delete shared.txt']) {
        assert.equal(await viewerPage.getByRole('button', { name }).count(), 0, `a viewer has no ${name} button`);
      }
      assert.equal(await viewerPage.locator('.dropzone').count(), 0, 'a viewer has nowhere to drop files');
      await assertAccessible(viewerPage, 'files (viewer)');
      await other.close();
      assert.deepEqual(viewerErrors, []);
    });

    it('adds a file field, picks a file for a post and uploads another from the record form, with its thumbnail', async () => {
      await page.goto(`${app.url}/admin/w/acme/collections/posts/schema`);
      await page.getByRole('button', { name: 'Add field' }).first().click();
      let dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name', { exact: true }).fill('cover');
      await dialog.getByRole('button', { name: / Type$/ }).first().click();
      await page.getByRole('option', { name: 'file', exact: true }).click();
      await dialog.getByRole('button', { name: 'Add field' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: 'cover', exact: true }).waitFor();

      await page.goto(`${app.url}/admin/w/acme/collections/posts`);
      await page.getByRole('button', { name: 'New item' }).click();
      dialog = page.getByRole('dialog');
      await dialog.getByLabel('title').fill('With a cover');
      // Picked among the workspace's files by name.
      await dialog.getByRole('button', { name: 'Show files for cover' }).click();
      await page.getByRole('option', { name: 'shared.txt', exact: true }).click();
      await dialog.getByRole('button', { name: 'Clear cover' }).waitFor();
      // Then replaced by an upload from the form, which picks the new file and shows its thumbnail.
      const choosing = page.waitForEvent('filechooser');
      await dialog.getByRole('button', { name: 'Upload a file for cover' }).click();
      await (await choosing).setFiles([{ name: 'cover.png', mimeType: 'image/png', buffer: image }]);
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('.file-picker img[alt="Preview of cover.png"]');
        // The list's thumbnail: the server's 88 px WebP variant of the 24 px image.
        return img !== null && img.complete && img.naturalWidth === 88;
      });
      assert.equal(await dialog.getByRole('combobox', { name: 'cover' }).inputValue(), 'cover.png');
      await assertAccessible(page, 'record form with a file field');
      if (shots) await screenshot(page, 'record-file');
      await dialog.getByRole('button', { name: 'Create item' }).click();
      await dialog.waitFor({ state: 'detached' });

      const posts = await app.api.get('/api/v1/w/acme/items/posts?fields=title,cover.filename_download,cover.type', { token: admin.accessToken });
      assert.equal(posts.status, 200, posts.text);
      assert.deepEqual(posts.body.data.map((post: { title: string; cover: unknown }) => [post.title, post.cover]), [['With a cover', { filename_download: 'cover.png', type: 'image/png', id: posts.body.data[0].cover.id }]]);
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
