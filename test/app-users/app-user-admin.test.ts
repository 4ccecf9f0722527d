import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, Account, assertError, newAccount, newOwnedWorkspace, OwnedWorkspace, uniqueEmail } from '../support/factories';
import type { ApiResponse } from '../support/http';

/** Asserts a 400 INVALID_PAYLOAD that names the offending field. */
function assertInvalidField(response: ApiResponse, field: string): void {
  assertError(response, 400, 'INVALID_PAYLOAD');
  assert.equal(response.body.errors[0].extensions.field, field, response.text);
}

/** What owners and admins do to app users from the console: search, create, set a password, end sessions. */
describeEachDatabase('app user administration', {}, (suite) => {
  let a: OwnedWorkspace;
  let b: OwnedWorkspace;
  let admin: Account;
  let viewer: Account;

  before(async () => {
    a = await newOwnedWorkspace(suite.api);
    b = await newOwnedWorkspace(suite.api);
    admin = await newAccount(suite.api, 'admin');
    viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, a.workspace, a.owner, admin, 'admin');
    await addMember(suite.api, a.workspace, a.owner, viewer, 'viewer');
  });

  it('searches app users by a part of their email, in any case, with LIKE wildcards taken literally', async () => {
    const tag = `find${Date.now()}`;
    const ann = await newAppUser(suite.api, a.base, `${tag}-ann`);
    const bob = await newAppUser(suite.api, a.base, `${tag}-bob`);
    await newAppUser(suite.api, b.base, `${tag}-other`);
    const emails = async (search: string) => {
      const response = await a.api.get(`${a.base}/app-users?search=${encodeURIComponent(search)}`);
      assert.equal(response.status, 200, response.text);
      return response.body.data.map((user: { email: string }) => user.email).sort();
    };
    assert.deepEqual(await emails(tag), [ann.email, bob.email].sort());
    assert.deepEqual(await emails(`${tag.toUpperCase()}-BOB`), [bob.email]);
    assert.deepEqual(await emails(`${tag}%`), []);
    assert.deepEqual(await emails(`${tag}_ann`), []);
    assert.ok((await emails('')).length >= 2);
    assertInvalidField(await a.api.get(`${a.base}/app-users?search=${'x'.repeat(256)}`), 'search');
    assertInvalidField(await a.api.get(`${a.base}/app-users?search=a&search=b`), 'search');
    assertInvalidField(await a.api.get(`${a.base}/app-users?sort=email`), 'sort');
  });

  it('creates an app user with a role, who then signs in through the app auth API', async () => {
    assert.equal((await a.api.post(`${a.base}/roles`, { name: 'staff' })).status, 201);
    const email = uniqueEmail('Created');
    const created = await suite.api.post(`${a.base}/app-users`, { email, password: 'first-password', role: 'staff' }, { token: admin.accessToken });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.data.email, email.toLowerCase());
    assert.equal(created.body.data.role, 'staff');
    assert.equal(created.body.data.status, 'active');
    assert.equal(created.text.includes('password'), false);
    const login = await suite.api.post(`${a.base}/auth/login`, { email, password: 'first-password' }, { token: null });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.data.user.role, 'staff');

    const plain = await a.api.post(`${a.base}/app-users`, { email: uniqueEmail('plain'), password: 'first-password' });
    assert.equal(plain.body.data.role, 'authenticated');
    assertError(await a.api.post(`${a.base}/app-users`, { email, password: 'first-password' }), 409, 'CONFLICT');
    assertInvalidField(await a.api.post(`${a.base}/app-users`, { email: 'not-an-email', password: 'first-password' }), 'email');
    assertInvalidField(await a.api.post(`${a.base}/app-users`, { email: uniqueEmail(), password: 'short' }), 'password');
    assertInvalidField(await a.api.post(`${a.base}/app-users`, { email: uniqueEmail(), password: 'é'.repeat(40) }), 'password');
    assertInvalidField(await a.api.post(`${a.base}/app-users`, { email: uniqueEmail(), password: 'first-password', role: 'nobody' }), 'role');
    assertInvalidField(await a.api.post(`${a.base}/app-users`, { email: uniqueEmail(), password: 'first-password', role: 'public' }), 'role');
    assertInvalidField(await a.api.post(`${a.base}/app-users`, { email: uniqueEmail(), password: 'first-password', status: 'active' }), 'status');
  });

  it('disables and enables an app user with PATCH status', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    assert.equal((await a.api.patch(`${a.base}/app-users/${appUser.id}`, { status: 'suspended' })).body.data.status, 'suspended');
    assertError(await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null }), 401, 'INVALID_CREDENTIALS');
    assert.equal((await a.api.patch(`${a.base}/app-users/${appUser.id}`, { status: 'active' })).body.data.status, 'active');
    assert.equal((await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null })).status, 200);
    assertInvalidField(await a.api.patch(`${a.base}/app-users/${appUser.id}`, { status: 'disabled' }), 'status');
  });

  it('sets a new password chosen by an admin and ends every session of the app user', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const set = await suite.api.post(`${a.base}/app-users/${appUser.id}/password`, { password: 'chosen-by-admin' }, { token: admin.accessToken });
    assert.equal(set.status, 204, set.text);
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken }, { token: null }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null }), 401, 'INVALID_CREDENTIALS');
    assert.equal((await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: 'chosen-by-admin' }, { token: null })).status, 200);
    assertInvalidField(await a.api.post(`${a.base}/app-users/${appUser.id}/password`, { password: 'short' }), 'password');
    assertInvalidField(await a.api.post(`${a.base}/app-users/${appUser.id}/password`, {}), 'password');
    assertError(await b.api.post(`${b.base}/app-users/${appUser.id}/password`, { password: 'chosen-by-admin' }), 404, 'NOT_FOUND');
  });

  it('lists the sessions of an app user, refreshed ones included, and revokes one or all', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const second = await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null });
    const refreshed = await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: second.body.data.refresh_token }, { token: null });
    assert.equal(refreshed.status, 200, refreshed.text);
    const expired = await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password }, { token: null });
    await suite.api.post(`${a.base}/auth/logout`, { refresh_token: expired.body.data.refresh_token }, { token: null });

    const listed = await suite.api.get(`${a.base}/app-users/${appUser.id}/sessions`, { token: admin.accessToken });
    assert.equal(listed.status, 200, listed.text);
    const sessions: Array<{ id: string; created_at: string; last_used_at: string; expires_at: string }> = listed.body.data;
    assert.equal(sessions.length, 2, listed.text);
    assert.deepEqual(Object.keys(sessions[0]).sort(), ['created_at', 'expires_at', 'id', 'last_used_at']);
    for (const session of sessions) {
      assert.ok(Date.parse(session.last_used_at) >= Date.parse(session.created_at));
      assert.ok(Date.parse(session.expires_at) > Date.now());
    }
    assert.equal(listed.text.includes(appUser.refreshToken), false);

    // Timestamps may be whole seconds (MySQL), so which session holds which token is told by refreshing.
    const [revoked, kept] = sessions;
    assert.equal((await a.api.delete(`${a.base}/app-users/${appUser.id}/sessions/${revoked.id}`)).status, 204);
    assert.deepEqual((await a.api.get(`${a.base}/app-users/${appUser.id}/sessions`)).body.data.map((s: { id: string }) => s.id), [kept.id]);
    const attempts = await Promise.all(
      [refreshed.body.data.refresh_token, appUser.refreshToken].map((token) => suite.api.post(`${a.base}/auth/refresh`, { refresh_token: token }, { token: null })),
    );
    assert.deepEqual(attempts.map((attempt) => attempt.status).sort(), [200, 401]);
    const survivor = attempts.find((attempt) => attempt.status === 200)!.body.data.refresh_token;
    assertError(await a.api.delete(`${a.base}/app-users/${appUser.id}/sessions/${revoked.id}`), 404, 'NOT_FOUND');

    const other = await newAppUser(suite.api, a.base);
    assertError(await a.api.delete(`${a.base}/app-users/${other.id}/sessions/${kept.id}`), 404, 'NOT_FOUND');
    assertError(await b.api.get(`${b.base}/app-users/${appUser.id}/sessions`), 404, 'NOT_FOUND');

    assert.equal((await a.api.delete(`${a.base}/app-users/${appUser.id}/sessions`)).status, 204);
    assert.deepEqual((await a.api.get(`${a.base}/app-users/${appUser.id}/sessions`)).body.data, []);
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: survivor }, { token: null }), 401, 'INVALID_TOKEN');
    assert.equal((await a.api.get(`${a.base}/app-users/${other.id}/sessions`)).body.data.length, 1);
  });

  it('refuses viewers and app users (403) and anonymous callers (401) on every new route', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const session = (await a.api.get(`${a.base}/app-users/${appUser.id}/sessions`)).body.data[0].id;
    const routes: Array<[string, string, unknown]> = [
      ['GET', '?search=x', undefined],
      ['POST', '', { email: uniqueEmail(), password: 'first-password' }],
      ['POST', `/${appUser.id}/password`, { password: 'another-password' }],
      ['GET', `/${appUser.id}/sessions`, undefined],
      ['DELETE', `/${appUser.id}/sessions/${session}`, undefined],
      ['DELETE', `/${appUser.id}/sessions`, undefined],
    ];
    for (const [method, path, body] of routes) {
      assertError(await suite.api.request(method, `${a.base}/app-users${path}`, { token: viewer.accessToken, body }), 403, 'FORBIDDEN');
      assertError(await suite.api.request(method, `${a.base}/app-users${path}`, { token: appUser.accessToken, body }), 403, 'FORBIDDEN');
      assertError(await suite.api.request(method, `${a.base}/app-users${path}`, { token: null, body }), 401, 'INVALID_CREDENTIALS');
    }
    assert.deepEqual((await a.api.get(`${a.base}/app-users/${appUser.id}/sessions`)).body.data.map((s: { id: string }) => s.id), [session]);
  });
});
