import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newAccount, uniqueEmail, type Account } from '../support/factories';
import type { Api } from '../support/http';

/**
 * `GET|PATCH /instance/settings`: self-registration, its default from AUTH_SELF_REGISTRATION (off here)
 * and the superadmin's override stored in the database; the superadmin's only.
 */
describeEachDatabase('instance settings', { env: { AUTH_SELF_REGISTRATION: 'false' } }, (suite) => {
  let superadmin: Account;
  let root: Api;
  let other: Api;

  const selfRegistration = async () => {
    const settings = await root.get('/api/v1/instance/settings');
    assert.equal(settings.status, 200, settings.text);
    return settings.body.data.find((s: { key: string }) => s.key === 'self_registration');
  };
  const register = () => suite.api.post('/api/v1/auth/register', { email: uniqueEmail('self'), password: 'a-long-password' }, { token: null });

  before(async () => {
    superadmin = await newAccount(suite.api, 'root');
    assert.equal(superadmin.isSuperadmin, true);
    root = suite.api.as(superadmin.accessToken);
    const email = uniqueEmail('other');
    assert.equal((await root.post('/api/v1/auth/register', { email, password: 'a-long-password' })).status, 201);
    const login = await suite.api.post('/api/v1/auth/login', { email, password: 'a-long-password' }, { token: null });
    other = suite.api.as(login.body.data.access_token);
  });

  it('shows self-registration as the environment sets it, naming the variable', async () => {
    const setting = await selfRegistration();
    assert.deepEqual(
      { value: setting.value, default: setting.default, overridden: setting.overridden, variable: setting.variable, updated_at: setting.updated_at },
      { value: false, default: false, overridden: false, variable: 'AUTH_SELF_REGISTRATION', updated_at: null },
    );
    assertError(await register(), 403, 'FORBIDDEN');
  });

  it('turns self-registration on over the environment, then back to its default', async () => {
    const on = await root.patch('/api/v1/instance/settings', { self_registration: true });
    assert.equal(on.status, 200, on.text);
    assert.deepEqual(
      on.body.data.map((s: { key: string; value: boolean; overridden: boolean }) => [s.key, s.value, s.overridden]),
      [['self_registration', true, true]],
    );
    assert.equal((await register()).status, 201);
    const reset = await root.patch('/api/v1/instance/settings', { self_registration: null });
    assert.equal(reset.status, 200, reset.text);
    assert.deepEqual({ value: (await selfRegistration()).value, overridden: (await selfRegistration()).overridden }, { value: false, overridden: false });
    assertError(await register(), 403, 'FORBIDDEN');
  });

  it('refuses a value that is not a boolean or null, and unknown settings', async () => {
    assertError(await root.patch('/api/v1/instance/settings', { self_registration: 'yes' }), 400, 'INVALID_PAYLOAD');
    assertError(await root.patch('/api/v1/instance/settings', { maintenance: true }), 400, 'INVALID_PAYLOAD');
    assert.equal((await selfRegistration()).overridden, false);
  });

  it('is refused to another account and to a caller without a token', async () => {
    assertError(await other.get('/api/v1/instance/settings'), 403, 'FORBIDDEN');
    assertError(await other.patch('/api/v1/instance/settings', { self_registration: true }), 403, 'FORBIDDEN');
    assertError(await suite.api.get('/api/v1/instance/settings', { token: null }), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.patch('/api/v1/instance/settings', { self_registration: true }, { token: null }), 401, 'INVALID_CREDENTIALS');
    assert.equal((await selfRegistration()).overridden, false);
  });
});
