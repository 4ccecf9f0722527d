import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ORPHAN_GRACE_MS, OrphanSweeper } from '../../src/modules/files/orphan-sweeper';
import { describeEachDatabase, Suite } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { multipartBody, sha256, streamDownload, streamUpload, UploadPart } from '../support/uploads';

const MB = 1024 * 1024;

/** Every file under a folder, as paths relative to it. */
function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((path) => statSync(join(root, path)).isFile());
}

async function upload(owned: OwnedWorkspace, part: UploadPart, token?: string | null) {
  return owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody(part), ...(token === undefined ? {} : { token }) });
}

/** The process's live memory (V8 heap and memory outside it, Buffers included) after a full collection. */
function liveMemory(gc: () => void): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describeEachDatabase('files', { env: { FILES_MAX_SIZE: '64mb', FILES_DENIED_TYPES: 'application/vnd.microsoft.portable-executable,application/x-msdownload' } }, (suite: Suite) => {
  const storageOf = (owned: OwnedWorkspace) => join(suite.app.config.files.localRoot, owned.workspace.id);

  test('a 50 MB upload streams with flat memory, and downloads whole and in ranges with equal checksums', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    // The app runs in this process: collecting garbage before each sample measures what is held, not what awaits collection.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const baseline = liveMemory(gc);
    const growth: number[] = [];
    const size = 50 * MB;
    const sent = await streamUpload(`${suite.app.url}${owned.base}/files`, owned.owner.accessToken, {
      filename: 'big.bin',
      type: 'application/octet-stream',
      size,
      chunk: 256 * 1024,
      every: 10 * MB,
      checkpoint: async () => {
        growth.push(liveMemory(gc) - baseline);
      },
    });
    growth.push(liveMemory(gc) - baseline);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(growth.length, 5);
    // Buffering the file would hold up to 50 MB; streaming holds a few chunks in flight.
    assert.ok(Math.max(...growth) < 20 * MB, `memory grew by ${growth.map((g) => (g / MB).toFixed(1)).join(', ')} MB`);
    const file = sent.body.data;
    assert.equal(file.filesize, size);
    assert.equal(file.checksum, sent.sha256);

    const whole = await streamDownload(`${suite.app.url}${owned.base}/assets/${file.id}`, { authorization: `Bearer ${owned.owner.accessToken}` });
    assert.equal(whole.status, 200);
    assert.equal(whole.size, size);
    assert.equal(whole.sha256, sent.sha256);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');

    const range = await streamDownload(`${suite.app.url}${owned.base}/assets/${file.id}?access_token=${owned.owner.accessToken}`, { range: 'bytes=1000-1999' });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get('content-range'), `bytes 1000-1999/${size}`);
    assert.equal(range.sha256, sha256(sent.first.subarray(1000, 2000)));

    const suffix = await streamDownload(`${suite.app.url}${owned.base}/assets/${file.id}`, { authorization: `Bearer ${owned.owner.accessToken}`, range: 'bytes=-500' });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get('content-range'), `bytes ${size - 500}-${size - 1}/${size}`);
    assert.equal(suffix.sha256, sha256(sent.last.subarray(sent.last.length - 500)));

    const beyond = await owned.api.get(`${owned.base}/assets/${file.id}`, { headers: { range: `bytes=${size}-` } });
    assertError(beyond, 416, 'RANGE_NOT_SATISFIABLE');
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
  });

  test('a path-traversal file name is refused, and nothing is written, inside the storage root or outside it', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const before = filesUnder(suite.app.config.server.dataDir);
    for (const name of ['../../etc/passwd', '..\\..\\x.txt', '..', 'dir/x.txt', 'evil\u0000name.txt']) {
      const answer = await upload(owned, { filename: name, type: 'text/plain', content: 'hello' });
      assertError(answer, 400, 'INVALID_PAYLOAD');
      assert.equal(answer.body.errors[0].extensions.field, 'file');
    }
    assert.deepEqual(filesUnder(suite.app.config.server.dataDir), before);
    assert.equal((await owned.api.get(`${owned.base}/files?meta=total_count`)).body.meta.total_count, 0);
    // What is left of a plain name is cleaned, never refused: characters Windows forbids, leading dots.
    const cleaned = await upload(owned, { filename: '.report<1>.txt', type: 'text/plain', content: 'hello' });
    assert.equal(cleaned.status, 200, cleaned.text);
    assert.equal(cleaned.body.data.filename_download, 'report_1_.txt');
    assert.match(cleaned.body.data.filename_disk, new RegExp(`^${cleaned.body.data.id}\\.txt$`));
  });

  test('a forbidden type is refused with 415, and leaves no row and no bytes', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const declared = await upload(owned, { filename: 'tool.bin', type: 'application/x-msdownload', content: 'MZ' });
    assertError(declared, 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Declared harmless, named as an executable: the name's type is checked too.
    const named = await upload(owned, { filename: 'tool.exe', type: 'image/png', content: 'MZ' });
    assertError(named, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const list = await owned.api.get(`${owned.base}/files?meta=total_count`);
    assert.equal(list.body.meta.total_count, 0);
    assert.deepEqual(filesUnder(storageOf(owned)), []);
  });

  test('an SVG is served as an attachment with nosniff and a sandbox; a PNG inline unless ?download', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const svg = await upload(owned, { filename: 'logo.svg', type: 'image/svg+xml', content: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' });
    assert.equal(svg.status, 200, svg.text);
    const served = await owned.api.get(`${owned.base}/assets/${svg.body.data.id}`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/svg+xml');
    assert.match(served.headers.get('content-disposition') ?? '', /^attachment; filename="logo.svg"/);
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    assert.match(served.headers.get('content-security-policy') ?? '', /^sandbox/);

    const png = await upload(owned, { filename: 'dot.png', type: 'image/png', content: Buffer.from('89504e470d0a1a0a', 'hex') });
    const inline = await owned.api.get(`${owned.base}/assets/${png.body.data.id}`);
    assert.match(inline.headers.get('content-disposition') ?? '', /^inline/);
    assert.equal(inline.headers.get('content-type'), 'image/png');
    const forced = await owned.api.get(`${owned.base}/assets/${png.body.data.id}?download`);
    assert.match(forced.headers.get('content-disposition') ?? '', /^attachment/);

    const html = await upload(owned, { filename: 'page.html', type: 'text/html', content: '<script>alert(1)</script>' });
    const page = await owned.api.get(`${owned.base}/assets/${html.body.data.id}`);
    assert.match(page.headers.get('content-disposition') ?? '', /^attachment/);
  });

  test('title and folder may come before or after the file part, and metadata is filtered with the query language', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const folder = await owned.api.post(`${owned.base}/folders`, { name: 'Images' });
    assert.equal(folder.status, 200, folder.text);
    const folderId = folder.body.data.id;
    const first = await upload(owned, { filename: 'a.png', type: 'image/png', content: 'a', before: { title: 'Before', folder: folderId } });
    const second = await upload(owned, { filename: 'b.jpg', type: 'image/jpeg', content: 'bb', after: { title: 'After', folder: folderId } });
    const third = await upload(owned, { filename: 'c.txt', type: 'text/plain', content: 'ccc' });
    for (const answer of [first, second, third]) assert.equal(answer.status, 200, answer.text);
    assert.equal(first.body.data.title, 'Before');
    assert.equal(second.body.data.title, 'After');
    assert.equal(second.body.data.folder, folderId);
    assert.equal(third.body.data.uploaded_by, owned.owner.id);
    assert.equal(third.body.data.checksum, sha256('ccc'));

    const images = await owned.api.get(`${owned.base}/files?filter[type][_starts_with]=image/&sort=filename_download&fields=filename_download,folder.name`);
    assert.equal(images.status, 200, images.text);
    assert.deepEqual(images.body.data.map((f: any) => [f.filename_download, f.folder.name]), [['a.png', 'Images'], ['b.jpg', 'Images']]);
    const inFolder = await owned.api.get(`${owned.base}/files?filter={"folder":{"_eq":"${folderId}"}}&meta=total_count,filter_count`);
    assert.deepEqual(inFolder.body.meta, { total_count: 3, filter_count: 2 });
    const total = await owned.api.get(`${owned.base}/files?aggregate[sum]=filesize`);
    assert.deepEqual(total.body.data, [{ sum: { filesize: 6 } }]);
    const unknown = await owned.api.get(`${owned.base}/files?filter[nope][_eq]=1`);
    assertError(unknown, 400, 'INVALID_QUERY');

    const badFolder = await upload(owned, { filename: 'd.txt', type: 'text/plain', content: 'd', after: { folder: '00000000-0000-4000-8000-000000000000' } });
    assertError(badFolder, 400, 'INVALID_PAYLOAD');
    const extra = await upload(owned, { filename: 'e.txt', type: 'text/plain', content: 'e', before: { owner: 'me' } });
    assertError(extra, 400, 'INVALID_PAYLOAD');
    assert.equal(filesUnder(storageOf(owned)).length, 3);
  });

  test('a file is renamed and moved with PATCH; deleting it removes its row and its bytes', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const uploaded = await upload(owned, { filename: 'notes.txt', type: 'text/plain', content: 'notes' });
    const id = uploaded.body.data.id;
    assertError(await owned.api.patch(`${owned.base}/files/${id}`, { filename_download: '../renamed.txt' }), 400, 'INVALID_PAYLOAD');
    const renamed = await owned.api.patch(`${owned.base}/files/${id}`, { title: 'Notes', filename_download: 'renamed.txt' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.data.filename_download, 'renamed.txt');
    const refused = await owned.api.patch(`${owned.base}/files/${id}`, { checksum: 'x' });
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(filesUnder(storageOf(owned)).length, 1);

    const deleted = await owned.api.delete(`${owned.base}/files/${id}`);
    assert.equal(deleted.status, 204, deleted.text);
    assert.deepEqual(filesUnder(storageOf(owned)), []);
    assertError(await owned.api.get(`${owned.base}/files/${id}`), 404, 'NOT_FOUND');
    assertError(await owned.api.get(`${owned.base}/assets/${id}`), 404, 'NOT_FOUND');
  });

  test('the sweep removes stored bytes that no file row names, once they are past the grace period', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const kept = await upload(owned, { filename: 'kept.txt', type: 'text/plain', content: 'kept' });
    const folder = storageOf(owned);
    writeFileSync(join(folder, 'orphan.txt'), 'left by a crash');
    const sweeper = suite.app.nest.get(OrphanSweeper);
    assert.equal(await sweeper.sweep(new Date()), 0);
    assert.equal(await sweeper.sweep(new Date(Date.now() + ORPHAN_GRACE_MS + 60_000)), 1);
    assert.deepEqual(filesUnder(folder), [kept.body.data.filename_disk]);
  });

  test('a folder that holds files or folders cannot be deleted; an empty one can', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const parent = (await owned.api.post(`${owned.base}/folders`, { name: 'Parent' })).body.data;
    const child = await owned.api.post(`${owned.base}/folders`, { name: 'Child', parent: parent.id });
    assert.equal(child.body.data.parent, parent.id);
    const cycle = await owned.api.patch(`${owned.base}/folders/${parent.id}`, { parent: child.body.data.id });
    assertError(cycle, 400, 'INVALID_PAYLOAD');
    assertError(await owned.api.delete(`${owned.base}/folders/${parent.id}`), 409, 'CONFLICT');
    const file = await upload(owned, { filename: 'x.txt', type: 'text/plain', content: 'x', before: { folder: child.body.data.id } });
    assertError(await owned.api.delete(`${owned.base}/folders/${child.body.data.id}`), 409, 'CONFLICT');
    await owned.api.delete(`${owned.base}/files/${file.body.data.id}`);
    assert.equal((await owned.api.delete(`${owned.base}/folders/${child.body.data.id}`)).status, 204);
    assert.equal((await owned.api.delete(`${owned.base}/folders/${parent.id}`)).status, 204);
  });

  test('multipart bodies are still refused with 415 on every route but the upload', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const answer = await owned.api.request('POST', `${owned.base}/folders`, { raw: multipartBody({ filename: 'a.txt', type: 'text/plain', content: 'a' }) });
    assertError(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const json = await owned.api.post(`${owned.base}/files`, { title: 'no file' });
    assertError(json, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('app users and API keys reach files only as their policies and roles allow', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const ownerFile = (await upload(owned, { filename: 'owner.txt', type: 'text/plain', content: 'owner' })).body.data;
    const user = await newAppUser(suite.api, owned.base);
    const asUser = owned.api.as(user.accessToken);

    // Without a policy on files: 403 everywhere, downloads included.
    assertError(await asUser.get(`${owned.base}/files`), 403, 'FORBIDDEN');
    assertError(await asUser.get(`${owned.base}/assets/${ownerFile.id}`), 403, 'FORBIDDEN');
    assertError(await upload(owned, { filename: 'u.txt', type: 'text/plain', content: 'u' }, user.accessToken), 403, 'FORBIDDEN');
    assertError(await owned.api.get(`${owned.base}/assets/${ownerFile.id}?access_token=${user.accessToken}`, { token: null }), 403, 'FORBIDDEN');

    const own = { uploaded_by: { _eq: '$CURRENT_USER' } };
    for (const action of ['read', 'create', 'delete']) {
      const policy = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'files', action, filter: action === 'create' ? null : own, fields: action === 'create' ? ['title'] : ['*'] });
      assert.equal(policy.status, 201, policy.text);
    }
    // Policies on files are checked against the files' fields, as others are against their collection's.
    const bad = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'files', action: 'update', fields: ['nope'] });
    assertError(bad, 400, 'INVALID_PAYLOAD');
    const badFilter = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'folders', action: 'read', filter: { size: { _eq: 1 } } });
    assertError(badFilter, 400, 'INVALID_QUERY');

    const mine = await upload(owned, { filename: 'mine.txt', type: 'text/plain', content: 'mine', before: { title: 'Mine' } }, user.accessToken);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.data.uploaded_by, user.id);
    const foldered = await upload(owned, { filename: 'f.txt', type: 'text/plain', content: 'f', before: { folder: '00000000-0000-4000-8000-000000000000' } }, user.accessToken);
    assertError(foldered, 403, 'FORBIDDEN');

    const listed = await asUser.get(`${owned.base}/files`);
    assert.deepEqual(listed.body.data.map((f: any) => f.id), [mine.body.data.id]);
    assertError(await asUser.get(`${owned.base}/assets/${ownerFile.id}`), 404, 'NOT_FOUND');
    const download = await owned.api.get(`${owned.base}/assets/${mine.body.data.id}?access_token=${user.accessToken}`, { token: null });
    assert.equal(download.status, 200);
    assert.equal(download.text, 'mine');
    assertError(await asUser.patch(`${owned.base}/files/${mine.body.data.id}`, { title: 'x' }), 403, 'FORBIDDEN');
    assertError(await asUser.delete(`${owned.base}/files/${ownerFile.id}`), 404, 'NOT_FOUND');
    assert.equal((await asUser.delete(`${owned.base}/files/${mine.body.data.id}`)).status, 204);
    // Folders have policies of their own.
    assertError(await asUser.get(`${owned.base}/folders`), 403, 'FORBIDDEN');

    const key = await owned.api.post(`/api/v1/workspaces/${owned.workspace.slug}/api-keys`, { name: 'reader', role: 'viewer' });
    const viewer = key.body.data.key as string;
    assert.equal((await owned.api.as(viewer).get(`${owned.base}/files/${ownerFile.id}`)).status, 200);
    assertError(await upload(owned, { filename: 'v.txt', type: 'text/plain', content: 'v' }, viewer), 403, 'FORBIDDEN');
    assertError(await owned.api.as(viewer).delete(`${owned.base}/files/${ownerFile.id}`), 403, 'FORBIDDEN');
  });
});

describeEachDatabase('files over the size limit', { env: { FILES_MAX_SIZE: '1kb' } }, (suite: Suite) => {
  test('an oversized file is refused with 413, and leaves no row and no bytes', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const answer = await upload(owned, { filename: 'big.txt', type: 'text/plain', content: Buffer.alloc(200 * 1024, 'a'), after: { title: 'too big' } });
    assertError(answer, 413, 'PAYLOAD_TOO_LARGE');
    const list = await owned.api.get(`${owned.base}/files?meta=total_count`);
    assert.equal(list.body.meta.total_count, 0);
    assert.deepEqual(filesUnder(join(suite.app.config.files.localRoot, owned.workspace.id)), []);
    const fits = await upload(owned, { filename: 'small.txt', type: 'text/plain', content: Buffer.alloc(1024, 'a') });
    assert.equal(fits.status, 200, fits.text);
  });
});
