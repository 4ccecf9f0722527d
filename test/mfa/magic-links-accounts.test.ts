import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { linkIn } from '../support/app-users';
import type { ApiResponse } from '../support/http';
import { assertError, newAccount, uniqueEmail } from '../support/factories';
import { currentCode, enrolMfa, platformOutbox } from '../support/mfa';

const PUBLIC_URL = 'https://cairn.example.com';
// Links expire while the tests move the clock on; the owners' access tokens must outlive that.
const MAIL_ENV = { MAIL_TRANSPORT: 'dev', PUBLIC_URL, ACCESS_TOKEN_TTL: '1d' };
const LINK_TTL_MS = 15 * 60_000;

/** The headers of an answer that could tell two requests apart (not the date or the request id). */
const headersOf = (response: ApiResponse) => [...response.headers.entries()].filter(([name]) => !['date', 'x-request-id'].includes(name)).sort();

describeEachDatabase('magic links for platform accounts', { env: MAIL_ENV }, (suite) => {
  const request = (email: string) => suite.api.post('/api/v1/auth/magic-link', { email }, { token: null });
  const verify = (token: string) => suite.api.post('/api/v1/auth/magic-link/verify', { token }, { token: null });

  it('mails a link to the console that signs in once', async () => {
    const account = await newAccount(suite.api, 'magic');
    const requested = await request(account.email.toUpperCase());
    assert.equal(requested.status, 204, requested.text);
    const [mail] = platformOutbox(suite.app);
    assert.equal(mail.to, account.email);
    assert.equal(mail.subject, 'Sign in to Cairn');
    const { link, token } = linkIn(mail);
    assert.equal(`${link.origin}${link.pathname}`, `${PUBLIC_URL}/admin/magic-link`);

    const signedIn = await verify(token);
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.equal(signedIn.body.data.user.id, account.id);
    assert.equal((await suite.api.get('/api/v1/auth/me', { token: signedIn.body.data.access_token })).status, 200);
    assertError(await verify(token), 401, 'INVALID_TOKEN');
  });

  it('answers an unknown email exactly like a known one, and mails nothing', async () => {
    const account = await newAccount(suite.api, 'known');
    const before = platformOutbox(suite.app).length;
    const unknown = await request(uniqueEmail('nobody'));
    assert.equal(platformOutbox(suite.app).length, before);
    const known = await request(account.email);
    assert.equal(platformOutbox(suite.app).length, before + 1);
    assert.equal(unknown.status, 204);
    assert.equal(known.status, 204);
    assert.equal(unknown.text, known.text);
    assert.deepEqual(headersOf(unknown), headersOf(known));
  });

  it('refuses an expired link and a made-up one', async () => {
    const account = await newAccount(suite.api, 'late');
    await request(account.email);
    const { token } = linkIn(platformOutbox(suite.app)[0]);
    suite.app.clock.advance(LINK_TTL_MS + 1);
    assertError(await verify(token), 401, 'TOKEN_EXPIRED');
    assertError(await verify('not-a-token'), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post('/api/v1/auth/magic-link', { email: 'not-an-email' }), 400, 'INVALID_PAYLOAD');
  });

  it('still asks for the code of an account with MFA', async () => {
    const account = await newAccount(suite.api, 'magic-mfa');
    const { secret } = await enrolMfa(suite.api, '/api/v1/auth', account.accessToken, suite.app);
    await request(account.email);
    const first = await verify(linkIn(platformOutbox(suite.app)[0]).token);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.data.mfa_required, true);
    assert.equal(first.body.data.access_token, undefined);
    const second = await suite.api.post('/api/v1/auth/mfa/verify', { mfa_token: first.body.data.mfa_token, code: currentCode(secret, suite.app.clock) });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.data.user.id, account.id);
  });
});
