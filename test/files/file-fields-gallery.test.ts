import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, Suite } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import { multipartBody, UploadPart } from '../support/uploads';

// A 1×1 PNG: small, real, and typed by its name and declared type alike.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

async function uploaded(owned: OwnedWorkspace, part: UploadPart): Promise<{ id: string; filesize: number; type: string }> {
  const answer = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody(part) });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.data;
}

/** A workspace with `posts` (title, status) and its `gallery` files field, a PNG and a text file. */
async function blog(suite: Suite) {
  const owned = await newOwnedWorkspace(suite.api);
  await newCollection(owned.api, owned.base, {
    collection: 'posts',
    fields: [
      { field: 'title', type: 'string' },
      { field: 'status', type: 'enum', values: ['draft', 'published'] },
    ],
  });
  const gallery = await owned.api.post(`${owned.base}/fields/posts`, { field: 'gallery', type: 'files' });
  assert.equal(gallery.status, 201, gallery.text);
  const png = await uploaded(owned, { filename: 'photo.png', type: 'image/png', content: PNG });
  const text = await uploaded(owned, { filename: 'notes.txt', type: 'text/plain', content: 'notes '.repeat(50) });
  return { owned, png, text, field: gallery.body.data };
}

describeEachDatabase('files fields', {}, (suite: Suite) => {
  test('a files field is a junction with real foreign keys to the item and to the file, and a one-to-many alias', async () => {
    const { owned, png, field } = await blog(suite);
    assert.equal(field.field, 'gallery');
    assert.equal(field.type, 'files');
    const fields = await owned.api.get(`${owned.base}/fields/posts`);
    assert.equal(fields.body.data.find((f: { field: string }) => f.field === 'gallery').type, 'files');
    const junction = await owned.api.get(`${owned.base}/fields/posts_gallery`);
    assert.equal(junction.status, 200, junction.text);
    const types = Object.fromEntries(junction.body.data.filter((f: { system: boolean }) => !f.system).map((f: { field: string; type: string }) => [f.field, f.type]));
    assert.deepEqual(types, { file: 'file', position: 'integer', posts_id: 'integer' });
    const relations = await owned.api.get(`${owned.base}/relations`);
    assert.deepEqual(
      relations.body.data.map(({ id: _id, ...relation }: { id: string }) => relation),
      [{ collection: 'posts_gallery', field: 'posts_id', related_collection: 'posts', on_delete: 'CASCADE', one_field: 'gallery', junction: null }],
    );

    const post = await owned.api.post(`${owned.base}/items/posts`, { title: 'x' });
    const link = await owned.api.post(`${owned.base}/items/posts_gallery`, { posts_id: post.body.data.id, file: png.id, position: 1 });
    assert.equal(link.status, 200, link.text);
    // The file's key: deleting the file empties the link, the item's key: deleting the post removes it.
    assert.equal((await owned.api.delete(`${owned.base}/files/${png.id}`)).status, 204);
    assert.equal((await owned.api.get(`${owned.base}/items/posts_gallery/${link.body.data.id}`)).body.data.file, null);
    assert.equal((await owned.api.delete(`${owned.base}/items/posts/${post.body.data.id}`)).status, 204);
    assert.deepEqual((await owned.api.get(`${owned.base}/items/posts_gallery`)).body.data, []);
  });

  test('a name taken, by a field or by the junction, is 409; an option a files field has not is 400', async () => {
    const { owned } = await blog(suite);
    const again = await owned.api.post(`${owned.base}/fields/posts`, { field: 'gallery', type: 'files' });
    assertError(again, 409, 'CONFLICT');
    assert.equal(again.body.errors[0].extensions.field, 'field');
    await newCollection(owned.api, owned.base, { collection: 'posts_album', fields: [] });
    const taken = await owned.api.post(`${owned.base}/fields/posts`, { field: 'album', type: 'files' });
    assertError(taken, 409, 'CONFLICT');
    assert.equal(taken.body.errors[0].extensions.field, 'field');
    const option = await owned.api.post(`${owned.base}/fields/posts`, { field: 'photos', type: 'files', required: true });
    assertError(option, 400, 'INVALID_PAYLOAD');
    assert.equal(option.body.errors[0].extensions.field, 'required');
    assertError(await owned.api.post(`${owned.base}/fields/nothing`, { field: 'photos', type: 'files' }), 404, 'NOT_FOUND');
    assert.equal((await owned.api.get(`${owned.base}/collections`)).body.data.length, 3);
  });

  test('the files read, filter and sort through the alias, in REST and GraphQL', async () => {
    const { owned, png, text } = await blog(suite);
    const [first, second] = (await owned.api.post(`${owned.base}/items/posts`, [{ title: 'Pictures' }, { title: 'Notes' }])).body.data;
    const links = await owned.api.post(`${owned.base}/items/posts_gallery`, [
      { posts_id: first.id, file: text.id, position: 2 },
      { posts_id: first.id, file: png.id, position: 1 },
      { posts_id: second.id, file: text.id, position: 1 },
    ]);
    assert.equal(links.status, 200, links.text);

    const read = await owned.api.get(`${owned.base}/items/posts?filter[id][_eq]=${first.id}&fields=title,gallery.position,gallery.file.*&deep[gallery][_sort]=position`);
    assert.equal(read.status, 200, read.text);
    const file = (await owned.api.get(`${owned.base}/files/${png.id}`)).body.data;
    assert.deepEqual(read.body.data[0].gallery.map((link: { file: { id: string } }) => link.file.id), [png.id, text.id]);
    assert.deepEqual(read.body.data[0].gallery[0].file, file);

    const withImages = await owned.api.get(`${owned.base}/items/posts?fields=title&filter[gallery][file][type][_eq]=image/png`);
    assert.deepEqual(withImages.body.data, [{ id: first.id, title: 'Pictures' }]);

    const gql = await graphqlData(owned.api, owned.base, '{ posts(sort: ["id"]) { title gallery(sort: ["position"]) { position file { filename_download } } } }');
    assert.deepEqual(gql.posts, [
      { title: 'Pictures', gallery: [{ position: 1, file: { filename_download: 'photo.png' } }, { position: 2, file: { filename_download: 'notes.txt' } }] },
      { title: 'Notes', gallery: [{ position: 1, file: { filename_download: 'notes.txt' } }] },
    ]);
  });

  test("an app user reads the gallery files of a post it may read, and never those of a draft", async () => {
    const { owned, png, text } = await blog(suite);
    const [published, draft] = (await owned.api.post(`${owned.base}/items/posts`, [{ title: 'Out', status: 'published' }, { title: 'Draft', status: 'draft' }])).body.data;
    await owned.api.post(`${owned.base}/items/posts_gallery`, [
      { posts_id: published.id, file: png.id, position: 1 },
      { posts_id: draft.id, file: text.id, position: 1 },
    ]);
    const posts = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['*'] });
    assert.equal(posts.status, 201, posts.text);
    // The links themselves are open to the role: the draft's file stays out of reach all the same.
    const links = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'posts_gallery', action: 'read', fields: ['*'] });
    assert.equal(links.status, 201, links.text);
    const user = await newAppUser(suite.api, owned.base);
    const asUser = owned.api.as(user.accessToken);

    const read = await asUser.get(`${owned.base}/items/posts?fields=title,gallery.file.filename_download`);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data, [{ id: published.id, title: 'Out', gallery: [{ id: 1, file: { id: png.id, filename_download: 'photo.png' } }] }]);
    const asset = await asUser.get(`${owned.base}/assets/${png.id}`);
    assert.equal(asset.status, 200, asset.text);
    assert.equal(asset.headers.get('content-type'), 'image/png');
    assert.equal((await asUser.get(`${owned.base}/files/${png.id}`)).body.data.id, png.id);
    assertError(await asUser.get(`${owned.base}/assets/${text.id}`), 403, 'FORBIDDEN');
    assertError(await asUser.get(`${owned.base}/files/${text.id}`), 403, 'FORBIDDEN');
    const probe = await asUser.get(`${owned.base}/items/posts?fields=title&filter[gallery][file][type][_eq]=text/plain`);
    assert.deepEqual(probe.body.data, []);
    const gql = await graphqlData(asUser, owned.base, '{ posts { title gallery { file { filename_download } } } }');
    assert.deepEqual(gql.posts, [{ title: 'Out', gallery: [{ file: { filename_download: 'photo.png' } }] }]);

    // Without a policy on the junction, the role reaches neither the gallery nor its files.
    assert.equal((await owned.api.delete(`${owned.base}/policies/${links.body.data.id}`)).status, 204);
    assertError(await asUser.get(`${owned.base}/items/posts?fields=gallery.file.*`), 400, 'INVALID_QUERY');
    assertError(await asUser.get(`${owned.base}/assets/${png.id}`), 403, 'FORBIDDEN');
  });

  test('an upload naming a files field adds the file to the item in one step, or is removed again', async () => {
    const { owned } = await blog(suite);
    const post = await owned.api.post(`${owned.base}/items/posts`, { title: 'x' });
    const id = String(post.body.data.id);
    const form = { collection: 'posts', item: id, field: 'gallery' };
    const first = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename: 'a.png', type: 'image/png', content: PNG, before: form }) });
    assert.equal(first.status, 200, first.text);
    const second = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename: 'b.png', type: 'image/png', content: PNG, after: form }) });
    assert.equal(second.status, 200, second.text);
    const read = await owned.api.get(`${owned.base}/items/posts/${id}?fields=gallery.file.filename_download`);
    assert.deepEqual(read.body.data.gallery.map((link: { file: { filename_download: string } }) => link.file.filename_download).sort(), ['a.png', 'b.png']);

    const before = (await owned.api.get(`${owned.base}/files?meta=total_count`)).body.meta.total_count;
    const nowhere = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename: 'c.png', type: 'image/png', content: PNG, before: { ...form, item: '999' } }) });
    assertError(nowhere, 404, 'NOT_FOUND');
    // An app user who may upload but not add links: refused, and the upload is removed.
    await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'files', action: 'create', fields: ['*'] });
    const user = await newAppUser(suite.api, owned.base);
    const refused = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename: 'd.png', type: 'image/png', content: PNG, before: form }), token: user.accessToken });
    assertError(refused, 403, 'FORBIDDEN');
    assert.equal((await owned.api.get(`${owned.base}/files?meta=total_count`)).body.meta.total_count, before);
    const notFiles = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename: 'e.png', type: 'image/png', content: PNG, before: { ...form, field: 'title' } }) });
    assertError(notFiles, 400, 'INVALID_PAYLOAD');
    assert.equal(notFiles.body.errors[0].extensions.field, 'field');
  });

  test('a nested write sets the gallery with the post, in one request: links to create, and links to delete', async () => {
    const { owned, png, text } = await blog(suite);
    const created = await owned.api.post(`${owned.base}/items/posts?fields=id,gallery.id`, { title: 'x', gallery: [{ file: png.id, position: 1 }, { file: text.id, position: 2 }] });
    assert.equal(created.status, 200, created.text);
    const id = created.body.data.id;
    const [first] = created.body.data.gallery as Array<{ id: number }>;
    const changed = await owned.api.patch(`${owned.base}/items/posts/${id}`, { gallery: { create: [{ file: png.id, position: 3 }], delete: [first.id] } });
    assert.equal(changed.status, 200, changed.text);
    const read = await owned.api.get(`${owned.base}/items/posts?filter[id][_eq]=${id}&fields=gallery.position,gallery.file.filename_download&deep[gallery][_sort]=position`);
    assert.deepEqual(
      read.body.data[0].gallery.map((link: { position: number; file: { filename_download: string } }) => [link.position, link.file.filename_download]),
      [[2, 'notes.txt'], [3, 'photo.png']],
    );
    // A file of another workspace, nested, is refused like a direct link: 400, nothing written.
    const other = await newOwnedWorkspace(suite.api);
    const foreign = await uploaded(other, { filename: 'theirs.png', type: 'image/png', content: PNG });
    const refused = await owned.api.post(`${owned.base}/items/posts`, { title: 'y', gallery: [{ file: foreign.id }] });
    assert.equal(refused.status, 400, refused.text);
    assert.equal((await owned.api.get(`${owned.base}/items/posts?filter[title][_eq]=y`)).body.data.length, 0);
  });

  test('snapshots carry the junction and its alias; applied elsewhere they make the files field again', async () => {
    const { owned } = await blog(suite);
    const snapshot = await owned.api.get(`${owned.base}/schema/snapshot`);
    assert.equal(snapshot.status, 200, snapshot.text);
    assert.deepEqual(snapshot.body.data.collections.map((c: { collection: string }) => c.collection).sort(), ['posts', 'posts_gallery']);
    assert.equal(snapshot.body.data.relations[0].one_field, 'gallery');

    const copy = await newOwnedWorkspace(suite.api);
    const applied = await copy.api.post(`${copy.base}/schema/apply`, { snapshot: snapshot.body.data });
    assert.equal(applied.status, 200, applied.text);
    assert.deepEqual((await owned.api.post(`${owned.base}/schema/diff`, { snapshot: snapshot.body.data })).body.data, []);
    const fields = await copy.api.get(`${copy.base}/fields/posts`);
    assert.equal(fields.body.data.find((f: { field: string }) => f.field === 'gallery').type, 'files');
    const png = await uploaded(copy, { filename: 'c.png', type: 'image/png', content: PNG });
    const post = await copy.api.post(`${copy.base}/items/posts`, { title: 'x' });
    await copy.api.post(`${copy.base}/items/posts_gallery`, { posts_id: post.body.data.id, file: png.id });
    const read = await copy.api.get(`${copy.base}/items/posts/${post.body.data.id}?fields=gallery.file.type`);
    assert.deepEqual(read.body.data.gallery, [{ id: 1, file: { id: png.id, type: 'image/png' } }]);
    await copy.api.delete(`${copy.base}/files/${png.id}`);
    assert.equal((await copy.api.get(`${copy.base}/items/posts_gallery/1`)).body.data.file, null);
  });

  test('dropping the field drops its junction and its links; a policy on the junction asks for force', async () => {
    const { owned, png } = await blog(suite);
    const post = await owned.api.post(`${owned.base}/items/posts`, { title: 'x' });
    await owned.api.post(`${owned.base}/items/posts_gallery`, { posts_id: post.body.data.id, file: png.id });
    await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'posts_gallery', action: 'read', fields: ['*'] });
    const refused = await owned.api.delete(`${owned.base}/fields/posts/gallery`);
    assertError(refused, 409, 'CONFLICT');
    assert.equal(refused.body.errors[0].extensions.field, 'gallery');
    assert.equal((await owned.api.delete(`${owned.base}/fields/posts/gallery?force=true`)).status, 204);
    assert.deepEqual((await owned.api.get(`${owned.base}/collections`)).body.data.map((c: { collection: string }) => c.collection), ['posts']);
    assert.deepEqual((await owned.api.get(`${owned.base}/relations`)).body.data, []);
    assert.ok(!(await owned.api.get(`${owned.base}/fields/posts`)).body.data.some((f: { field: string }) => f.field === 'gallery'));
    assertError(await owned.api.get(`${owned.base}/items/posts?fields=gallery.*`), 400, 'INVALID_QUERY');
    assertError(await owned.api.delete(`${owned.base}/fields/posts/gallery`), 404, 'NOT_FOUND');
    // The file itself stays, and the name can be a files field again.
    assert.equal((await owned.api.get(`${owned.base}/files/${png.id}`)).status, 200);
    assert.equal((await owned.api.post(`${owned.base}/fields/posts`, { field: 'gallery', type: 'files' })).status, 201);
  });
});
