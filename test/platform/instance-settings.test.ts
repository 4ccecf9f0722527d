import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newAccount, type Account } from '../support/factories';

/** `GET /instance/settings`: the instance's settings and the variables that set them, for the superadmin only. */
describeEachDatabase('instance settings', { env: { AUTH_SELF_REGISTRATION: 'false' } }, (suite) => {
  let superadmin: Account;

  before(async () => {
    superadmin = await newAccount(suite.api, 'root');
    assert.equal(superadmin.isSuperadmin, true);
  });

  it('shows the superadmin self-registration as the environment sets it, naming the variable', async () => {
    const settings = await suite.api.as(superadmin.accessToken).get('/api/v1/instance/settings');
    assert.equal(settings.status, 200, settings.text);
    const selfRegistration = settings.body.data.find((s: { key: string }) => s.key === 'self_registration');
    assert.deepEqual({ value: selfRegistration.value, variable: selfRegistration.variable }, { value: false, variable: 'AUTH_SELF_REGISTRATION' });
  });

  it('is refused to another account and to a caller without a token', async () => {
    const created = await suite.api.as(superadmin.accessToken).post('/api/v1/auth/register', { email: `other-${Date.now()}@example.com`, password: 'a-long-password' });
    assert.equal(created.status, 201, created.text);
    const login = await suite.api.post('/api/v1/auth/login', { email: created.body.data.email, password: 'a-long-password' }, { token: null });
    assertError(await suite.api.as(login.body.data.access_token).get('/api/v1/instance/settings'), 403, 'FORBIDDEN');
    assertError(await suite.api.get('/api/v1/instance/settings', { token: null }), 401, 'INVALID_CREDENTIALS');
  });
});
