import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { AppUserTokenEntity } from '../../src/modules/app-users/app-user-token.entity';
import { describeEachDatabase, TEST_JWT_SECRET } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newOwnedWorkspace, OwnedWorkspace, uniqueEmail } from '../support/factories';

describeEachDatabase('app user auth', {}, (suite) => {
  let a: OwnedWorkspace;
  let b: OwnedWorkspace;
  before(async () => {
    a = await newOwnedWorkspace(suite.api);
    b = await newOwnedWorkspace(suite.api);
  });

  it('registers an app user with the authenticated role and answers a session', async () => {
    const email = uniqueEmail('Signup');
    const registered = await suite.api.post(`${a.base}/auth/register`, { email: `  ${email.toUpperCase()} `.trim(), password: 'a-good-password' });
    assert.equal(registered.status, 201, registered.text);
    const { access_token, refresh_token, expires, user } = registered.body.data;
    assert.deepEqual(Object.keys(registered.body.data).sort(), ['access_token', 'expires', 'refresh_token', 'user']);
    assert.equal(typeof access_token, 'string');
    assert.equal(typeof refresh_token, 'string');
    assert.equal(expires, suite.app.config.auth.accessTokenTtlMs);
    assert.deepEqual(
      { ...user, id: undefined, created_at: undefined, updated_at: undefined },
      { id: undefined, email: email.toLowerCase(), role: 'authenticated', status: 'active', email_verified: false, email_verified_at: null, created_at: undefined, updated_at: undefined },
    );
    const claims = jwt.verify(access_token, TEST_JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    assert.equal(claims.aud, `cairn:ws:${a.workspace.id}`);
    assert.equal(claims.iss, 'cairn');
    assert.equal(claims.sub, user.id);
    assert.equal(registered.text.includes('password'), false);
  });

  it('refuses a second app user with the same email in one workspace, and allows it in another', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    assertError(await suite.api.post(`${a.base}/auth/register`, { email: appUser.email.toUpperCase(), password: 'another-password' }), 409, 'CONFLICT');
    const elsewhere = await suite.api.post(`${b.base}/auth/register`, { email: appUser.email, password: 'another-password' });
    assert.equal(elsewhere.status, 201, elsewhere.text);
  });

  it('refuses a short password, a bad email and an unknown workspace', async () => {
    const short = await suite.api.post(`${a.base}/auth/register`, { email: uniqueEmail(), password: 'short' });
    assertError(short, 400, 'INVALID_PAYLOAD');
    assert.equal(short.body.errors[0].extensions.field, 'password');
    const badEmail = await suite.api.post(`${a.base}/auth/register`, { email: 'not-an-email', password: 'a-good-password' });
    assertError(badEmail, 400, 'INVALID_PAYLOAD');
    assert.equal(badEmail.body.errors[0].extensions.field, 'email');
    assertError(await suite.api.post('/api/v1/w/no-such-workspace/auth/register', { email: uniqueEmail(), password: 'a-good-password' }), 404, 'NOT_FOUND');
  });

  it('answers 400 to __proto__ and constructor keys in a body', async () => {
    for (const raw of ['{"email":"x@example.com","password":"a-good-password","__proto__":{"role":"admin"}}', '{"email":"x@example.com","password":"a-good-password","constructor":{"prototype":{"role":"admin"}}}']) {
      const response = await suite.api.request('POST', `${a.base}/auth/register`, { raw: { content: raw, contentType: 'application/json' } });
      assertError(response, 400, 'INVALID_PAYLOAD');
    }
    const login = await suite.api.request('POST', `${a.base}/auth/login`, { raw: { content: '{"email":"x@example.com","password":"p","__proto__":{}}', contentType: 'application/json' } });
    assertError(login, 400, 'INVALID_PAYLOAD');
  });

  it('signs in, and answers a wrong password and an unknown email with the same error', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const login = await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.data.user.id, appUser.id);
    const wrongPassword = await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: 'not-the-password' });
    const unknownEmail = await suite.api.post(`${a.base}/auth/login`, { email: uniqueEmail('nobody'), password: 'not-the-password' });
    assertError(wrongPassword, 401, 'INVALID_CREDENTIALS');
    assert.equal(unknownEmail.status, wrongPassword.status);
    assert.deepEqual(unknownEmail.body, wrongPassword.body);
    const otherWorkspace = await suite.api.post(`${b.base}/auth/login`, { email: appUser.email, password: appUser.password });
    assert.deepEqual(otherWorkspace.body, wrongPassword.body);
  });

  it('answers me with the app user, by slug or by id', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    for (const ref of [a.workspace.slug, a.workspace.id]) {
      const me = await suite.api.get(`/api/v1/w/${ref}/auth/me`, { token: appUser.accessToken });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.body.data.id, appUser.id);
      assert.equal(me.body.data.email, appUser.email);
      assert.equal(me.body.data.email_verified, false);
    }
    assertError(await suite.api.get(`${a.base}/auth/me`), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.get(`${a.base}/auth/me`, { token: a.owner.accessToken }), 403, 'FORBIDDEN');
  });

  it('rotates refresh tokens, and revokes the family when a rotated one comes back', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const rotated = await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.body.data.refresh_token, appUser.refreshToken);
    assert.equal((await suite.api.get(`${a.base}/auth/me`, { token: rotated.body.data.access_token })).status, 200);
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: rotated.body.data.refresh_token }), 401, 'INVALID_TOKEN');
  });

  it('refuses a refresh token of one workspace on another, and a platform one on a workspace', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    assertError(await suite.api.post(`${b.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post('/api/v1/auth/refresh', { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: a.owner.refreshToken }), 401, 'INVALID_TOKEN');
    assert.equal((await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken })).status, 200);
  });

  it('logs out by revoking the session', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const logout = await suite.api.post(`${a.base}/auth/logout`, { refresh_token: appUser.refreshToken });
    assert.equal(logout.status, 204);
    assert.equal(logout.text, '');
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${a.base}/auth/logout`, {}), 400, 'INVALID_PAYLOAD');
  });

  it('in cookie mode keeps the refresh token in a cookie scoped to the workspace auth path', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const login = await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password, mode: 'cookie' });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.data.refresh_token, undefined);
    const cookie = login.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/i);
    assert.ok(cookie.includes(`Path=${a.base}/auth`), cookie);
    const refreshed = await suite.api.post(`${a.base}/auth/refresh`, {}, { headers: { cookie: cookie.split(';')[0] } });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.body.data.refresh_token, undefined);
  });

  it('refuses a token of workspace A on every route of workspace B and on platform routes', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const token = appUser.accessToken;
    for (const path of [`${b.base}/auth/me`, `/api/v1/w/${b.workspace.id}/auth/me`, `${b.base}/collections`, `${b.base}/app-users`, '/api/v1/auth/me', '/api/v1/workspaces', `/api/v1/workspaces/${a.workspace.slug}`, `/api/v1/workspaces/${a.workspace.slug}/members`, '/api/v1/users']) {
      assertError(await suite.api.get(path, { token }), 401, 'INVALID_TOKEN');
    }
    assertError(await suite.api.post('/api/v1/workspaces', { name: 'Mine' }, { token }), 401, 'INVALID_TOKEN');
    // A platform token keeps working as before.
    assert.equal((await suite.api.get('/api/v1/auth/me', { token: a.owner.accessToken })).status, 200);
    assert.equal((await suite.api.get('/api/v1/workspaces', { token: a.owner.accessToken })).status, 200);
  });

  it('refuses forged app-user tokens: another workspace in the audience, a wrong secret, two audiences', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const claims = { sub: appUser.id, iss: 'cairn', aud: `cairn:ws:${a.workspace.id}` };
    const forged = {
      otherWorkspace: jwt.sign({ ...claims, aud: `cairn:ws:${b.workspace.id}` }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
      wrongSecret: jwt.sign(claims, 'some-other-secret-some-other-secret', { algorithm: 'HS256' }),
      twoAudiences: jwt.sign({ ...claims, aud: [claims.aud, 'cairn:platform'] }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
      asPlatform: jwt.sign({ ...claims, aud: 'cairn:platform' }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
    };
    for (const [name, token] of Object.entries(forged)) {
      const onA = await suite.api.get(`${a.base}/auth/me`, { token });
      assert.equal(onA.status, 401, `${name}: ${onA.text}`);
      assert.equal(onA.body.errors[0].extensions.code, 'INVALID_TOKEN', name);
      const onB = await suite.api.get(`${b.base}/auth/me`, { token });
      assert.equal(onB.status, 401, `${name}: ${onB.text}`);
    }
  });

  it('refuses app users (403) on the member routes of their own workspace', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    assertError(await suite.api.get(`${a.base}/collections`, { token: appUser.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.get(`${a.base}/app-users`, { token: appUser.accessToken }), 403, 'FORBIDDEN');
  });

  it('lets owners and admins list, read, update and delete app users, and refuses viewers', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    const admin = await newAccount(suite.api, 'admin');
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, a.workspace, a.owner, admin, 'admin');
    await addMember(suite.api, a.workspace, a.owner, viewer, 'viewer');

    const list = await a.api.get(`${a.base}/app-users`);
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.data.some((u: { id: string }) => u.id === appUser.id));
    assert.equal(list.text.includes('password'), false);
    const otherList = await b.api.get(`${b.base}/app-users`);
    assert.equal(otherList.body.data.some((u: { id: string }) => u.id === appUser.id), false);

    const read = await suite.api.get(`${a.base}/app-users/${appUser.id}`, { token: admin.accessToken });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.email, appUser.email);
    assertError(await b.api.get(`${b.base}/app-users/${appUser.id}`), 404, 'NOT_FOUND');

    assertError(await suite.api.patch(`${a.base}/app-users/${appUser.id}`, { role: 'editor_role' }, { token: admin.accessToken }), 400, 'INVALID_PAYLOAD');
    assert.equal((await a.api.post(`${a.base}/roles`, { name: 'editor_role' })).status, 201);
    const updated = await suite.api.patch(`${a.base}/app-users/${appUser.id}`, { role: 'editor_role' }, { token: admin.accessToken });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.data.role, 'editor_role');
    assertError(await a.api.patch(`${a.base}/app-users/${appUser.id}`, { role: 'public' }), 400, 'INVALID_PAYLOAD');
    assertError(await a.api.patch(`${a.base}/app-users/${appUser.id}`, { role: 'Not A Role' }), 400, 'INVALID_PAYLOAD');
    assertError(await a.api.patch(`${a.base}/app-users/${appUser.id}`, { status: 'gone' }), 400, 'INVALID_PAYLOAD');
    assertError(await a.api.patch(`${a.base}/app-users/${appUser.id}`, { email: 'x@example.com' }), 400, 'INVALID_PAYLOAD');

    for (const [method, path] of [['GET', ''], ['GET', `/${appUser.id}`], ['PATCH', `/${appUser.id}`], ['DELETE', `/${appUser.id}`]] as const) {
      const response = await suite.api.request(method, `${a.base}/app-users${path}`, { token: viewer.accessToken, body: method === 'PATCH' ? { status: 'suspended' } : undefined });
      assertError(response, 403, 'FORBIDDEN');
    }

    assert.equal((await a.api.delete(`${a.base}/app-users/${appUser.id}`)).status, 204);
    assertError(await a.api.get(`${a.base}/app-users/${appUser.id}`), 404, 'NOT_FOUND');
    assertError(await a.api.delete(`${a.base}/app-users/${appUser.id}`), 404, 'NOT_FOUND');
  });

  it('applies a role change on the next request', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    await a.api.post(`${a.base}/roles`, { name: 'premium' });
    assert.equal((await a.api.patch(`${a.base}/app-users/${appUser.id}`, { role: 'premium' })).status, 200);
    const me = await suite.api.get(`${a.base}/auth/me`, { token: appUser.accessToken });
    assert.equal(me.body.data.role, 'premium');
  });

  it('stops a suspended app user at once, and lets it back in when active again', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    assert.equal((await suite.api.get(`${a.base}/auth/me`, { token: appUser.accessToken })).status, 200);
    const suspended = await a.api.patch(`${a.base}/app-users/${appUser.id}`, { status: 'suspended' });
    assert.equal(suspended.status, 200, suspended.text);
    assert.equal(suspended.body.data.status, 'suspended');
    assertError(await suite.api.get(`${a.base}/auth/me`, { token: appUser.accessToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password }), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
    assert.equal((await a.api.patch(`${a.base}/app-users/${appUser.id}`, { status: 'active' })).status, 200);
    assert.equal((await suite.api.post(`${a.base}/auth/login`, { email: appUser.email, password: appUser.password })).status, 200);
  });

  it('stops a deleted app user\'s tokens on the next request', async () => {
    const appUser = await newAppUser(suite.api, a.base);
    assert.equal((await suite.api.get(`${a.base}/auth/me`, { token: appUser.accessToken })).status, 200);
    assert.equal((await a.api.delete(`${a.base}/app-users/${appUser.id}`)).status, 204);
    assertError(await suite.api.get(`${a.base}/auth/me`, { token: appUser.accessToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${a.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
  });

  it('deletes a workspace\'s app users, their sessions and mail tokens with it', async () => {
    const doomed = await newOwnedWorkspace(suite.api);
    const appUser = await newAppUser(suite.api, doomed.base);
    const db = suite.app.nest.get(DataSource);
    const count = async (table: string, column: string, value: string) =>
      Number((await db.createQueryBuilder().select('COUNT(*)', 'n').from(table, 't').where(`t.${column} = :value`, { value }).getRawOne<{ n: unknown }>())?.n);
    await db.getRepository(AppUserTokenEntity).insert({
      id: randomUUID(), appUserId: appUser.id, purpose: 'password_reset', tokenHash: randomUUID().replace(/-/g, '').padEnd(64, '0'),
      expiresAt: new Date(Date.now() + 60_000), usedAt: null, createdAt: new Date(),
    });
    const remaining = async () => [
      await count('cairn_app_users', 'id', appUser.id),
      await count('cairn_app_user_tokens', 'app_user_id', appUser.id),
      await count('cairn_refresh_tokens', 'realm', `ws:${doomed.workspace.id}`),
    ];
    assert.deepEqual(await remaining(), [1, 1, 1]);

    assert.equal((await doomed.api.delete(`/api/v1/workspaces/${doomed.workspace.slug}`)).status, 204);
    assertError(await suite.api.get(`${doomed.base}/auth/me`, { token: appUser.accessToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${doomed.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 404, 'NOT_FOUND');
    assert.deepEqual(await remaining(), [0, 0, 0]);
  });
});
