import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { describeEachDatabase, TEST_JWT_SECRET } from '../support/app';
import { Account, assertError, newAccount, uniqueEmail } from '../support/factories';

const claims = (sub: string) => ({ sub, aud: 'cairn:platform', iss: 'cairn' });

describeEachDatabase('platform auth', {}, (suite) => {
  let root: Account;
  before(async () => {
    root = await newAccount(suite.api, 'root');
  });

  it('makes the first account the superadmin and later ones ordinary accounts', async () => {
    const second = await newAccount(suite.api, 'second');
    assert.equal(root.isSuperadmin, true);
    assert.equal(second.isSuperadmin, false);
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const account = await newAccount(suite.api);
    const again = await suite.api.post('/api/v1/auth/register', { email: account.email.toUpperCase(), password: 'another-password' });
    assertError(again, 409, 'CONFLICT');
  });

  it('signs in and answers /auth/me with the account, never its password hash', async () => {
    const account = await newAccount(suite.api);
    const me = await suite.api.get('/api/v1/auth/me', { token: account.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.data.email, account.email);
    assert.equal(me.text.includes('password'), false);
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    const account = await newAccount(suite.api);
    const wrongPassword = await suite.api.post('/api/v1/auth/login', { email: account.email, password: 'not-the-password' });
    const unknownEmail = await suite.api.post('/api/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not-the-password' });
    assertError(wrongPassword, 401, 'INVALID_CREDENTIALS');
    assert.deepEqual(unknownEmail.body, wrongPassword.body);
    assert.equal(unknownEmail.status, wrongPassword.status);
  });

  it('rotates refresh tokens: each refresh gives a new pair and uses the old token up', async () => {
    const account = await newAccount(suite.api);
    const refreshed = await suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.notEqual(refreshed.body.data.refresh_token, account.refreshToken);
    assert.equal(refreshed.body.data.expires, suite.app.config.auth.accessTokenTtlMs);
    const me = await suite.api.get('/api/v1/auth/me', { token: refreshed.body.data.access_token });
    assert.equal(me.status, 200);
    const next = await suite.api.post('/api/v1/auth/refresh', { refresh_token: refreshed.body.data.refresh_token });
    assert.equal(next.status, 200, next.text);
  });

  it('revokes the whole family when a rotated refresh token is presented again', async () => {
    const account = await newAccount(suite.api);
    const rotated = await suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken });
    assert.equal(rotated.status, 200);
    const replay = await suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken });
    assertError(replay, 401, 'INVALID_TOKEN');
    const successor = await suite.api.post('/api/v1/auth/refresh', { refresh_token: rotated.body.data.refresh_token });
    assertError(successor, 401, 'INVALID_TOKEN');
  });

  it('lets only one of two concurrent refreshes with the same token succeed', async () => {
    const account = await newAccount(suite.api);
    const results = await Promise.all([1, 2].map(() => suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });

  it('logs out by revoking the session, and logout answers 204', async () => {
    const account = await newAccount(suite.api);
    const logout = await suite.api.post('/api/v1/auth/logout', { refresh_token: account.refreshToken });
    assert.equal(logout.status, 204);
    assertError(await suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken }), 401, 'INVALID_TOKEN');
  });

  it('in cookie mode keeps the refresh token in an httpOnly cookie scoped to the auth path', async () => {
    const account = await newAccount(suite.api);
    const login = await suite.api.post('/api/v1/auth/login', { email: account.email, password: account.password, mode: 'cookie' });
    assert.equal(login.status, 200);
    assert.equal(login.body.data.refresh_token, undefined);
    const cookie = login.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^cairn_refresh_token=[^;]+/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /Path=\/api\/v1\/auth/);
    const pair = cookie.split(';')[0];
    const refreshed = await suite.api.post('/api/v1/auth/refresh', {}, { headers: { cookie: pair } });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.match(refreshed.headers.get('set-cookie') ?? '', /^cairn_refresh_token=/);
    assertError(await suite.api.post('/api/v1/auth/refresh', {}, { headers: { cookie: pair } }), 401, 'INVALID_TOKEN');
  });

  it('refuses forged access tokens: alg none, a wrong secret, audience or issuer', async () => {
    const account = await newAccount(suite.api);
    const forged = {
      none: jwt.sign(claims(account.id), '', { algorithm: 'none' }),
      wrongSecret: jwt.sign(claims(account.id), 'some-other-secret-some-other-secret', { algorithm: 'HS256' }),
      wrongAudience: jwt.sign({ ...claims(account.id), aud: 'cairn:ws:other' }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
      wrongIssuer: jwt.sign({ ...claims(account.id), iss: 'elsewhere' }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
      otherAlgorithm: jwt.sign(claims(account.id), TEST_JWT_SECRET, { algorithm: 'HS512' }),
    };
    for (const [name, token] of Object.entries(forged)) {
      const response = await suite.api.get('/api/v1/auth/me', { token });
      assert.equal(response.status, 401, `${name}: ${response.text}`);
      assert.equal(response.body.errors[0].extensions.code, 'INVALID_TOKEN', name);
    }
    const genuine = jwt.sign(claims(account.id), TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 60 });
    assert.equal((await suite.api.get('/api/v1/auth/me', { token: genuine })).status, 200);
  });

  it('answers an expired access token with TOKEN_EXPIRED', async () => {
    const account = await newAccount(suite.api);
    const expired = jwt.sign({ ...claims(account.id), exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    assertError(await suite.api.get('/api/v1/auth/me', { token: expired }), 401, 'TOKEN_EXPIRED');
  });

  it('asks for credentials on a protected route called without any', async () => {
    assertError(await suite.api.get('/api/v1/auth/me'), 401, 'INVALID_CREDENTIALS');
  });

  it('stops a disabled account at once, and lets it back in when enabled again', async () => {
        const account = await newAccount(suite.api);
    const disabled = await suite.api.patch(`/api/v1/users/${account.id}`, { status: 'disabled' }, { token: root.accessToken });
    assert.equal(disabled.status, 200, disabled.text);
    assertError(await suite.api.get('/api/v1/auth/me', { token: account.accessToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post('/api/v1/auth/login', { email: account.email, password: account.password }), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken }), 401, 'INVALID_TOKEN');
    await suite.api.patch(`/api/v1/users/${account.id}`, { status: 'active' }, { token: root.accessToken });
    assert.equal((await suite.api.post('/api/v1/auth/login', { email: account.email, password: account.password })).status, 200);
  });

  it('stops a deleted account\'s tokens on the next request', async () => {
        const account = await newAccount(suite.api);
    assert.equal((await suite.api.delete(`/api/v1/users/${account.id}`, undefined, { token: root.accessToken })).status, 204);
    assertError(await suite.api.get('/api/v1/auth/me', { token: account.accessToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post('/api/v1/auth/refresh', { refresh_token: account.refreshToken }), 401, 'INVALID_TOKEN');
  });

  it('does not let the superadmin disable or delete their own account', async () => {
    assertError(await suite.api.patch(`/api/v1/users/${root.id}`, { status: 'disabled' }, { token: root.accessToken }), 409, 'CONFLICT');
    assertError(await suite.api.delete(`/api/v1/users/${root.id}`, undefined, { token: root.accessToken }), 409, 'CONFLICT');
    assert.equal((await suite.api.get('/api/v1/auth/me', { token: root.accessToken })).status, 200);
  });

  it('keeps the users admin routes to the superadmin', async () => {
    const account = await newAccount(suite.api);
    assertError(await suite.api.get('/api/v1/users', { token: account.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.patch(`/api/v1/users/${account.id}`, { status: 'active' }, { token: account.accessToken }), 403, 'FORBIDDEN');
  });
});

describeEachDatabase('platform auth with a short access-token lifetime', { env: { ACCESS_TOKEN_TTL: '1m' } }, (suite) => {
  it('expires access tokens after the configured lifetime', async () => {
    const account = await newAccount(suite.api);
    const first = await suite.api.get('/api/v1/auth/me', { token: account.accessToken });
    assert.equal(first.status, 200);
    suite.app.clock.advance(60_000);
    assertError(await suite.api.get('/api/v1/auth/me', { token: account.accessToken }), 401, 'TOKEN_EXPIRED');
  });
});

describeEachDatabase('platform auth with self-registration off', { env: { AUTH_SELF_REGISTRATION: 'false' } }, (suite) => {
  it('lets the first account register, then only the superadmin create accounts', async () => {
    const first = await newAccount(suite.api, 'first');
    assert.equal(first.isSuperadmin, true);
    const refused = await suite.api.post('/api/v1/auth/register', { email: uniqueEmail(), password: 'password-123' });
    assertError(refused, 403, 'FORBIDDEN');
    const byAdmin = await suite.api.post('/api/v1/auth/register', { email: uniqueEmail(), password: 'password-123' }, { token: first.accessToken });
    assert.equal(byAdmin.status, 201, byAdmin.text);
  });
});

