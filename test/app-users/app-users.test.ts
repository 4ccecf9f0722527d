import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Account, addMember, assertError, newAccount, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';

interface Session {
  access_token: string;
  refresh_token: string;
  user: { id: string; email: string; role: string };
}

describeEachDatabase('app users', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;
  let other: { workspace: Workspace; base: string; api: Api };
  let counter = 0;

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    const second = await newOwnedWorkspace(suite.api);
    other = { workspace: second.workspace, base: second.base, api: second.api };
  });

  /** Registers an app user of a workspace and signs it in. */
  async function appUser(path = base): Promise<Session & { api: Api; password: string }> {
    const email = `user${++counter}-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const registered = await suite.api.post(`${path}/auth/register`, { email, password });
    assert.equal(registered.status, 201, registered.text);
    const login = await suite.api.post(`${path}/auth/login`, { email, password });
    assert.equal(login.status, 200, login.text);
    return { ...login.body.data, api: suite.api.as(login.body.data.access_token), password };
  }

  it('registers app users with the authenticated role, once per email and workspace', async () => {
    const registered = await suite.api.post(`${base}/auth/register`, { email: 'Ada@Example.com', password: 'long enough password' });
    assert.equal(registered.status, 201, registered.text);
    assert.deepEqual(
      { ...registered.body.data, id: undefined, created_at: undefined },
      { id: undefined, email: 'ada@example.com', role: 'authenticated', status: 'active', email_verified: false, created_at: undefined },
    );
    assertError(await suite.api.post(`${base}/auth/register`, { email: 'ada@example.com', password: 'another password' }), 409, 'CONFLICT');
    assert.equal((await suite.api.post(`${other.base}/auth/register`, { email: 'ada@example.com', password: 'long enough password' })).status, 201);
    assertError(await suite.api.post(`${base}/auth/register`, { email: 'not-an-email', password: 'long enough password' }), 400, 'INVALID_PAYLOAD');
    assertError(await suite.api.post(`${base}/auth/register`, { email: 'short@example.com', password: 'short' }), 400, 'INVALID_PAYLOAD');
    const polluted = await suite.api.request('POST', `${base}/auth/register`, {
      raw: { content: '{"email":"p@example.com","password":"long enough password","__proto__":{"role":"admin"}}', contentType: 'application/json' },
    });
    assertError(polluted, 400, 'INVALID_PAYLOAD');
    assertError(await suite.api.post('/api/v1/w/no-such-workspace/auth/register', { email: 'x@example.com', password: 'long enough password' }), 404, 'NOT_FOUND');
  });

  it('answers a wrong password and an unknown email alike, and shows the signed-in user to itself', async () => {
    const user = await appUser();
    const wrong = await suite.api.post(`${base}/auth/login`, { email: user.user.email, password: 'wrong password!' });
    const unknown = await suite.api.post(`${base}/auth/login`, { email: 'nobody@example.com', password: 'wrong password!' });
    assertError(wrong, 401, 'INVALID_CREDENTIALS');
    assert.deepEqual(unknown.body, wrong.body);
    const me = await user.api.get(`${base}/auth/me`);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.data.id, user.user.id);
    assertError(await suite.api.get(`${base}/auth/me`), 401, 'INVALID_CREDENTIALS');
    assertError(await api.get(`${base}/auth/me`), 403, 'FORBIDDEN');
  });

  it('rotates refresh tokens once each, revokes the family when one is reused, and logs out', async () => {
    const user = await appUser();
    const first = await suite.api.post(`${base}/auth/refresh`, { refresh_token: user.refresh_token });
    assert.equal(first.status, 200, first.text);
    assert.notEqual(first.body.data.refresh_token, user.refresh_token);
    assertError(await suite.api.post(`${base}/auth/refresh`, { refresh_token: user.refresh_token }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${base}/auth/refresh`, { refresh_token: first.body.data.refresh_token }), 401, 'INVALID_TOKEN');

    const again = await appUser();
    assertError(await suite.api.post(`${other.base}/auth/refresh`, { refresh_token: again.refresh_token }), 401, 'INVALID_TOKEN');
    assert.equal((await suite.api.post(`${base}/auth/logout`, { refresh_token: again.refresh_token })).status, 204);
    assertError(await suite.api.post(`${base}/auth/refresh`, { refresh_token: again.refresh_token }), 401, 'INVALID_TOKEN');
  });

  it('refuses an app user\'s token on another workspace and on the platform, and on member routes', async () => {
    const user = await appUser();
    assertError(await user.api.get(`${other.base}/items/anything`), 401, 'INVALID_TOKEN');
    assertError(await user.api.get(`${other.base}/auth/me`), 401, 'INVALID_TOKEN');
    assertError(await user.api.get(`${other.base}/collections`), 401, 'INVALID_TOKEN');
    assertError(await user.api.get('/api/v1/auth/me'), 401, 'INVALID_TOKEN');
    assertError(await user.api.get('/api/v1/workspaces'), 401, 'INVALID_TOKEN');
    assertError(await user.api.get(`${base}/collections`), 403, 'FORBIDDEN');
    assertError(await user.api.get(`${base}/app-users`), 403, 'FORBIDDEN');
    assertError(await user.api.post(`${base}/policies`, { role: 'authenticated', collection: 'x', action: 'read' }), 403, 'FORBIDDEN');
  });

  it('lets admins list, re-role, suspend and delete app users, with effect on the next request', async () => {
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, workspace, owner, viewer, 'viewer');
    assertError(await suite.api.get(`${base}/app-users`, { token: viewer.accessToken }), 403, 'FORBIDDEN');
    const user = await appUser();
    const listed = await api.get(`${base}/app-users`);
    assert.ok(listed.body.data.some((u: { id: string }) => u.id === user.user.id));
    assertError(await api.patch(`${base}/app-users/${user.user.id}`, { role: 'nobody' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.patch(`${base}/app-users/${user.user.id}`, { role: 'public' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.patch(`${base}/app-users/${user.user.id}`, { email: 'x@example.com' }), 400, 'INVALID_PAYLOAD');
    assert.equal((await api.post(`${base}/roles`, { name: 'staff' })).status, 201);
    const restaffed = await api.patch(`${base}/app-users/${user.user.id}`, { role: 'staff' });
    assert.equal(restaffed.body.data.role, 'staff');
    assert.equal((await user.api.get(`${base}/auth/me`)).body.data.role, 'staff');

    assert.equal((await api.patch(`${base}/app-users/${user.user.id}`, { status: 'suspended' })).status, 200);
    assertError(await user.api.get(`${base}/auth/me`), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${base}/auth/login`, { email: user.user.email, password: user.password }), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.post(`${base}/auth/refresh`, { refresh_token: user.refresh_token }), 401, 'INVALID_TOKEN');

    const gone = await appUser();
    assert.equal((await api.delete(`${base}/app-users/${gone.user.id}`)).status, 204);
    assertError(await gone.api.get(`${base}/auth/me`), 401, 'INVALID_TOKEN');
    assertError(await api.get(`${base}/app-users/${gone.user.id}`), 404, 'NOT_FOUND');
    assertError(await other.api.get(`/api/v1/w/${other.workspace.slug}/app-users/${user.user.id}`), 404, 'NOT_FOUND');
  });

  it('lets app users edit their own posts while everybody reads the published ones', async () => {
    const created = await api.post(`${base}/collections`, {
      collection: 'stories',
      fields: [{ field: 'title', type: 'string' }, { field: 'published', type: 'boolean', default: false }, { field: 'owner', type: 'uuid' }],
    });
    assert.equal(created.status, 201, created.text);
    for (const policy of [
      { role: 'public', action: 'read', filter: { published: { _eq: true } }, fields: ['title', 'published'] },
      { role: 'authenticated', action: 'read', filter: { _or: [{ published: { _eq: true } }, { owner: { _eq: '$CURRENT_USER' } }] }, fields: ['title', 'published', 'owner'] },
      { role: 'authenticated', action: 'create', fields: ['title', 'published'], presets: { owner: '$CURRENT_USER' } },
      { role: 'authenticated', action: 'update', filter: { owner: { _eq: '$CURRENT_USER' } }, fields: ['title', 'published'] },
    ]) {
      const response = await api.post(`${base}/policies`, { collection: 'stories', ...policy });
      assert.equal(response.status, 201, response.text);
    }
    const ann = await appUser();
    const bob = await appUser();
    const draft = await ann.api.post(`${base}/items/stories`, { title: 'Ann draft' });
    assert.equal(draft.status, 200, draft.text);
    assert.equal(draft.body.data.owner, ann.user.id);
    const story = await ann.api.post(`${base}/items/stories`, { title: 'Ann story', published: true });
    assertError(await ann.api.post(`${base}/items/stories`, { title: 'Forged', owner: bob.user.id }), 403, 'FORBIDDEN');

    assert.deepEqual((await ann.api.get(`${base}/items/stories?fields=title&sort=id`)).body.data.map((s: { title: string }) => s.title), ['Ann draft', 'Ann story']);
    assert.deepEqual((await bob.api.get(`${base}/items/stories?fields=title`)).body.data.map((s: { title: string }) => s.title), ['Ann story']);
    assertError(await bob.api.get(`${base}/items/stories/${draft.body.data.id}`), 404, 'NOT_FOUND');
    assert.deepEqual((await suite.api.get(`${base}/items/stories?fields=title`)).body.data.map((s: { title: string }) => s.title), ['Ann story']);

    assertError(await bob.api.patch(`${base}/items/stories/${story.body.data.id}`, { title: 'Defaced' }), 404, 'NOT_FOUND');
    const edited = await ann.api.patch(`${base}/items/stories/${story.body.data.id}`, { title: 'Ann story, edited' });
    assert.equal(edited.body.data.title, 'Ann story, edited');
    assertError(await ann.api.patch(`${base}/items/stories/${story.body.data.id}`, { owner: bob.user.id }), 403, 'FORBIDDEN');
    assertError(await bob.api.delete(`${base}/items/stories/${story.body.data.id}`), 403, 'FORBIDDEN');
  });
});
