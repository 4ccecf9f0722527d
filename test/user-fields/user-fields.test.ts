import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createDirectus, readItems, rest, staticToken } from '@directus/sdk';
import { describeEachDatabase } from '../support/app';
import { newAppUser, type AppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, type Account, type OwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

type Row = Record<string, any>;

/** created_by, updated_by and fields of the app_user and member types relate items to the workspace's people. */
describeEachDatabase('user fields', {}, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;
  let editor: Account;
  let ann: AppUser;
  let bob: AppUser;
  let stranger: AppUser;

  const ok = async (response: Promise<{ status: number; body: any; text: string }>): Promise<any> => {
    const answered = await response;
    assert.ok(answered.status >= 200 && answered.status < 300, answered.text);
    return answered.body?.data;
  };

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, owned.workspace, owned.owner, editor, 'editor');
    ann = await newAppUser(suite.api, base, 'ann');
    bob = await newAppUser(suite.api, base, 'bob');
    stranger = await newAppUser(suite.api, (await newOwnedWorkspace(suite.api)).base, 'stranger');
    await newCollection(api, base, {
      collection: 'notes',
      fields: [
        { field: 'title', type: 'string' },
        { field: 'author', type: 'app_user' },
        { field: 'reviewer', type: 'member' },
      ],
    });
    for (const policy of [
      { role: 'authenticated', collection: 'notes', action: 'read', fields: ['*'] },
      { role: 'authenticated', collection: 'notes', action: 'create', fields: ['title', 'author'], presets: { author: '$CURRENT_USER' } },
    ]) {
      await ok(api.post(`${base}/policies`, policy));
    }
  });

  it('expands created_by and updated_by to the member or app user who wrote, and only to the safe fields', async () => {
    const byEditor = await ok(suite.api.as(editor.accessToken).post(`${base}/items/notes`, { title: 'by a member' }));
    const byAnn = await ok(suite.api.as(ann.accessToken).post(`${base}/items/notes`, { title: 'by an app user' }));
    assert.equal(byEditor.created_by, editor.id);
    assert.equal(byAnn.created_by, ann.id);
    await ok(api.patch(`${base}/items/notes/${byAnn.id}`, { title: 'by an app user, edited' }));

    const rows: Row[] = await ok(api.get(`${base}/items/notes?fields=title,created_by.*,updated_by.email,updated_by.kind&sort=created_at&filter[id][_in]=${byEditor.id},${byAnn.id}`));
    // As for every relation, an expansion answers the keys it joins by.
    assert.deepEqual(rows, [
      { id: byEditor.id, title: 'by a member', created_by: { id: editor.id, kind: 'member', email: editor.email, name: 'editor' }, updated_by: { id: editor.id, email: editor.email, kind: 'member' } },
      { id: byAnn.id, title: 'by an app user, edited', created_by: { id: ann.id, kind: 'app_user', email: ann.email, name: null }, updated_by: { id: owned.owner.id, email: owned.owner.email, kind: 'member' } },
    ]);
    for (const secret of ['password_hash', 'status', 'is_superadmin', 'role', 'workspace_id']) {
      assertError(await api.get(`${base}/items/notes?fields=created_by.${secret}`), 400, 'INVALID_QUERY');
      assertError(await api.get(`${base}/items/notes?filter[created_by][${secret}][_nnull]=true`), 400, 'INVALID_QUERY');
    }
  });

  it('filters and sorts through user fields, and keeps $CURRENT_USER on their ids', async () => {
    await ok(api.post(`${base}/items/notes`, [
      { title: 'ann-1', author: ann.id, reviewer: editor.id },
      { title: 'bob-1', author: bob.id, reviewer: owned.owner.id },
    ]));
    const byEmail: Row[] = await ok(api.get(`${base}/items/notes?fields=title,author.email&filter[title][_in]=ann-1,bob-1&filter[author][email][_eq]=${encodeURIComponent(ann.email)}`));
    assert.deepEqual(byEmail.map((row) => [row.title, row.author.email]), [['ann-1', ann.email]]);
    const sorted: Row[] = await ok(api.get(`${base}/items/notes?fields=title&filter[title][_in]=ann-1,bob-1&sort=-reviewer.email`));
    // "owner-…" sorts after "editor-…": descending, the owner's note comes first.
    assert.deepEqual(sorted.map((row) => row.title), ['bob-1', 'ann-1']);
    const members: Row[] = await ok(api.get(`${base}/items/notes?fields=title,reviewer.kind,reviewer.name&filter[reviewer][kind][_eq]=member&sort=title`));
    assert.deepEqual(members.map((row) => [row.title, row.reviewer.kind, row.reviewer.name]), [['ann-1', 'member', 'editor'], ['bob-1', 'member', 'owner']]);

    await ok(api.post(`${base}/roles`, { name: 'mine' }));
    await ok(api.post(`${base}/policies`, { role: 'mine', collection: 'notes', action: 'read', fields: ['title'], filter: { author: { _eq: '$CURRENT_USER' } } }));
    const carl = await newAppUser(suite.api, base, 'carl');
    await ok(api.patch(`${base}/app-users/${carl.id}`, { role: 'mine' }));
    const carlsNote = await ok(api.post(`${base}/items/notes`, { title: 'carl-1', author: carl.id }));
    const relogin = await ok(suite.api.post(`${base}/auth/login`, { email: carl.email, password: carl.password }));
    const seen: Row[] = await ok(suite.api.as(relogin.access_token).get(`${base}/items/notes`));
    assert.deepEqual(seen, [{ id: carlsNote.id, title: 'carl-1' }]);
  });

  it('refuses a user field that names nobody of the workspace, or a person of the other kind, naming the field', async () => {
    const refusals: Array<[Row, string]> = [
      [{ author: stranger.id }, 'author'],
      [{ author: editor.id }, 'author'],
      [{ author: '00000000-0000-4000-8000-000000000000' }, 'author'],
      [{ reviewer: ann.id }, 'reviewer'],
      [{ reviewer: (await newAccount(suite.api, 'outsider')).id }, 'reviewer'],
    ];
    for (const [values, field] of refusals) {
      const refused = await api.post(`${base}/items/notes`, { title: 'refused', ...values });
      assertError(refused, 400, 'INVALID_PAYLOAD');
      assert.equal(refused.body.errors[0].extensions.field, field, refused.text);
    }
    const batch = await api.post(`${base}/items/notes`, [{ title: 'fine', author: ann.id }, { title: 'not fine', author: stranger.id }]);
    assertError(batch, 400, 'INVALID_PAYLOAD');
    assert.equal(batch.body.errors[0].extensions.field, '1.author');
    const note = await ok(api.post(`${base}/items/notes`, { title: 'to move', author: ann.id }));
    const moved = await api.patch(`${base}/items/notes/${note.id}`, { author: stranger.id });
    assert.equal(moved.body.errors[0].extensions.field, 'author', moved.text);
    assert.equal((await ok(api.get(`${base}/items/notes/${note.id}`))).author, ann.id);
    assertError(await api.post(`${base}/items/notes`, { title: 'x', author: 'not-a-uuid' }), 400, 'INVALID_PAYLOAD');
  });

  it('serves cairn_users only through user fields: no items, collection, relation or GraphQL root of its own', async () => {
    assertError(await api.get(`${base}/items/cairn_users`), 404, 'NOT_FOUND');
    assertError(await api.post(`${base}/items/cairn_users`, { email: 'x@example.com' }), 404, 'NOT_FOUND');
    assertError(await api.get(`${base}/collections/cairn_users`), 404, 'NOT_FOUND');
    const collections: Row[] = await ok(api.get(`${base}/collections`));
    assert.deepEqual(collections.map((c) => c.collection), ['notes']);
    assert.deepEqual(await ok(api.get(`${base}/relations`)), []);
    const fields: Row[] = await ok(api.get(`${base}/fields/notes`));
    assert.deepEqual(fields.filter((f) => f.field === 'author' || f.field === 'reviewer').map((f) => f.type), ['app_user', 'member']);
    assertError(await api.post(`${base}/collections`, { collection: 'cairn_users' }), 400, 'INVALID_PAYLOAD');
    assertError(await suite.api.as(ann.accessToken).get(`${base}/items/cairn_users`), 403, 'FORBIDDEN');
  });

  it('answers app users only what a read policy on cairn_users grants of people', async () => {
    const note = await ok(api.post(`${base}/items/notes`, { title: 'for app users', author: bob.id }));
    const asAnn = suite.api.as(ann.accessToken);
    assertError(await asAnn.get(`${base}/items/notes/${note.id}?fields=author.email`), 400, 'INVALID_QUERY');
    assertError(await asAnn.get(`${base}/items/notes?filter[author][email][_eq]=${encodeURIComponent(bob.email)}`), 400, 'INVALID_QUERY');
    assert.equal((await ok(asAnn.get(`${base}/items/notes/${note.id}?fields=author`))).author, bob.id);

    assertError(await api.post(`${base}/policies`, { role: 'authenticated', collection: 'cairn_users', action: 'update' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/policies`, { role: 'authenticated', collection: 'cairn_users', action: 'read', fields: ['password_hash'] }), 400, 'INVALID_PAYLOAD');
    const policy = await ok(api.post(`${base}/policies`, { role: 'authenticated', collection: 'cairn_users', action: 'read', fields: ['id', 'kind'], filter: { kind: { _eq: 'app_user' } } }));
    const expanded = await ok(asAnn.get(`${base}/items/notes/${note.id}?fields=title,author.*,created_by.*`));
    // The owner wrote it: a member, whom this policy's filter leaves out.
    assert.deepEqual(expanded, { id: note.id, title: 'for app users', author: { id: bob.id, kind: 'app_user' }, created_by: null });
    assertError(await asAnn.get(`${base}/items/notes/${note.id}?fields=author.email`), 400, 'INVALID_QUERY');
    assertError(await asAnn.get(`${base}/items/notes?sort=author.kind`), 403, 'FORBIDDEN');
    assertError(await asAnn.get(`${base}/items/cairn_users`), 403, 'FORBIDDEN');
    await ok(api.delete(`${base}/policies/${policy.id}`));
  });

  it('types user fields in GraphQL as the people its caller may read, with no root field for them', async () => {
    const note = await ok(api.post(`${base}/items/notes`, { title: 'graphql', author: ann.id, reviewer: editor.id }));
    const data = await graphqlData(api, base, `{ notes_by_id(id: "${note.id}") { title author { email kind } reviewer { name } created_by { email } } }`);
    assert.deepEqual(data.notes_by_id, { title: 'graphql', author: { email: ann.email, kind: 'app_user' }, reviewer: { name: 'editor' }, created_by: { email: owned.owner.email } });
    const filtered = await graphqlData(api, base, `{ notes(filter: { author: { email: { _eq: "${ann.email}" } }, title: { _eq: "graphql" } }) { title } }`);
    assert.deepEqual(filtered.notes, [{ title: 'graphql' }]);
    const types = await graphqlData(api, base, '{ __schema { queryType { fields { name } } } __type(name: "cairn_users") { fields { name } } }');
    assert.ok(!types.__schema.queryType.fields.some((f: { name: string }) => f.name.startsWith('cairn_users')));
    assert.deepEqual(types.__type.fields.map((f: { name: string }) => f.name).sort(), ['email', 'id', 'kind', 'name']);
    const refused = await api.post(`${base}/graphql`, { query: '{ notes { created_by { password_hash } } }' });
    assert.match(refused.text, /password_hash/);
    assert.ok(refused.body.errors?.length > 0, refused.text);
  });

  it('describes user fields in the OpenAPI document as expandable to cairn_users', async () => {
    const document = (await api.get(`${base}/openapi.json`)).body;
    assert.equal(document.paths['/items/cairn_users'], undefined);
    assert.deepEqual(Object.keys(document.components.schemas.cairn_users.properties).sort(), ['email', 'id', 'kind', 'name']);
    const author = document.components.schemas.notes.properties.author;
    assert.deepEqual(author.oneOf[1], { $ref: '#/components/schemas/cairn_users' });
    assert.deepEqual(document.components.schemas.notes.properties.created_by.oneOf[1], { $ref: '#/components/schemas/cairn_users' });
  });

  it('carries user field types in snapshots, never cairn_users or its relations, and applies them elsewhere', async () => {
    const snapshot = await ok(api.get(`${base}/schema/snapshot`));
    assert.deepEqual(snapshot.collections.map((c: Row) => c.collection), ['notes']);
    assert.deepEqual(snapshot.relations, []);
    const notes = snapshot.collections[0];
    assert.deepEqual(notes.fields.filter((f: Row) => f.field !== 'title').map((f: Row) => [f.field, f.type]), [['author', 'app_user'], ['reviewer', 'member']]);
    assert.deepEqual(await ok(api.post(`${base}/schema/diff`, { snapshot })), []);

    const other = await newOwnedWorkspace(suite.api);
    const applied: Row[] = await ok(other.api.post(`${other.base}/schema/apply`, { snapshot }));
    assert.ok(applied.some((step) => step.action === 'create_collection'), JSON.stringify(applied));
    const otherUser = await newAppUser(suite.api, other.base, 'other');
    const created = await ok(other.api.post(`${other.base}/items/notes?fields=author.email,created_by.email`, { title: 'elsewhere', author: otherUser.id }));
    // A write answers the keys it read by beside the fields asked for.
    assert.deepEqual(created, { id: created.id, author: { id: otherUser.id, email: otherUser.email }, created_by: { id: other.owner.id, email: other.owner.email } });
    assertError(await other.api.post(`${other.base}/items/notes`, { title: 'elsewhere', author: ann.id }), 400, 'INVALID_PAYLOAD');
  });

  it('expands created_by through @directus/sdk readItems', async () => {
    const key = await ok(api.post(`/api/v1/workspaces/${owned.workspace.slug}/api-keys`, { name: 'sdk', role: 'viewer' }));
    interface Person {
      id: string;
      kind: string;
      email: string;
      name: string | null;
    }
    const client = createDirectus<{ notes: Array<{ id: number; title: string; created_by: Person | string | null }>; cairn_users: Person[] }>(`${suite.app.url}${base}`)
      .with(staticToken(key.key))
      .with(rest());
    const rows = await client.request(readItems('notes', { fields: ['id', 'title', { created_by: ['*'] }], filter: { title: { _eq: 'by a member' } } }));
    assert.deepEqual(rows, [{ id: rows[0].id, title: 'by a member', created_by: { id: editor.id, kind: 'member', email: editor.email, name: 'editor' } }]);
  });

  it('sends realtime subscribers the people of a change as their read shows them', async () => {
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${owned.owner.accessToken}`);
    try {
      const init = await client.subscribe('notes', { fields: ['title', 'author.email', 'created_by.kind'], filter: { title: { _eq: 'live' } } });
      assert.equal(init.event, 'init', JSON.stringify(init));
      await ok(suite.api.as(editor.accessToken).post(`${base}/items/notes`, { title: 'live', author: bob.id }));
      const created = await client.next((message) => message.event === 'create');
      assert.deepEqual(created.data.map((row: Row) => [row.title, row.author.email, row.created_by.kind]), [['live', bob.email, 'member']]);
    } finally {
      client.close();
    }
  });

  it('changes a user field to a uuid without loss, and a uuid to a user field only when forced', async () => {
    await newCollection(api, base, { collection: 'tickets', fields: [{ field: 'assignee', type: 'member' }, { field: 'owner', type: 'uuid' }] });
    const ticket = await ok(api.post(`${base}/items/tickets`, { assignee: editor.id, owner: ann.id }));
    assert.equal((await ok(api.patch(`${base}/fields/tickets/assignee`, { type: 'uuid' }))).type, 'uuid');
    assertError(await api.get(`${base}/items/tickets?fields=assignee.email`), 400, 'INVALID_QUERY');
    assertError(await api.patch(`${base}/fields/tickets/owner`, { type: 'app_user' }), 409, 'CONFLICT');
    assert.equal((await ok(api.patch(`${base}/fields/tickets/owner?force=true`, { type: 'app_user' }))).type, 'app_user');
    const read = await ok(api.get(`${base}/items/tickets/${ticket.id}?fields=assignee,owner.email`));
    assert.deepEqual(read, { id: ticket.id, assignee: editor.id, owner: { id: ann.id, email: ann.email } });
  });

  it('applies a snapshot whose policies read cairn_users', async () => {
    const source = await newOwnedWorkspace(suite.api);
    await newCollection(source.api, source.base, { collection: 'posts', fields: [{ field: 'writer', type: 'app_user' }] });
    await ok(source.api.post(`${source.base}/policies`, { role: 'authenticated', collection: 'cairn_users', action: 'read', fields: ['id', 'email'], filter: { kind: { _eq: 'app_user' } } }));
    await ok(source.api.post(`${source.base}/policies`, { role: 'authenticated', collection: 'posts', action: 'read', fields: ['*'] }));
    const snapshot = await ok(source.api.get(`${source.base}/schema/snapshot`));

    const target = await newOwnedWorkspace(suite.api);
    await ok(target.api.post(`${target.base}/schema/apply`, { snapshot }));
    const writer = await newAppUser(suite.api, target.base, 'writer');
    await ok(target.api.post(`${target.base}/items/posts`, { writer: writer.id }));
    const seen = await ok(suite.api.as(writer.accessToken).get(`${target.base}/items/posts?fields=writer.email`));
    assert.deepEqual(seen.map((row: Row) => row.writer), [{ id: writer.id, email: writer.email }]);
  });
});

