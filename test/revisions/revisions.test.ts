import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

type Row = Record<string, any>;

/** Every field type whose values must survive a trip through a revision and back. */
const TYPED_FIELDS = [
  { field: 'title', type: 'string' },
  { field: 'body', type: 'text' },
  { field: 'views', type: 'integer' },
  { field: 'big', type: 'bigint' },
  { field: 'score', type: 'float' },
  { field: 'price', type: 'decimal', precision: 12, scale: 2 },
  { field: 'published', type: 'boolean' },
  { field: 'day', type: 'date' },
  { field: 'at', type: 'datetime' },
  { field: 'clock', type: 'time' },
  { field: 'details', type: 'json' },
  { field: 'ref', type: 'uuid' },
  { field: 'kind', type: 'enum', values: ['news', 'blog'] },
];

const TYPED_VALUES = {
  title: 'First',
  body: 'Long text',
  views: 7,
  big: '9007199254740993',
  score: 0.1,
  price: '12.35',
  published: false,
  day: '2024-02-29',
  at: '2024-03-01T10:20:30.456Z',
  clock: '08:30:15',
  details: { tags: ['a', 'b'], nested: { n: 1.5, ok: true }, none: null },
  ref: '0190a6b2-7c4e-7d2a-9f1e-3c5b7a9d1e20',
  kind: 'news',
};

