import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DataSource } from 'typeorm';
import { describeEachDatabase } from '../support/app';
import { assertError, newAccount, newOwnedWorkspace } from '../support/factories';
import { currentCode, enrolMfa, wrongCode } from '../support/mfa';
import { TOTP_ENV } from './totp-cases';

describeEachDatabase('TOTP enrolment and storage', { env: TOTP_ENV }, (suite) => {
  it('enrols only a signed-in person: no anonymous caller, no API key', async () => {
    assertError(await suite.api.post('/api/v1/auth/mfa/totp/setup', {}, { token: null }), 401, 'INVALID_CREDENTIALS');
    const ws = await newOwnedWorkspace(suite.api);
    const key = await ws.api.post(`/api/v1/workspaces/${ws.workspace.slug}/api-keys`, { name: 'ci', role: 'admin' });
    assertError(await suite.api.post('/api/v1/auth/mfa/totp/setup', {}, { token: key.body.data.key }), 403, 'FORBIDDEN');
    assertError(await suite.api.post(`${ws.base}/auth/mfa/totp/setup`, {}, { token: ws.owner.accessToken }), 403, 'FORBIDDEN');
  });

  it('keeps the secret sealed at rest and the recovery codes hashed', async () => {
    const person = await newAccount(suite.api, 'sealed');
    const { secret, recoveryCodes } = await enrolMfa(suite.api, '/api/v1/auth', person.accessToken, suite.app);
    const db = suite.app.nest.get(DataSource);
    const [factor] = await db.query(`SELECT secret_ciphertext FROM cairn_mfa_factors WHERE subject_id = '${person.id}'`);
    assert.ok(typeof factor.secret_ciphertext === 'string' && factor.secret_ciphertext.startsWith('v1.'));
    assert.equal(factor.secret_ciphertext.includes(secret), false);
    const hashes: Array<{ code_hash: string }> = await db.query('SELECT code_hash FROM cairn_mfa_recovery_codes');
    for (const code of recoveryCodes) assert.equal(hashes.some((row) => row.code_hash.includes(code) || row.code_hash.includes(code.replace('-', ''))), false);
  });
});

describeEachDatabase('TOTP verification rate limit', { env: { ...TOTP_ENV, RATE_LIMIT_AUTH_ADDRESS: '3/1m' } }, (suite) => {
  it('refuses the MFA step with 429 after too many wrong codes from one address', async () => {
    const person = await newAccount(suite.api, 'limited');
    const { secret } = await enrolMfa(suite.api, '/api/v1/auth', person.accessToken, suite.app);
    const challenge = (await suite.api.post('/api/v1/auth/login', { email: person.email, password: person.password })).body.data.mfa_token;
    for (let attempt = 0; attempt < 3; attempt++) {
      assertError(await suite.api.post('/api/v1/auth/mfa/verify', { mfa_token: challenge, code: wrongCode(secret, suite.app.clock) }), 401, 'INVALID_CREDENTIALS');
    }
    assertError(await suite.api.post('/api/v1/auth/mfa/verify', { mfa_token: challenge, code: currentCode(secret, suite.app.clock) }), 429, 'RATE_LIMITED');
  });
});
