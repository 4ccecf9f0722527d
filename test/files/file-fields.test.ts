import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDirectus, readItem, rest, staticToken, uploadFiles } from '@directus/sdk';
import { describeEachDatabase, Suite } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import { multipartBody, UploadPart } from '../support/uploads';

// A 1×1 PNG: small, real, and typed by its name and declared type alike.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

async function upload(owned: OwnedWorkspace, part: UploadPart, token?: string | null) {
  return owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody(part), ...(token === undefined ? {} : { token }) });
}

async function uploaded(owned: OwnedWorkspace, part: UploadPart): Promise<{ id: string; filesize: number; type: string }> {
  const answer = await upload(owned, part);
  assert.equal(answer.status, 200, answer.text);
  return answer.body.data;
}

/** A workspace with `posts` (title, status, a `cover` file field), a PNG and a text file. */
async function blog(suite: Suite) {
  const owned = await newOwnedWorkspace(suite.api);
  await newCollection(owned.api, owned.base, {
    collection: 'posts',
    fields: [
      { field: 'title', type: 'string' },
      { field: 'status', type: 'enum', values: ['draft', 'published'] },
      { field: 'cover', type: 'file' },
    ],
  });
  const png = await uploaded(owned, { filename: 'cover.png', type: 'image/png', content: PNG });
  const text = await uploaded(owned, { filename: 'notes.txt', type: 'text/plain', content: 'a longer text file than the png is not' + 'x'.repeat(200) });
  return { owned, png, text };
}