describeEachDatabase('revisions', {}, (suite) => {
  let api: Api;
  let base: string;
  let owned: OwnedWorkspace;

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await newCollection(api, base, { collection: 'posts', fields: TYPED_FIELDS });
    await newCollection(api, base, {
      collection: 'tickets',
      primary_key: 'uuid',
      fields: [
        { field: 'code', type: 'autocode', autocode: { prefix: 'T-', padding: 3 } },
        { field: 'subject', type: 'string', required: true },
        { field: 'slug', type: 'string', unique: true },
        { field: 'state', type: 'string' },
      ],
    });
  });

  async function revisionsOf(collection: string, item: unknown, extra = ''): Promise<Row[]> {
    const listed = await api.get(`${base}/revisions?filter[collection][_eq]=${collection}&filter[item][_eq]=${String(item)}&sort=created_at,id${extra}`);
    assert.equal(listed.status, 200, listed.text);
    return listed.body.data;
  }

  async function createPost(values: Row): Promise<Row> {
    const created = await api.post(`${base}/items/posts`, values);
    assert.equal(created.status, 200, created.text);
    return created.body.data;
  }

  async function countRevisions(): Promise<number> {
    const counted = await api.get(`${base}/revisions?limit=1&meta=total_count`);
    assert.equal(counted.status, 200, counted.text);
    return counted.body.meta.total_count;
  }

  it('records a single create with the stored row as data, the written values as delta, and its activity row', async () => {
    const post = await createPost(TYPED_VALUES);
    const [revision] = await revisionsOf('posts', post.id);
    const read = await api.get(`${base}/items/posts/${post.id}`);
    assert.deepEqual(revision.data, read.body.data);
    assert.equal(revision.item, String(post.id));
    assert.deepEqual(revision.delta, { ...TYPED_VALUES, price: 12.35 });
    const activity = await api.get(`${base}/activity?filter[id][_eq]=${revision.activity}`);
    assert.deepEqual(
      activity.body.data.map((row: Row) => [row.action, row.collection, row.item]),
      [['create', 'posts', String(post.id)]],
    );
  });

  it('records the stored row of every item of a batch create, as a read answers it', async () => {
    const created = await api.post(`${base}/items/posts`, [TYPED_VALUES, { ...TYPED_VALUES, big: '-9007199254740995', published: true, details: [1, 'two'] }]);
    assert.equal(created.status, 200, created.text);
    for (const post of created.body.data as Row[]) {
      const [revision] = await revisionsOf('posts', post.id);
      assert.deepEqual(revision.data, (await api.get(`${base}/items/posts/${post.id}`)).body.data);
    }
    assert.equal((await revisionsOf('posts', created.body.data[1].id))[0].data.big, '-9007199254740995');
  });

  it('records updates and batch updates, each linked to its own activity row', async () => {
    const post = await createPost({ title: 'Draft', views: 1 });
    assert.equal((await api.patch(`${base}/items/posts/${post.id}`, { title: 'Edited' })).status, 200);
    const other = await createPost({ title: 'Other', views: 2 });
    const byKeys = await api.patch(`${base}/items/posts`, { keys: [post.id, other.id], data: { views: 10 } });
    assert.equal(byKeys.status, 200, byKeys.text);
    const each = await api.patch(`${base}/items/posts`, [
      { id: post.id, published: true },
      { id: other.id, title: 'Other 2' },
    ]);
    assert.equal(each.status, 200, each.text);

    const history = await revisionsOf('posts', post.id, '&fields=*,activity.action,activity.actor_id');
    assert.deepEqual(
      history.map((revision) => [revision.activity.action, revision.delta]),
      [
        ['create', { title: 'Draft', views: 1 }],
        ['update', { title: 'Edited' }],
        ['update', { views: 10 }],
        ['update', { published: true }],
      ],
    );
    assert.ok(history.every((revision) => revision.activity.actor_id === owned.owner.id));
    assert.deepEqual(
      history.map((revision) => [revision.data.title, revision.data.views, revision.data.published]),
      [
        ['Draft', 1, null],
        ['Edited', 1, null],
        ['Edited', 10, null],
        ['Edited', 10, true],
      ],
    );
    assert.equal(new Set(history.map((revision) => revision.activity)).size, 4);
    const otherHistory = await revisionsOf('posts', other.id);
    assert.deepEqual(otherHistory.at(-1)!.delta, { title: 'Other 2' });
    assert.equal(otherHistory.at(-1)!.data.views, 10);
  });

  it('lists revisions with the query language: filters, sort, a relational filter on the activity and counts', async () => {
    const post = await createPost({ title: 'Listed' });
    await api.patch(`${base}/items/posts/${post.id}`, { title: 'Listed 2' });
    const newest = await api.get(`${base}/revisions?filter[collection][_eq]=posts&filter[item][_eq]=${post.id}&sort=-created_at,-id&fields=data,delta&meta=filter_count`);
    assert.equal(newest.status, 200, newest.text);
    assert.deepEqual(newest.body.data.map((revision: Row) => revision.data.title), ['Listed 2', 'Listed']);
    assert.equal(newest.body.meta.filter_count, 2);
    const updates = await api.get(`${base}/revisions?filter[item][_eq]=${post.id}&filter[activity][action][_eq]=update&fields=id,activity`);
    assert.equal(updates.status, 200, updates.text);
    assert.equal(updates.body.data.length, 1);
    const one = await api.get(`${base}/revisions/${updates.body.data[0].id}?fields=id,delta`);
    assert.deepEqual(one.body.data, { id: updates.body.data[0].id, delta: { title: 'Listed 2' } });
    const perCollection = await api.get(`${base}/revisions?aggregate[count]=*&groupBy[]=collection&filter[item][_eq]=${post.id}&filter[collection][_eq]=posts`);
    assert.deepEqual(perCollection.body.data, [{ collection: 'posts', count: 2 }]);
    assertError(await api.get(`${base}/revisions?filter[nope][_eq]=1`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/revisions/not-an-id`), 404, 'NOT_FOUND');
  });

  it('reverts an item to a revision through the write path, with a new activity row and revision', async () => {
    const post = await createPost(TYPED_VALUES);
    const [original] = await revisionsOf('posts', post.id);
    const changed = { title: 'Changed', big: '-5', price: 1, published: true, details: { other: 1 }, day: '2020-01-01', at: '2020-01-01T00:00:00.000Z', clock: '23:59:59', kind: 'blog' };
    assert.equal((await api.patch(`${base}/items/posts/${post.id}`, changed)).status, 200);

    const reverted = await api.post(`${base}/revisions/${original.id}/revert?fields=id,title,big,details`);
    assert.equal(reverted.status, 200, reverted.text);
    assert.deepEqual(reverted.body.data, { id: post.id, title: 'First', big: TYPED_VALUES.big, details: TYPED_VALUES.details });
    const read = (await api.get(`${base}/items/posts/${post.id}`)).body.data;
    const { updated_at: _u, updated_by: _b, ...restored } = read;
    const { updated_at: _ou, updated_by: _ob, ...before } = original.data;
    assert.deepEqual(restored, before);

    const history = await revisionsOf('posts', post.id, '&fields=*,activity.action');
    assert.equal(history.length, 3);
    assert.equal(history[2].activity.action, 'update');
    assert.deepEqual(history[2].data, read);
  });

  it('skips fields that no longer exist and never writes autocodes back', async () => {
    assert.equal((await api.post(`${base}/fields/tickets`, { field: 'extra', type: 'string' })).status, 201);
    const ticket = (await api.post(`${base}/items/tickets`, { subject: 'Printer', extra: 'x' })).body.data;
    const [created] = await revisionsOf('tickets', ticket.id);
    assert.match(created.data.code, /^T-\d{3}$/);
    await api.patch(`${base}/items/tickets/${ticket.id}`, { subject: 'Scanner' });
    assert.equal((await api.delete(`${base}/fields/tickets/extra`)).status, 204);
    const reverted = await api.post(`${base}/revisions/${created.id}/revert`);
    assert.equal(reverted.status, 200, reverted.text);
    assert.equal(reverted.body.data.subject, 'Printer');
    assert.equal(reverted.body.data.code, ticket.code);
    assert.equal('extra' in reverted.body.data, false);
  });

  it('keeps a deleted item in its delete revision and brings it back with its key on revert', async () => {
    const post = await createPost({ title: 'Doomed', views: 3 });
    assert.equal((await api.delete(`${base}/items/posts/${post.id}`)).status, 204);
    const history = await revisionsOf('posts', post.id, '&fields=*,activity.action');
    const deleted = history.at(-1)!;
    assert.equal(deleted.activity.action, 'delete');
    assert.equal(deleted.delta, null);
    assert.equal(deleted.data.title, 'Doomed');

    const ticket = (await api.post(`${base}/items/tickets`, { subject: 'Gone' })).body.data;
    assert.equal((await api.delete(`${base}/items/tickets`, { keys: [ticket.id] })).status, 204);
    const ticketDeleted = (await revisionsOf('tickets', ticket.id)).at(-1)!;

    const restored = await api.post(`${base}/revisions/${deleted.id}/revert`);
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.data.id, post.id);
    assert.equal(restored.body.data.title, 'Doomed');
    assert.equal(restored.body.data.views, 3);
    const again = await revisionsOf('posts', post.id, '&fields=activity.action');
    assert.equal(again.at(-1)!.activity.action, 'create');

    const restoredTicket = await api.post(`${base}/revisions/${ticketDeleted.id}/revert`);
    assert.equal(restoredTicket.status, 200, restoredTicket.text);
    assert.equal(restoredTicket.body.data.id, ticket.id);
    assert.equal(restoredTicket.body.data.subject, 'Gone');
  });

  it('leaves no revision behind when a write rolls back', async () => {
    const taken = (await api.post(`${base}/items/tickets`, { subject: 'Taken', slug: 'taken' })).body.data;
    const free = (await api.post(`${base}/items/tickets`, { subject: 'Free', slug: 'free' })).body.data;
    const before = await countRevisions();
    assertError(await api.post(`${base}/items/tickets`, [{ subject: 'New', slug: 'new' }, { subject: 'Clash', slug: 'taken' }]), 409, 'CONFLICT');
    assertError(
      await api.patch(`${base}/items/tickets`, [
        { id: free.id, state: 'open' },
        { id: free.id, slug: 'taken' },
      ]),
      409,
      'CONFLICT',
    );
    assertError(await api.patch(`${base}/items/tickets`, [{ id: taken.id, state: 'open' }, { id: free.id, subject: '' }]), 422, 'VALIDATION_FAILED');
    assert.equal(await countRevisions(), before);
    assert.equal((await revisionsOf('tickets', free.id)).length, 1);
  });

  it('is for owners and admins: editors, editor API keys and app users get 403, outsiders 404', async () => {
    const post = await createPost({ title: 'Guarded' });
    const [revision] = await revisionsOf('posts', post.id);
    const admin = await newAccount(suite.api, 'admin');
    const editor = await newAccount(suite.api, 'editor');
    const outsider = await newAccount(suite.api, 'outsider');
    await addMember(suite.api, owned.workspace, owned.owner, admin, 'admin');
    await addMember(suite.api, owned.workspace, owned.owner, editor, 'editor');
    const key = await api.post(`/api/v1/workspaces/${owned.workspace.slug}/api-keys`, { name: 'editor key', role: 'editor' });
    assert.equal(key.status, 201, key.text);
    const appUser = await newAppUser(suite.api, base);

    const asAdmin = suite.api.as(admin.accessToken);
    assert.equal((await asAdmin.get(`${base}/revisions/${revision.id}`)).status, 200);
    assert.equal((await asAdmin.post(`${base}/revisions/${revision.id}/revert`)).status, 200);
    for (const token of [editor.accessToken, key.body.data.key, appUser.accessToken]) {
      const as = suite.api.as(token);
      assertError(await as.get(`${base}/revisions`), 403, 'FORBIDDEN');
      assertError(await as.get(`${base}/revisions/${revision.id}`), 403, 'FORBIDDEN');
      assertError(await as.post(`${base}/revisions/${revision.id}/revert`), 403, 'FORBIDDEN');
    }
    assertError(await suite.api.as(outsider.accessToken).get(`${base}/revisions`), 404, 'NOT_FOUND');
    assertError(await suite.api.get(`${base}/revisions`, { token: null }), 401, 'INVALID_CREDENTIALS');
  });

  it('shows a workspace only its own revisions', async () => {
    const post = await createPost({ title: 'Mine' });
    const [mine] = await revisionsOf('posts', post.id);
    const other = await newOwnedWorkspace(suite.api);
    await newCollection(other.api, other.base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }] });
    assert.equal((await other.api.post(`${other.base}/items/posts`, { title: 'Theirs' })).status, 200);

    const theirs = await other.api.get(`${other.base}/revisions?meta=total_count`);
    assert.deepEqual(theirs.body.data.map((revision: Row) => revision.data.title), ['Theirs']);
    assert.equal(theirs.body.meta.total_count, 1);
    assertError(await other.api.get(`${other.base}/revisions/${mine.id}`), 404, 'NOT_FOUND');
    assertError(await other.api.post(`${other.base}/revisions/${mine.id}/revert`), 404, 'NOT_FOUND');
    const ownCount = await countRevisions();
    const listed = await api.get(`${base}/revisions?limit=${ownCount + 10}&fields=data`);
    assert.equal(listed.body.data.length, ownCount);
    assert.ok(!(listed.body.data as Row[]).some((revision) => revision.data.title === 'Theirs'));
  });
});
