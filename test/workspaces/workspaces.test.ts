import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Database } from '../../src/common/database/database.service';
import { Account, addMember, assertError, newAccount, newCollection, newWorkspace, Workspace } from '../support/factories';

type Actor = 'owner' | 'admin' | 'editor' | 'viewer' | 'outsider';

describeEachDatabase('workspaces and roles', {}, (suite) => {
  let root: Account;
  before(async () => {
    root = await newAccount(suite.api, 'root');
  });

  /** A workspace with one account in each role, and one account that is not a member. */
  async function staffedWorkspace() {
    const people = {} as Record<Actor, Account>;
    for (const actor of ['owner', 'admin', 'editor', 'viewer', 'outsider'] as Actor[]) people[actor] = await newAccount(suite.api, actor);
    const workspace = await newWorkspace(suite.api, people.owner);
    for (const role of ['admin', 'editor', 'viewer'] as const) await addMember(suite.api, workspace, people.owner, people[role], role);
    return { workspace, people };
  }

  it('creates a workspace with a slug made from its name, its creator as owner', async () => {
    const owner = await newAccount(suite.api);
    const created = await suite.api.post('/api/v1/workspaces', { name: 'Acme Café Ltd' }, { token: owner.accessToken });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.data.slug, /^acme-cafe-ltd/);
    assert.equal(created.body.data.role, 'owner');
    const byId = await suite.api.get(`/api/v1/workspaces/${created.body.data.id}`, { token: owner.accessToken });
    const bySlug = await suite.api.get(`/api/v1/workspaces/${created.body.data.slug}`, { token: owner.accessToken });
    assert.equal(byId.status, 200);
    assert.deepEqual(bySlug.body, byId.body);
  });

  it('refuses an explicit slug that is taken, and a malformed one', async () => {
    const owner = await newAccount(suite.api);
    const first = await suite.api.post('/api/v1/workspaces', { name: 'One', slug: `taken-${owner.id.slice(0, 8)}` }, { token: owner.accessToken });
    assert.equal(first.status, 201);
    assertError(await suite.api.post('/api/v1/workspaces', { name: 'Two', slug: first.body.data.slug }, { token: owner.accessToken }), 409, 'CONFLICT');
    const malformed = await suite.api.post('/api/v1/workspaces', { name: 'Three', slug: 'Not A Slug!' }, { token: owner.accessToken });
    assertError(malformed, 400, 'INVALID_PAYLOAD');
    assert.equal(malformed.body.errors[0].extensions.field, 'slug');
    const uuidShaped = await suite.api.post('/api/v1/workspaces', { name: 'Four', slug: '0b6f9d2e-1c3a-4e5f-8a7b-9c0d1e2f3a4b' }, { token: owner.accessToken });
    assertError(uuidShaped, 400, 'INVALID_PAYLOAD');
  });

  it('lists only the workspaces the caller belongs to, and all of them for the superadmin', async () => {
    const alice = await newAccount(suite.api);
    const bob = await newAccount(suite.api);
    const mine = await newWorkspace(suite.api, alice);
    const theirs = await newWorkspace(suite.api, bob);
    const aliceList = await suite.api.get('/api/v1/workspaces', { token: alice.accessToken });
    assert.deepEqual(aliceList.body.data.map((w: { id: string }) => w.id), [mine.id]);
    const rootList = await suite.api.get('/api/v1/workspaces', { token: root.accessToken });
    const rootIds = rootList.body.data.map((w: { id: string }) => w.id);
    assert.ok(rootIds.includes(mine.id) && rootIds.includes(theirs.id));
  });

  it('gives each role exactly its powers', async () => {
    const { workspace, people } = await staffedWorkspace();
    const ws = `/api/v1/workspaces/${workspace.slug}`;
    const expectations: Array<[string, (a: Account) => Promise<{ status: number }>, Record<Actor, number>]> = [
      ['read the workspace', (a) => suite.api.get(ws, { token: a.accessToken }), { owner: 200, admin: 200, editor: 200, viewer: 200, outsider: 404 }],
      ['list members', (a) => suite.api.get(`${ws}/members`, { token: a.accessToken }), { owner: 200, admin: 200, editor: 200, viewer: 200, outsider: 404 }],
      ['rename it', (a) => suite.api.patch(ws, { name: 'Renamed' }, { token: a.accessToken }), { owner: 200, admin: 200, editor: 403, viewer: 403, outsider: 404 }],
      ['list API keys', (a) => suite.api.get(`${ws}/api-keys`, { token: a.accessToken }), { owner: 200, admin: 200, editor: 403, viewer: 403, outsider: 404 }],
      ['create a viewer API key', (a) => suite.api.post(`${ws}/api-keys`, { name: 'k', role: 'viewer' }, { token: a.accessToken }), { owner: 201, admin: 201, editor: 403, viewer: 403, outsider: 404 }],
    ];
    for (const [action, call, statuses] of expectations) {
      for (const actor of Object.keys(statuses) as Actor[]) {
        const response = await call(people[actor]);
        assert.equal(response.status, statuses[actor], `${actor} may ${statuses[actor] < 300 ? '' : 'not '}${action}`);
      }
    }
    for (const actor of ['admin', 'editor', 'viewer'] as Actor[]) {
      const invite = await newAccount(suite.api);
      const response = await suite.api.post(`${ws}/members`, { email: invite.email, role: 'viewer' }, { token: people[actor].accessToken });
      assert.equal(response.status, actor === 'admin' ? 201 : 403, `${actor} inviting a member`);
    }
    for (const actor of ['outsider', 'viewer', 'editor', 'admin'] as Actor[]) {
      const response = await suite.api.delete(ws, undefined, { token: people[actor].accessToken });
      assert.equal(response.status, actor === 'outsider' ? 404 : 403, `${actor} deleting the workspace`);
    }
    assert.equal((await suite.api.delete(ws, undefined, { token: people.owner.accessToken })).status, 204);
    assertError(await suite.api.get(ws, { token: people.owner.accessToken }), 404, 'NOT_FOUND');
  });

  it('keeps owners out of admins\' reach: admins cannot add, change or remove owners', async () => {
    const { workspace, people } = await staffedWorkspace();
    const ws = `/api/v1/workspaces/${workspace.slug}`;
    const newcomer = await newAccount(suite.api);
    assertError(await suite.api.post(`${ws}/members`, { email: newcomer.email, role: 'owner' }, { token: people.admin.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.patch(`${ws}/members/${people.owner.id}`, { role: 'viewer' }, { token: people.admin.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.delete(`${ws}/members/${people.owner.id}`, undefined, { token: people.admin.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.patch(`${ws}/members/${people.viewer.id}`, { role: 'owner' }, { token: people.admin.accessToken }), 403, 'FORBIDDEN');
    const promoted = await suite.api.patch(`${ws}/members/${people.editor.id}`, { role: 'admin' }, { token: people.admin.accessToken });
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.body.data.role, 'admin');
  });

  it('never lets the last owner leave or be demoted', async () => {
    const { workspace, people } = await staffedWorkspace();
    const ws = `/api/v1/workspaces/${workspace.slug}`;
    const owner = people.owner;
    assertError(await suite.api.delete(`${ws}/members/${owner.id}`, undefined, { token: owner.accessToken }), 409, 'CONFLICT');
    assertError(await suite.api.patch(`${ws}/members/${owner.id}`, { role: 'admin' }, { token: owner.accessToken }), 409, 'CONFLICT');
    assert.equal((await suite.api.patch(`${ws}/members/${people.admin.id}`, { role: 'owner' }, { token: owner.accessToken })).status, 200);
    assert.equal((await suite.api.delete(`${ws}/members/${owner.id}`, undefined, { token: owner.accessToken })).status, 204);
    assertError(await suite.api.get(ws, { token: owner.accessToken }), 404, 'NOT_FOUND');
    assertError(await suite.api.patch(`${ws}/members/${people.admin.id}`, { role: 'editor' }, { token: people.admin.accessToken }), 409, 'CONFLICT');
  });

  it('lets any member leave by removing themselves', async () => {
    const { workspace, people } = await staffedWorkspace();
    const ws = `/api/v1/workspaces/${workspace.slug}`;
    assertError(await suite.api.delete(`${ws}/members/${people.editor.id}`, undefined, { token: people.viewer.accessToken }), 403, 'FORBIDDEN');
    assert.equal((await suite.api.delete(`${ws}/members/${people.viewer.id}`, undefined, { token: people.viewer.accessToken })).status, 204);
    const members = await suite.api.get(`${ws}/members`, { token: people.owner.accessToken });
    assert.deepEqual(members.body.data.map((m: { id: string }) => m.id).sort(), [people.owner.id, people.admin.id, people.editor.id].sort());
  });

  it('answers inviting an unknown email with 404 and a second invite with 409', async () => {
    const { workspace, people } = await staffedWorkspace();
    const ws = `/api/v1/workspaces/${workspace.slug}`;
    assertError(await suite.api.post(`${ws}/members`, { email: 'nobody-here@example.com', role: 'viewer' }, { token: people.owner.accessToken }), 404, 'NOT_FOUND');
    assertError(await suite.api.post(`${ws}/members`, { email: people.viewer.email, role: 'editor' }, { token: people.owner.accessToken }), 409, 'CONFLICT');
  });

  it('lets the superadmin act as an owner in any workspace', async () => {
    const { workspace } = await staffedWorkspace();
    const response = await suite.api.patch(`/api/v1/workspaces/${workspace.slug}`, { name: 'Inspected' }, { token: root.accessToken });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.data.role, 'owner');
  });

  it('deletes a workspace whose folders sit in one another', async () => {
    const workspace = await newWorkspace(suite.api, root);
    const base = `/api/v1/w/${workspace.slug}`;
    const parent = await suite.api.post(`${base}/folders`, { name: 'Parent' }, { token: root.accessToken });
    assert.equal(parent.status, 200, parent.text);
    const child = await suite.api.post(`${base}/folders`, { name: 'Child', parent: parent.body.data.id }, { token: root.accessToken });
    assert.equal(child.status, 200, child.text);
    assert.equal((await suite.api.delete(`/api/v1/workspaces/${workspace.slug}`, undefined, { token: root.accessToken })).status, 204);
    assertError(await suite.api.get(`/api/v1/workspaces/${workspace.slug}`, { token: root.accessToken }), 404, 'NOT_FOUND');
  });

  it("deletes a workspace's activity and revisions with it, and no other workspace's", async () => {
    const kept = await newWorkspace(suite.api, root);
    const deleted = await newWorkspace(suite.api, root);
    for (const workspace of [kept, deleted]) {
      const base = `/api/v1/w/${workspace.slug}`;
      await newCollection(suite.api.as(root.accessToken), base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
      assert.equal((await suite.api.post(`${base}/items/notes`, { title: 'kept in the log' }, { token: root.accessToken })).status, 200);
    }
    const database = suite.app.nest.get(Database).dataSource;
    const logRows = async (workspaceId: string) => {
      const counts = [];
      for (const table of ['cairn_activity', 'cairn_revisions']) {
        const [row] = (await database.createQueryBuilder().select('COUNT(*)', 'n').from(table, 't').where('t.workspace_id = :id', { id: workspaceId }).getRawMany()) as Array<{ n: string | number }>;
        counts.push(Number(row.n));
      }
      return counts;
    };
    const keptBefore = await logRows(kept.id);
    assert.ok((await logRows(deleted.id)).every((count) => count > 0), 'the workspace has activity and revisions to delete');
    assert.equal((await suite.api.delete(`/api/v1/workspaces/${deleted.slug}`, undefined, { token: root.accessToken })).status, 204);
    assert.deepEqual(await logRows(deleted.id), [0, 0]);
    assert.deepEqual(await logRows(kept.id), keptBefore);
  });
});

describeEachDatabase('API keys', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let other: Workspace;
  before(async () => {
    await newAccount(suite.api, 'root');
    owner = await newAccount(suite.api, 'owner');
    workspace = await newWorkspace(suite.api, owner);
    other = await newWorkspace(suite.api, owner);
  });

  async function newKey(role: string, token = owner.accessToken) {
    const created = await suite.api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: `${role} key`, role }, { token });
    assert.equal(created.status, 201, created.text);
    return created.body.data as { id: string; key: string; prefix: string; role: string };
  }

  it('shows the key once and keeps only its hash', async () => {
    const key = await newKey('viewer');
    assert.match(key.key, /^cairn_/);
    assert.ok(key.key.startsWith(key.prefix));
    const listed = await suite.api.get(`/api/v1/workspaces/${workspace.slug}/api-keys`, { token: owner.accessToken });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.data.some((k: { id: string }) => k.id === key.id));
    assert.equal(listed.text.includes(key.key), false);
  });

  it('acts with its role in its own workspace', async () => {
    const viewer = await newKey('viewer');
    const read = await suite.api.get(`/api/v1/workspaces/${workspace.slug}`, { token: viewer.key });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.role, 'viewer');
    assert.equal((await suite.api.get(`/api/v1/workspaces/${workspace.id}/members`, { token: viewer.key })).status, 200);
    assertError(await suite.api.patch(`/api/v1/workspaces/${workspace.slug}`, { name: 'x' }, { token: viewer.key }), 403, 'FORBIDDEN');
    const admin = await newKey('admin');
    assert.equal((await suite.api.patch(`/api/v1/workspaces/${workspace.slug}`, { name: 'By key' }, { token: admin.key })).status, 200);
    const listed = await suite.api.get('/api/v1/workspaces', { token: viewer.key });
    assert.deepEqual(listed.body.data.map((w: { id: string }) => w.id), [workspace.id]);
  });

  it('is refused with 401 in any other workspace', async () => {
    const key = await newKey('admin');
    assertError(await suite.api.get(`/api/v1/workspaces/${other.slug}`, { token: key.key }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.get(`/api/v1/workspaces/${other.id}/members`, { token: key.key }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.get('/api/v1/workspaces/no-such-workspace', { token: key.key }), 401, 'INVALID_TOKEN');
  });

  it('cannot do what only a signed-in account may', async () => {
    const key = await newKey('owner');
    assertError(await suite.api.post('/api/v1/workspaces', { name: 'By key' }, { token: key.key }), 403, 'FORBIDDEN');
    assertError(await suite.api.get('/api/v1/auth/me', { token: key.key }), 403, 'FORBIDDEN');
  });

  it('cannot be given a higher role than its creator\'s', async () => {
    const admin = await newAccount(suite.api);
    await addMember(suite.api, workspace, owner, admin, 'admin');
    const refused = await suite.api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: 'escalate', role: 'owner' }, { token: admin.accessToken });
    assertError(refused, 403, 'FORBIDDEN');
    await newKey('admin', admin.accessToken);
  });

  it('stops working once revoked, and an unknown key is refused', async () => {
    const key = await newKey('viewer');
    assert.equal((await suite.api.delete(`/api/v1/workspaces/${workspace.slug}/api-keys/${key.id}`, undefined, { token: owner.accessToken })).status, 204);
    assertError(await suite.api.get(`/api/v1/workspaces/${workspace.slug}`, { token: key.key }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.get(`/api/v1/workspaces/${workspace.slug}`, { token: 'cairn_not-a-real-key' }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.delete(`/api/v1/workspaces/${workspace.slug}/api-keys/${key.id}`, undefined, { token: owner.accessToken }), 404, 'NOT_FOUND');
  });
});