describeEachDatabase('file fields', {}, (suite: Suite) => {
  test('a file field expands to the file as the files API answers it, filters and sorts through it', async () => {
    const { owned, png, text } = await blog(suite);
    const created = await owned.api.post(`${owned.base}/items/posts`, [
      { title: 'With a picture', cover: png.id },
      { title: 'With notes', cover: text.id },
      { title: 'Bare' },
    ]);
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.data[0].cover, png.id);

    const expanded = await owned.api.get(`${owned.base}/items/posts?fields=title,cover.*&sort=id`);
    assert.equal(expanded.status, 200, expanded.text);
    const file = await owned.api.get(`${owned.base}/files/${png.id}`);
    assert.deepEqual(expanded.body.data[0].cover, file.body.data);
    assert.equal(expanded.body.data[2].cover, null);

    const picked = await owned.api.get(`${owned.base}/items/posts?fields=title,cover.filename_download,cover.type&filter[cover][type][_eq]=image/png`);
    assert.deepEqual(picked.body.data, [{ id: 1, title: 'With a picture', cover: { id: png.id, filename_download: 'cover.png', type: 'image/png' } }]);

    const bySize = await owned.api.get(`${owned.base}/items/posts?fields=title&filter[cover][_nnull]=true&sort=-cover.filesize`);
    assert.deepEqual(bySize.body.data.map((post: { title: string }) => post.title), ['With notes', 'With a picture']);

    const gql = await graphqlData(owned.api, owned.base, '{ posts(sort: ["id"], filter: { cover: { type: { _eq: "text/plain" } } }) { title cover { id filename_download filesize } } }');
    assert.deepEqual(gql.posts, [{ title: 'With notes', cover: { id: text.id, filename_download: 'notes.txt', filesize: text.filesize } }]);
  });

  test('a write naming a file of another workspace, or no file, is 400 naming the field', async () => {
    const { owned } = await blog(suite);
    const other = await newOwnedWorkspace(suite.api);
    const foreign = await uploaded(other, { filename: 'theirs.png', type: 'image/png', content: PNG });
    assertError(await owned.api.post(`${owned.base}/items/posts`, { title: 'x', cover: foreign.id }), 400, 'INVALID_PAYLOAD');
    const refused = await owned.api.post(`${owned.base}/items/posts`, { title: 'x', cover: '00000000-0000-4000-8000-000000000000' });
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.field, 'cover');
    const notAnId = await owned.api.post(`${owned.base}/items/posts`, { title: 'x', cover: 'cover.png' });
    assertError(notAnId, 400, 'INVALID_PAYLOAD');
    assert.equal(notAnId.body.errors[0].extensions.field, 'cover');
    const post = await owned.api.post(`${owned.base}/items/posts`, { title: 'x' });
    const update = await owned.api.patch(`${owned.base}/items/posts/${post.body.data.id}`, { cover: foreign.id });
    assertError(update, 400, 'INVALID_PAYLOAD');
    assert.equal(update.body.errors[0].extensions.field, 'cover');
  });

  test('deleting a file leaves the field null: a real foreign key, ON DELETE SET NULL', async () => {
    const { owned, png } = await blog(suite);
    const post = await owned.api.post(`${owned.base}/items/posts`, { title: 'x', cover: png.id });
    assert.equal((await owned.api.delete(`${owned.base}/files/${png.id}`)).status, 204);
    const after = await owned.api.get(`${owned.base}/items/posts/${post.body.data.id}`);
    assert.equal(after.body.data.cover, null);
  });

  test('the files are no collection of the items routes, the schema routes or GraphQL', async () => {
    const { owned } = await blog(suite);
    assertError(await owned.api.get(`${owned.base}/items/files`), 404, 'NOT_FOUND');
    assertError(await owned.api.post(`${owned.base}/items/files`, { title: 'x' }), 404, 'NOT_FOUND');
    const collections = await owned.api.get(`${owned.base}/collections`);
    assert.deepEqual(collections.body.data.map((c: { collection: string }) => c.collection), ['posts']);
    const relations = await owned.api.get(`${owned.base}/relations`);
    assert.deepEqual(relations.body.data, []);
    const fields = await owned.api.get(`${owned.base}/fields/posts`);
    assert.equal(fields.body.data.find((f: { field: string }) => f.field === 'cover').type, 'file');
    const root = await graphqlData(owned.api, owned.base, '{ __schema { queryType { fields { name } } } }');
    assert.ok(!root.__schema.queryType.fields.some((f: { name: string }) => f.name.startsWith('files')));
    const openapi = await owned.api.get(`${owned.base}/openapi.json`);
    assert.equal(openapi.status, 200, openapi.text);
    assert.ok(!('/items/files' in openapi.body.paths));
    assert.ok(openapi.body.components.schemas.files, 'the files schema that covers expand to');
  });

  test('a file field cannot change type, either way', async () => {
    const { owned } = await blog(suite);
    assertError(await owned.api.patch(`${owned.base}/fields/posts/cover`, { type: 'uuid' }, {}), 409, 'CONFLICT');
    assertError(await owned.api.patch(`${owned.base}/fields/posts/title?force=true`, { type: 'file' }), 409, 'CONFLICT');
  });

  test('snapshots carry the type; applied elsewhere it makes the foreign key again', async () => {
    const { owned } = await blog(suite);
    const snapshot = await owned.api.get(`${owned.base}/schema/snapshot`);
    assert.equal(snapshot.status, 200, snapshot.text);
    const posts = snapshot.body.data.collections.find((c: { collection: string }) => c.collection === 'posts');
    assert.equal(posts.fields.find((f: { field: string }) => f.field === 'cover').type, 'file');
    assert.deepEqual(snapshot.body.data.collections.map((c: { collection: string }) => c.collection), ['posts']);
    assert.deepEqual(snapshot.body.data.relations, []);

    const copy = await newOwnedWorkspace(suite.api);
    const applied = await copy.api.post(`${copy.base}/schema/apply`, { snapshot: snapshot.body.data });
    assert.equal(applied.status, 200, applied.text);
    const diff = await owned.api.post(`${owned.base}/schema/diff`, { snapshot: snapshot.body.data });
    assert.deepEqual(diff.body.data, []);
    const png = await uploaded(copy, { filename: 'c.png', type: 'image/png', content: PNG });
    const post = await copy.api.post(`${copy.base}/items/posts`, { title: 'x', cover: png.id });
    const expanded = await copy.api.get(`${copy.base}/items/posts/${post.body.data.id}?fields=cover.type`);
    assert.deepEqual(expanded.body.data.cover, { id: png.id, type: 'image/png' });
    await copy.api.delete(`${copy.base}/files/${png.id}`);
    assert.equal((await copy.api.get(`${copy.base}/items/posts/${post.body.data.id}`)).body.data.cover, null);
  });

  test('an app user reads a file through a post it may read, and never through one it may not', async () => {
    const { owned, png, text } = await blog(suite);
    const published = await owned.api.post(`${owned.base}/items/posts`, { title: 'Out', status: 'published', cover: png.id });
    await owned.api.post(`${owned.base}/items/posts`, { title: 'Draft', status: 'draft', cover: text.id });
    const policy = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['*'] });
    assert.equal(policy.status, 201, policy.text);
    const user = await newAppUser(suite.api, owned.base);
    const asUser = owned.api.as(user.accessToken);

    const read = await asUser.get(`${owned.base}/items/posts?fields=title,cover.filename_download,cover.type`);
    assert.deepEqual(read.body.data, [{ id: published.body.data.id, title: 'Out', cover: { id: png.id, filename_download: 'cover.png', type: 'image/png' } }]);
    const asset = await asUser.get(`${owned.base}/assets/${png.id}`);
    assert.equal(asset.status, 200, asset.text);
    assert.equal(asset.headers.get('content-type'), 'image/png');
    assert.equal((await asUser.get(`${owned.base}/files/${png.id}`)).body.data.id, png.id);
    // The draft's file: reached by no item the user may read, and no policy on files.
    assertError(await asUser.get(`${owned.base}/assets/${text.id}`), 403, 'FORBIDDEN');
    assertError(await asUser.get(`${owned.base}/files/${text.id}`), 403, 'FORBIDDEN');
    assertError(await asUser.get(`${owned.base}/files`), 403, 'FORBIDDEN');
    // Filters through the cover see only the covers of readable posts.
    const probe = await asUser.get(`${owned.base}/items/posts?fields=title&filter[cover][type][_eq]=text/plain`);
    assert.deepEqual(probe.body.data, []);
    const gql = await graphqlData(asUser, owned.base, `{ posts { title cover { filename_download } } }`);
    assert.deepEqual(gql.posts, [{ title: 'Out', cover: { filename_download: 'cover.png' } }]);
  });

  test('an app user who may not read the cover field reaches neither it nor its file', async () => {
    const { owned, png } = await blog(suite);
    await owned.api.post(`${owned.base}/items/posts`, { title: 'Out', status: 'published', cover: png.id });
    await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'posts', action: 'read', fields: ['title', 'status'] });
    const user = await newAppUser(suite.api, owned.base);
    const asUser = owned.api.as(user.accessToken);
    // For the user the field does not exist, as any field its policy leaves out.
    assertError(await asUser.get(`${owned.base}/items/posts?fields=cover.*`), 400, 'INVALID_QUERY');
    assertError(await asUser.get(`${owned.base}/items/posts?filter[cover][type][_eq]=image/png`), 400, 'INVALID_QUERY');
    assertError(await asUser.get(`${owned.base}/assets/${png.id}`), 403, 'FORBIDDEN');
  });

  test("uploadFiles with collection, item and field sets the item's file in one step, through the caller's permissions", async () => {
    const { owned } = await blog(suite);
    const post = await owned.api.post(`${owned.base}/items/posts`, { title: 'x' });
    const id = String(post.body.data.id);
    const client = createDirectus<{ posts: Array<{ id: number; title: string; cover: string | { type: string } | null }> }>(`${suite.app.url}${owned.base}`)
      .with(staticToken(owned.owner.accessToken))
      .with(rest());
    const form = new FormData();
    form.append('collection', 'posts');
    form.append('item', id);
    form.append('field', 'cover');
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'one-step.png');
    const file = await client.request(uploadFiles(form));
    assert.equal(file.filename_download, 'one-step.png');
    const read = (await client.request(readItem('posts', id, { fields: ['cover.*'] as never }))) as unknown as { cover: { id: string; filename_download: string } };
    assert.equal(read.cover.filename_download, 'one-step.png');
    assert.equal(read.cover.id, file.id);

    // An app user who may upload files but not update posts: refused, and the upload is removed.
    await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'files', action: 'create', fields: ['*'] });
    const user = await newAppUser(suite.api, owned.base);
    const before = (await owned.api.get(`${owned.base}/files?meta=total_count`)).body.meta.total_count;
    const refused = await upload(owned, { filename: 'sneaky.png', type: 'image/png', content: PNG, before: { collection: 'posts', item: id, field: 'cover' } }, user.accessToken);
    assertError(refused, 403, 'FORBIDDEN');
    assert.equal((await owned.api.get(`${owned.base}/files?meta=total_count`)).body.meta.total_count, before);
    assert.equal((await owned.api.get(`${owned.base}/items/posts/${id}`)).body.data.cover, file.id);

    // A field that is no file field, or a form missing one of the three: 400 naming it, nothing kept.
    const notFile = await upload(owned, { filename: 'a.png', type: 'image/png', content: PNG, after: { collection: 'posts', item: id, field: 'title' } });
    assertError(notFile, 400, 'INVALID_PAYLOAD');
    assert.equal(notFile.body.errors[0].extensions.field, 'field');
    const partial = await upload(owned, { filename: 'a.png', type: 'image/png', content: PNG, before: { collection: 'posts', field: 'cover' } });
    assertError(partial, 400, 'INVALID_PAYLOAD');
    assert.equal(partial.body.errors[0].extensions.field, 'item');
    assert.equal((await owned.api.get(`${owned.base}/files?meta=total_count`)).body.meta.total_count, before);
  });
});
