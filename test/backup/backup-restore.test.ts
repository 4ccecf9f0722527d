import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { extract, pack } from 'tar-stream';
import type { DatabaseKind } from '../../src/config/app-config';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { AppUser, newAppUser } from '../support/app-users';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { multipartBody, sha256 } from '../support/uploads';
import { WebhookReceiver } from '../support/webhook-receiver';

/** Flows are only defined here; webhooks are sent by their test route alone, to a loopback receiver. */
const BACKUP_ENV = { FLOWS_RUN: 'false', WEBHOOK_DISPATCH: 'false', WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', RESTORE_MAX_SIZE: '1mb' };

// A 1×1 PNG: small, real, typed by its name and declared type alike.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

/** The other selected databases (this one when it is the only one), so an archive travels between kinds. */
function othersThan(kind: DatabaseKind): DatabaseKind[] {
  const others = selectedDatabases().filter((other) => other !== kind);
  return others.length > 0 ? others : [kind];
}

const ok = async (promise: Promise<{ status: number; text: string; body: any }>) => {
  const response = await promise;
  assert.ok(response.status < 300, response.text);
  return response.body?.data;
};

/** A download's bytes, as a client saves them. */
async function download(api: Api, path: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const token = (api as unknown as { token: string | null }).token;
  const response = await fetch(`${api.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

function restore(api: Api, path: string, archive: Buffer) {
  return api.request('POST', path, { raw: multipartBody({ name: 'archive', filename: 'backup.tar.gz', type: 'application/gzip', content: archive }) });
}

/** An archive's entries in their order. */
async function entriesOf(archive: Buffer): Promise<Array<{ name: string; content: Buffer }>> {
  const entries: Array<{ name: string; content: Buffer }> = [];
  const tar = extract();
  Readable.from([gunzipSync(archive)]).pipe(tar);
  for await (const entry of tar) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ name: entry.header.name, content: Buffer.concat(chunks) });
  }
  return entries;
}

/** Entries packed again as a gzipped tar, as someone editing an archive by hand would. */
async function packed(entries: Array<{ name: string; content: Buffer }>): Promise<Buffer> {
  const tar = pack();
  for (const entry of entries) tar.entry({ name: entry.name }, entry.content);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** Every collection's items, by key, with what their relations lead to. */
async function contents(api: Api, base: string): Promise<Record<string, unknown>> {
  const collections: Array<{ collection: string }> = await ok(api.get(`${base}/collections`));
  const all: Record<string, unknown> = {};
  for (const { collection } of collections) all[collection] = await ok(api.get(`${base}/items/${collection}?limit=1000&sort=id`));
  all['authors with posts'] = await ok(api.get(`${base}/items/authors?fields=id,name,posts.title&sort=id`));
  all['posts with tags'] = await ok(api.get(`${base}/items/posts?fields=id,author.name,tags.label,cover.filesize,cover.checksum&sort=id`));
  all['category tree'] = await ok(api.get(`${base}/items/categories?fields=id,name,parent.name&sort=id`));
  return all;
}

/** What a workspace's automations are: its snapshot, every section of it. */
const snapshotOf = (api: Api, base: string) => ok(api.get(`${base}/schema/snapshot`));

describeEachDatabase('backup and restore', { env: BACKUP_ENV }, (suite) => {
  let source: OwnedWorkspace;
  let receiver: WebhookReceiver;
  let archive: Buffer;
  let appUser: AppUser;
  let webhookSecret: string;
  let fileId: string;
  const targets: Array<{ kind: DatabaseKind; db: TestDatabase; app: RunningApp; admin: Account; api: Api }> = [];

  before(async () => {
    receiver = await WebhookReceiver.start();
    source = await newOwnedWorkspace(suite.api);
    const { api, base } = source;
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string', required: true }, { field: 'email', type: 'string', unique: true }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string', length: 200 },
        { field: 'body', type: 'text' },
        { field: 'views', type: 'integer' },
        { field: 'big', type: 'bigint' },
        { field: 'score', type: 'float' },
        { field: 'price', type: 'decimal', precision: 12, scale: 3 },
        { field: 'live', type: 'boolean', default: false },
        { field: 'day', type: 'date' },
        { field: 'at', type: 'datetime' },
        { field: 'opens', type: 'time' },
        { field: 'extra', type: 'json' },
        { field: 'ref', type: 'uuid' },
        { field: 'status', type: 'enum', values: ['draft', 'published'], default: 'draft' },
        { field: 'code', type: 'autocode', autocode: { prefix: 'P-', padding: 5 } },
        { field: 'cover', type: 'file' },
        { field: 'reader', type: 'app_user' },
        { field: 'reviewer', type: 'member' },
      ],
    });
    await ok(api.post(`${base}/fields/posts`, { field: 'gallery', type: 'files' }));
    await newCollection(api, base, { collection: 'tags', primary_key: 'uuid', fields: [{ field: 'label', type: 'string' }] });
    await newCollection(api, base, { collection: 'categories', fields: [{ field: 'name', type: 'string' }] });
    await ok(api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'CASCADE', one_field: 'posts' }));
    await ok(api.post(`${base}/relations`, { collection: 'posts', field: 'tags', related_collection: 'tags', junction: true, one_field: 'posts' }));
    // A tree: each category's parent is another row of the same table.
    await ok(api.post(`${base}/relations`, { collection: 'categories', field: 'parent', related_collection: 'categories', one_field: 'children' }));

    await ok(api.post(`${base}/roles`, { name: 'reader' }));
    await ok(api.post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['id', 'title'] }));
    const handler = await ok(api.post(`${base}/handlers`, { name: 'Summary', kind: 'endpoint', method: 'GET', path: '/summary', code: 'module.exports = async () => ({ ok: true });', timeout_ms: 1000 }));
    await ok(api.post(`${base}/flows`, { name: 'Run summary', trigger: { type: 'manual' }, operations: [{ key: 'sum', type: 'handler', options: { handler: handler.id, input: {} } }], first: 'sum' }));
    webhookSecret = (await ok(api.post(`${base}/webhooks`, { name: 'Post sync', url: receiver.url('/posts'), events: ['create'], collections: ['posts'] }))).secret;
    await ok(api.post(`${base}/views`, { name: 'published_posts', source: 'posts', fields: ['id', 'title', 'author.name'], filter: { status: { _eq: 'published' } } }));

    appUser = await newAppUser(api, base, 'reader');
    const folder = await ok(api.post(`${base}/folders`, { name: 'Covers' }));
    await ok(api.post(`${base}/folders`, { name: 'Old covers', parent: folder.id }));
    fileId = (await ok(api.request('POST', `${base}/files`, { raw: multipartBody({ filename: 'cover.png', type: 'image/png', content: PNG, before: { folder: folder.id } }) }))).id;

    const ann = await ok(api.post(`${base}/items/authors`, { name: 'Ann', email: 'ann@example.com' }));
    const bob = await ok(api.post(`${base}/items/authors`, { name: 'Bob', email: null }));
    const [red, blue] = await ok(api.post(`${base}/items/tags`, [{ label: 'red' }, { label: 'blue' }]));
    await ok(api.post(`${base}/items/posts`, {
      title: 'Hello', body: 'Long text\nwith lines', views: 3, big: '9007199254740993', score: 1.5, price: '12.345', live: true,
      day: '2024-02-29', at: '2024-03-01T12:34:56.789Z', opens: '08:30:00', extra: { nested: [1, 'two', null], flag: false },
      ref: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', status: 'published', cover: fileId, reader: appUser.id, reviewer: source.owner.id,
      author: ann.id, tags: [red.id, blue.id],
    }));
    await ok(api.post(`${base}/items/posts_gallery`, { posts_id: 1, file: fileId }));
    await ok(api.post(`${base}/items/posts`, { title: 'Draft', author: ann.id, tags: [blue.id] }));
    await ok(api.post(`${base}/items/posts`, { title: 'Empty', author: bob.id }));
    const root = await ok(api.post(`${base}/items/categories`, { name: 'Root' }));
    const child = await ok(api.post(`${base}/items/categories`, { name: 'Child', parent: root.id }));
    await ok(api.post(`${base}/items/categories`, { name: 'Grandchild', parent: child.id }));
    // A row whose parent comes after it: a reference no order of inserts satisfies.
    const first = await ok(api.post(`${base}/items/categories`, { name: 'Adopted' }));
    const later = await ok(api.post(`${base}/items/categories`, { name: 'Late parent' }));
    await ok(api.patch(`${base}/items/categories/${first.id}`, { parent: later.id }));

    const answer = await download(api, `${base}/backup`);
    assert.equal(answer.status, 200, answer.bytes.toString());
    assert.equal(answer.type, 'application/gzip');
    archive = answer.bytes;

    for (const kind of othersThan(suite.kind)) {
      const db = await createTestDatabase(kind);
      const app = await startApp(db.url, BACKUP_ENV);
      const admin = await newAccount(app.api, 'admin');
      targets.push({ kind, db, app, admin, api: app.api.as(admin.accessToken) });
    }
  });

  after(async () => {
    for (const target of targets) {
      await target.app.close();
      await target.db.drop();
    }
    await receiver?.close();
  });

  it('writes a gzipped tar: the manifest first, the checksums last, items as JSON lines in dependency order', async () => {
    const entries = await entriesOf(archive);
    assert.equal(entries[0].name, 'manifest.json');
    assert.equal(entries.at(-1)!.name, 'checksums.json');
    const manifest = JSON.parse(entries[0].content.toString());
    assert.equal(manifest.format, 'cairn-backup');
    assert.equal(manifest.format_version, 1);
    assert.equal(manifest.source_engine, suite.kind);
    assert.deepEqual(manifest.workspaces.map((w: { slug: string }) => w.slug), [source.workspace.slug]);
    const names = entries.map((entry) => entry.name);
    const position = (name: string) => names.findIndex((entry) => entry.startsWith(`workspaces/0/${name}`));
    assert.ok(position('snapshot.json') < position('app-users/') && position('files/') < position('file-bytes/') && position('file-bytes/') < position('items/'));
    assert.ok(position('items/authors/') < position('items/posts/') && position('items/tags/') < position('items/posts_tags/') && position('items/posts/') < position('items/posts_tags/'));
    assert.ok(position('links/categories/') > position('items/categories/'));
    const hello = entries.find((entry) => entry.name.startsWith('workspaces/0/items/posts/'))!.content.toString().split('\n')[0];
    const row = JSON.parse(hello);
    // Engine-neutral values: as the API answers them, whatever database wrote them.
    assert.equal(row.live, true);
    assert.equal(row.at, '2024-03-01T12:34:56.789Z');
    assert.equal(row.big, '9007199254740993');
    assert.deepEqual(row.extra, { nested: [1, 'two', null], flag: false });
    assert.deepEqual(entries.find((entry) => entry.name === `workspaces/0/file-bytes/${fileId}`)!.content, PNG);
  });

  it('restores onto every other database: items, relations, files, app users and automations alike', async () => {
    const expected = await contents(source.api, source.base);
    const snapshot = await snapshotOf(source.api, source.base);
    for (const target of targets) {
      const where = `${suite.kind} to ${target.kind}`;
      const restored = await ok(restore(target.api, '/api/v1/workspaces/restore', archive));
      assert.equal(restored.slug, source.workspace.slug, where);
      assert.equal(restored.role, 'owner', where);
      const base = `/api/v1/w/${restored.slug}`;
      assert.deepEqual(await snapshotOf(target.api, base), snapshot, where);
      assert.deepEqual(await contents(target.api, base), expected, where);
      const bytes = await download(target.api, `${base}/assets/${fileId}`);
      assert.equal(sha256(bytes.bytes), sha256(PNG), where);
      const folders = await ok(target.api.get(`${base}/folders?fields=name,parent.name&sort=name`));
      assert.deepEqual(folders.map((f: { name: string; parent: { name: string } | null }) => [f.name, f.parent?.name ?? null]), [['Covers', null], ['Old covers', 'Covers']], where);

      // The app user signs in with the same password; the webhook signs with the same secret.
      const login = await target.api.post(`${base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null });
      assert.equal(login.status, 200, `${where}: ${login.text}`);
      const [webhook] = await ok(target.api.get(`${base}/webhooks`));
      const sent = receiver.received.length;
      await ok(target.api.post(`${base}/webhooks/${webhook.id}/test`));
      const [request] = (await receiver.waitFor(sent + 1)).slice(sent);
      assert.doesNotThrow(() => new Webhook(webhookSecret).verify(request.body, request.headers), where);

      // Keys and codes go on from where the source left them.
      const next = await ok(target.api.post(`${base}/items/posts?fields=id,code`, { title: 'After' }));
      assert.deepEqual(next, { id: 4, code: 'P-00004' }, where);
      const summary = await target.api.get(`${base}/custom/summary`);
      assert.deepEqual(summary.body, { data: { ok: true } }, where);
    }
  });

  it('restores onto the same database as a second workspace, its files copied under new ids', async () => {
    const copy = await ok(restore(source.api, '/api/v1/workspaces/restore?slug=copy-of-source&name=Copy', archive));
    assert.equal(copy.slug, 'copy-of-source');
    assert.equal(copy.name, 'Copy');
    const base = `/api/v1/w/${copy.slug}`;
    assert.deepEqual(await snapshotOf(source.api, base), await snapshotOf(source.api, source.base));
    const expected = await contents(source.api, source.base);
    const restored = await contents(source.api, base);
    const [post] = restored.posts as Array<{ cover: string; reader: string }>;
    assert.notEqual(post.cover, fileId, 'a file id is unique to the instance');
    // So is an app user's: the copy's post names the copy's app user.
    const [reader] = await ok(source.api.get(`${base}/app-users`));
    assert.equal(reader.email, appUser.email);
    assert.notEqual(reader.id, appUser.id);
    assert.equal(post.reader, reader.id);
    const bytes = await download(source.api, `${base}/assets/${post.cover}`);
    assert.equal(sha256(bytes.bytes), sha256(PNG));
    const [link] = restored.posts_gallery as Array<{ file: string }>;
    assert.equal(link.file, post.cover, 'the files field leads to the same copy');
    const withoutCover = (all: Record<string, unknown>) => JSON.parse(JSON.stringify(all, (key, value) => (key === 'cover' || key === 'reader' || key === 'file' ? undefined : value)));
    assert.deepEqual(withoutCover(restored), withoutCover(expected));
    // Both copies keep their own app user; the original's file is untouched.
    const login = await source.api.post(`${base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null });
    assert.equal(login.status, 200, login.text);
    assert.equal(sha256((await download(source.api, `${source.base}/assets/${fileId}`)).bytes), sha256(PNG));
  });

  it('takes a slug in use only with replace=true, from an owner of the workspace it replaces', async () => {
    const taken = await restore(source.api, '/api/v1/workspaces/restore?slug=copy-of-source', archive);
    assertError(taken, 409, 'CONFLICT');
    const stranger = await newAccount(suite.api, 'stranger');
    const refused = await restore(suite.api.as(stranger.accessToken), '/api/v1/workspaces/restore?slug=copy-of-source&replace=true', archive);
    assertError(refused, 403, 'FORBIDDEN');
    const before = await ok(source.api.get('/api/v1/workspaces/copy-of-source'));
    await ok(source.api.post('/api/v1/w/copy-of-source/items/authors', { name: 'Only in the copy' }));
    const replaced = await ok(restore(source.api, '/api/v1/workspaces/restore?slug=copy-of-source&replace=true', archive));
    assert.equal(replaced.slug, 'copy-of-source');
    assert.notEqual(replaced.id, before.id);
    const authors = await ok(source.api.get('/api/v1/w/copy-of-source/items/authors?fields=name&sort=id'));
    assert.deepEqual(authors.map((a: { name: string }) => a.name), ['Ann', 'Bob']);
    const workspaces: Array<{ slug: string }> = await ok(source.api.get('/api/v1/workspaces'));
    assert.equal(workspaces.filter((w) => w.slug.startsWith('copy-of-source')).length, 1, 'the replaced workspace is gone, and no temporary one is left');
  });

  it('refuses a truncated archive and a tampered one with 400, one too large with 413, leaving nothing behind', async () => {
    const target = targets[0];
    const workspacesBefore = await ok(target.api.get('/api/v1/workspaces'));
    const truncated = await restore(target.api, '/api/v1/workspaces/restore?slug=truncated', archive.subarray(0, Math.floor(archive.length * 0.6)));
    assertError(truncated, 400, 'INVALID_PAYLOAD');

    const entries = await entriesOf(archive);
    const manifest = JSON.parse(entries[0].content.toString());
    manifest.workspaces[0].name = 'Forged name';
    entries[0].content = Buffer.from(JSON.stringify(manifest));
    const tampered = await restore(target.api, '/api/v1/workspaces/restore?slug=tampered', await packed(entries));
    assertError(tampered, 400, 'INVALID_PAYLOAD');
    assert.match(tampered.body.errors[0].message, /manifest\.json does not match its checksum.*removed/);

    const notAnArchive = await restore(target.api, '/api/v1/workspaces/restore?slug=garbage', Buffer.from('not a backup at all'));
    assertError(notAnArchive, 400, 'INVALID_PAYLOAD');
    const foreign = await restore(target.api, '/api/v1/workspaces/restore?slug=foreign', await packed([{ name: 'readme.txt', content: Buffer.from('hello') }]));
    assertError(foreign, 400, 'INVALID_PAYLOAD');

    // A file's bytes that do not compress, beyond RESTORE_MAX_SIZE (1mb here): the limit is met while they are stored.
    const large = (await entriesOf(archive)).map((entry) => (entry.name.includes('/file-bytes/') ? { ...entry, content: randomBytes(1_200_000) } : entry));
    const tooLarge = await restore(target.api, '/api/v1/workspaces/restore?slug=too-large', await packed(large));
    assertError(tooLarge, 413, 'PAYLOAD_TOO_LARGE');

    assert.deepEqual(await ok(target.api.get('/api/v1/workspaces')), workspacesBefore);
    for (const slug of ['truncated', 'tampered', 'too-large']) assertError(await target.api.get(`/api/v1/workspaces/${slug}`), 404, 'NOT_FOUND');
  });

  it('refuses an archive of a newer format version, asking for a newer Cairn', async () => {
    const entries = await entriesOf(archive);
    const manifest = JSON.parse(entries[0].content.toString());
    manifest.format_version = 99;
    entries[0].content = Buffer.from(JSON.stringify(manifest));
    const refused = await restore(source.api, '/api/v1/workspaces/restore?slug=from-the-future', await packed(entries));
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.match(refused.body.errors[0].message, /format version 99.*newer Cairn/);
    assertError(await source.api.get('/api/v1/workspaces/from-the-future'), 404, 'NOT_FOUND');
  });

  it('lets only owners download a workspace, and only a superadmin the instance', async () => {
    const editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, source.workspace, source.owner, editor, 'admin');
    const asAdmin = suite.api.as(editor.accessToken);
    assertError(await asAdmin.get(`${source.base}/backup`), 403, 'FORBIDDEN');
    assertError(await asAdmin.get('/api/v1/backup'), 403, 'FORBIDDEN');
    assertError(await restore(asAdmin, '/api/v1/restore', archive), 403, 'FORBIDDEN');
    const outsider = await newAccount(suite.api, 'outsider');
    assertError(await suite.api.as(outsider.accessToken).get(`${source.base}/backup`), 404, 'NOT_FOUND');
    assertError(await suite.api.get(`${source.base}/backup`, { token: null }), 401, 'INVALID_CREDENTIALS');
  });

  it('backs up the whole instance and restores it elsewhere with its accounts and members', async () => {
    assert.ok(source.owner.isSuperadmin, 'the first account of the instance');
    const instance = await download(source.api, '/api/v1/backup');
    assert.equal(instance.status, 200);
    const refused = await restore(targets[0].api, '/api/v1/workspaces/restore', instance.bytes);
    assertError(refused, 400, 'INVALID_PAYLOAD');

    const db = await createTestDatabase(targets[0].kind);
    const app = await startApp(db.url, BACKUP_ENV);
    try {
      const admin = await newAccount(app.api, 'admin');
      const restored: Array<{ slug: string }> = await ok(restore(app.api.as(admin.accessToken), '/api/v1/restore', instance.bytes));
      const slugs = (await ok(source.api.get('/api/v1/workspaces'))).map((w: { slug: string }) => w.slug);
      assert.deepEqual(restored.map((w) => w.slug).sort(), [...slugs].sort());
      // The source's owner signs in there with its password, and finds its workspace as it was.
      const login = await app.api.post('/api/v1/auth/login', { email: source.owner.email, password: source.owner.password }, { token: null });
      assert.equal(login.status, 200, login.text);
      const owner = app.api.as(login.body.data.access_token);
      const mine = (await ok(owner.get('/api/v1/workspaces'))).find((w: { slug: string }) => w.slug === source.workspace.slug);
      assert.equal(mine.role, 'owner');
      assert.deepEqual(await contents(owner, source.base), await contents(source.api, source.base));
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
