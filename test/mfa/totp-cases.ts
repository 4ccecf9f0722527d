import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Suite } from '../support/app';
import { assertError } from '../support/factories';
import { currentCode, enrolMfa, TOTP_STEP_MS, wrongCode } from '../support/mfa';

/** Someone who signs in with a password: a platform account, or an app user of one workspace. */
export interface Person {
  email: string;
  password: string;
  accessToken: string;
}

/** One kind of sign-in: its auth routes under `authBase` (read when a test runs), and how to make a person of it. */
export interface Realm {
  name: string;
  authBase(): string;
  /** What authenticator apps show as where the account is: Cairn, or the workspace. */
  issuer(): string;
  newPerson(): Promise<Person>;
}

/** The environment of the TOTP suites: they move the clock on past codes and challenges, and the access tokens they hold must outlive that. */
export const TOTP_ENV = { ACCESS_TOKEN_TTL: '1d' };

/** The behaviours of TOTP sign-in, the same for accounts and app users: declared inside a suite, once per realm. */
export function totpSignInCases(suite: Suite, realm: Realm): void {
  const login = (person: Person) => suite.api.post(`${realm.authBase()}/login`, { email: person.email, password: person.password }, { token: null });
  const verify = (mfaToken: string, code: string) => suite.api.post(`${realm.authBase()}/mfa/verify`, { mfa_token: mfaToken, code }, { token: null });

  it(`${realm.name}: enrols with a code of the new secret, and answers ten one-time recovery codes`, async () => {
    const person = await realm.newPerson();
    const status = await suite.api.get(`${realm.authBase()}/mfa`, { token: person.accessToken });
    assert.deepEqual(status.body, { data: { enabled: false, recovery_codes_left: 0 } });
    assertError(await suite.api.post(`${realm.authBase()}/mfa/totp/enable`, { code: '123456' }, { token: person.accessToken }), 409, 'CONFLICT');

    const setup = await suite.api.post(`${realm.authBase()}/mfa/totp/setup`, {}, { token: person.accessToken });
    assert.equal(setup.status, 200, setup.text);
    const { secret, otpauth_url: url } = setup.body.data;
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    const otpauth = new URL(url);
    assert.equal(otpauth.protocol, 'otpauth:');
    assert.equal(otpauth.searchParams.get('secret'), secret);
    assert.equal(otpauth.searchParams.get('issuer'), realm.issuer());
    assert.ok(decodeURIComponent(otpauth.pathname).includes(person.email), url);
    // Still pending: signing in asks no code yet.
    assert.ok((await login(person)).body.data.access_token);

    const wrong = await suite.api.post(`${realm.authBase()}/mfa/totp/enable`, { code: wrongCode(secret, suite.app.clock) }, { token: person.accessToken });
    assertError(wrong, 400, 'INVALID_PAYLOAD');
    assert.equal(wrong.body.errors[0].extensions.field, 'code');

    const enabled = await suite.api.post(`${realm.authBase()}/mfa/totp/enable`, { code: currentCode(secret, suite.app.clock) }, { token: person.accessToken });
    assert.equal(enabled.status, 200, enabled.text);
    const codes: string[] = enabled.body.data.recovery_codes;
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
    assert.deepEqual((await suite.api.get(`${realm.authBase()}/mfa`, { token: person.accessToken })).body, { data: { enabled: true, recovery_codes_left: 10 } });
    // A session cannot swap the factor while it is on.
    assertError(await suite.api.post(`${realm.authBase()}/mfa/totp/setup`, {}, { token: person.accessToken }), 409, 'CONFLICT');
  });

  it(`${realm.name}: signs in in two steps once MFA is on: a challenge, then tokens for a code`, async () => {
    const person = await realm.newPerson();
    const { secret } = await enrolMfa(suite.api, realm.authBase(), person.accessToken, suite.app);
    const first = await login(person);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(Object.keys(first.body.data).sort(), ['expires', 'mfa_required', 'mfa_token']);
    assert.equal(first.body.data.mfa_required, true);
    assert.equal(first.body.data.expires, 5 * 60_000);

    const second = await verify(first.body.data.mfa_token, currentCode(secret, suite.app.clock));
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(Object.keys(second.body.data).sort(), ['access_token', 'expires', 'refresh_token', 'user']);
    assert.equal(second.body.data.user.email, person.email);
    assert.equal((await suite.api.get(`${realm.authBase()}/me`, { token: second.body.data.access_token })).status, 200);
    assert.equal((await suite.api.post(`${realm.authBase()}/refresh`, { refresh_token: second.body.data.refresh_token })).status, 200);
    // The challenge completed once.
    suite.app.clock.advance(TOTP_STEP_MS);
    assertError(await verify(first.body.data.mfa_token, currentCode(secret, suite.app.clock)), 401, 'INVALID_TOKEN');
  });

  it(`${realm.name}: refuses a wrong code, and a right code a second time in its window`, async () => {
    const person = await realm.newPerson();
    const { secret } = await enrolMfa(suite.api, realm.authBase(), person.accessToken, suite.app);
    const challenge = (await login(person)).body.data.mfa_token;
    assertError(await verify(challenge, wrongCode(secret, suite.app.clock)), 401, 'INVALID_CREDENTIALS');
    assertError(await verify(challenge, 'not-a-code'), 401, 'INVALID_CREDENTIALS');
    const code = currentCode(secret, suite.app.clock);
    assert.equal((await verify(challenge, code)).status, 200);

    const replayed = await verify((await login(person)).body.data.mfa_token, code);
    assertError(replayed, 401, 'INVALID_CREDENTIALS');
    suite.app.clock.advance(TOTP_STEP_MS);
    assert.equal((await verify((await login(person)).body.data.mfa_token, currentCode(secret, suite.app.clock))).status, 200);
  });

  it(`${realm.name}: a recovery code signs in once, whatever its case and dashes`, async () => {
    const person = await realm.newPerson();
    const { recoveryCodes } = await enrolMfa(suite.api, realm.authBase(), person.accessToken, suite.app);
    const [code] = recoveryCodes;
    const signedIn = await verify((await login(person)).body.data.mfa_token, ` ${code.toUpperCase().replace('-', '')} `);
    assert.equal(signedIn.status, 200, signedIn.text);
    assertError(await verify((await login(person)).body.data.mfa_token, code), 401, 'INVALID_CREDENTIALS');
    assert.deepEqual((await suite.api.get(`${realm.authBase()}/mfa`, { token: signedIn.body.data.access_token })).body, { data: { enabled: true, recovery_codes_left: 9 } });
    assert.equal((await verify((await login(person)).body.data.mfa_token, recoveryCodes[1])).status, 200);
  });

  it(`${realm.name}: a challenge expires, and is used up by five wrong codes`, async () => {
    const person = await realm.newPerson();
    const { secret } = await enrolMfa(suite.api, realm.authBase(), person.accessToken, suite.app);
    const stale = (await login(person)).body.data.mfa_token;
    suite.app.clock.advance(5 * 60_000 + 1);
    assertError(await verify(stale, currentCode(secret, suite.app.clock)), 401, 'TOKEN_EXPIRED');

    const guessed = (await login(person)).body.data.mfa_token;
    for (let attempt = 0; attempt < 5; attempt++) assertError(await verify(guessed, wrongCode(secret, suite.app.clock)), 401, 'INVALID_CREDENTIALS');
    assertError(await verify(guessed, currentCode(secret, suite.app.clock)), 401, 'INVALID_TOKEN');
    assertError(await verify('mfa_unknown', currentCode(secret, suite.app.clock)), 401, 'INVALID_TOKEN');
  });

  it(`${realm.name}: disables MFA with a current code or the password, not with neither`, async () => {
    const person = await realm.newPerson();
    const { secret } = await enrolMfa(suite.api, realm.authBase(), person.accessToken, suite.app);
    const disable = (body: object) => suite.api.post(`${realm.authBase()}/mfa/totp/disable`, body, { token: person.accessToken });
    assertError(await disable({}), 400, 'INVALID_PAYLOAD');
    assertError(await disable({ password: 'not-the-password' }), 401, 'INVALID_CREDENTIALS');
    assertError(await disable({ code: wrongCode(secret, suite.app.clock) }), 401, 'INVALID_CREDENTIALS');
    assert.equal((await disable({ password: person.password })).status, 204);
    assert.ok((await login(person)).body.data.access_token);

    const again = await enrolMfa(suite.api, realm.authBase(), person.accessToken, suite.app);
    assert.equal((await disable({ code: currentCode(again.secret, suite.app.clock) })).status, 204);
    assert.deepEqual((await suite.api.get(`${realm.authBase()}/mfa`, { token: person.accessToken })).body, { data: { enabled: false, recovery_codes_left: 0 } });
  });
}
