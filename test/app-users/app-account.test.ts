import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, it } from 'node:test';
import { describeEachDatabase, Suite } from '../support/app';
import type { ApiResponse } from '../support/http';
import { linkIn, newAppUser, readOutbox } from '../support/app-users';
import { assertError, newOwnedWorkspace, OwnedWorkspace, uniqueEmail } from '../support/factories';

const PUBLIC_URL = 'https://cairn.example.com';
const MAIL_ENV = { MAIL_TRANSPORT: 'dev', PUBLIC_URL, TRUST_PROXY: 'true' };

describeEachDatabase('app user password reset, change and email verification', { env: MAIL_ENV }, (suite) => {
  let ws: OwnedWorkspace;
  before(async () => {
    ws = await newOwnedWorkspace(suite.api);
  });

  it('resets a password through the mailed link, once', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const requested = await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email.toUpperCase() });
    assert.equal(requested.status, 204, requested.text);
    assert.equal(requested.text, '');

    const [mail] = await readOutbox(ws.api, ws.base);
    assert.equal(mail.to, appUser.email);
    assert.match(mail.subject, /^Reset your password for /);
    assert.equal(Number.isNaN(Date.parse(mail.created_at)), false);
    const { link, token } = linkIn(mail);
    assert.equal(`${link.origin}${link.pathname}`, `${PUBLIC_URL}/api/v1/w/${ws.workspace.slug}/auth/reset-password`);

    const reset = await suite.api.post(`${ws.base}/auth/password/reset`, { token, password: 'a-brand-new-password' });
    assert.equal(reset.status, 204, reset.text);
    assert.equal(reset.text, '');
    assertError(await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: appUser.password }), 401, 'INVALID_CREDENTIALS');
    assert.equal((await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: 'a-brand-new-password' })).status, 200);

    const again = await suite.api.post(`${ws.base}/auth/password/reset`, { token, password: 'yet-another-password' });
    assertError(again, 401, 'INVALID_TOKEN');
    assert.equal((await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: 'a-brand-new-password' })).status, 200);
  });

  it('answers a reset request for an unknown email exactly like a known one, and mails nothing', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const before = await readOutbox(ws.api, ws.base);
    const unknown = await suite.api.post(`${ws.base}/auth/password/request`, { email: uniqueEmail('nobody') });
    const afterUnknown = await readOutbox(ws.api, ws.base);
    const known = await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email });
    assert.equal(unknown.status, 204);
    assert.equal(known.status, 204);
    assert.equal(unknown.text, known.text);
    const headersOf = (response: typeof known) => [...response.headers.entries()].filter(([name]) => !['date', 'x-request-id'].includes(name)).sort();
    assert.deepEqual(headersOf(unknown), headersOf(known));
    assert.deepEqual(afterUnknown, before);
    assert.equal((await readOutbox(ws.api, ws.base))[0].to, appUser.email);
  });

  it('refuses a reset token of another workspace without using it up, and a bad new password', async () => {
    const other = await newOwnedWorkspace(suite.api);
    const appUser = await newAppUser(suite.api, ws.base);
    await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email });
    const { token } = linkIn((await readOutbox(ws.api, ws.base))[0]);
    assertError(await suite.api.post(`${other.base}/auth/password/reset`, { token, password: 'a-brand-new-password' }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post(`${ws.base}/auth/email/verify`, { token }), 401, 'INVALID_TOKEN');
    const short = await suite.api.post(`${ws.base}/auth/password/reset`, { token, password: 'short' });
    assertError(short, 400, 'INVALID_PAYLOAD');
    assert.equal(short.body.errors[0].extensions.field, 'password');
    assertError(await suite.api.post(`${ws.base}/auth/password/reset`, { token: 'not-a-token', password: 'a-brand-new-password' }), 401, 'INVALID_TOKEN');
    assert.equal((await suite.api.post(`${ws.base}/auth/password/reset`, { token, password: 'a-brand-new-password' })).status, 204);
  });

  it('builds links from PUBLIC_URL even when the request says another host', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const headers = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example' };
    assert.equal((await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email }, { headers })).status, 204);
    const [mail] = await readOutbox(ws.api, ws.base);
    assert.equal(mail.text.includes('evil.example'), false);
    assert.ok(linkIn(mail).link.href.startsWith(`${PUBLIC_URL}/`), mail.text);
    const verification = await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken, headers });
    assert.equal(verification.status, 204, verification.text);
    assert.ok(linkIn((await readOutbox(ws.api, ws.base))[0]).link.href.startsWith(`${PUBLIC_URL}/`));
  });

  it('ends every session of the app user after a reset', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const second = await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: appUser.password });
    assert.equal(second.status, 200);
    await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email });
    const { token } = linkIn((await readOutbox(ws.api, ws.base))[0]);
    // Access tokens carry whole seconds: let the reset fall in a later second than their issue.
    suite.app.clock.advance(1100);
    assert.equal((await suite.api.post(`${ws.base}/auth/password/reset`, { token, password: 'a-brand-new-password' })).status, 204);
    for (const refreshToken of [appUser.refreshToken, second.body.data.refresh_token]) {
      assertError(await suite.api.post(`${ws.base}/auth/refresh`, { refresh_token: refreshToken }), 401, 'INVALID_TOKEN');
    }
    for (const accessToken of [appUser.accessToken, second.body.data.access_token]) {
      assertError(await suite.api.get(`${ws.base}/auth/me`, { token: accessToken }), 401, 'INVALID_TOKEN');
    }
  });

  it('changes the password with the current one, ending every other session and starting a new one', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const other = await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: appUser.password });
    const wrong = await suite.api.post(`${ws.base}/auth/password/change`, { current_password: 'not-the-password', password: 'a-brand-new-password' }, { token: appUser.accessToken });
    assertError(wrong, 401, 'INVALID_CREDENTIALS');
    assert.equal((await suite.api.post(`${ws.base}/auth/refresh`, { refresh_token: other.body.data.refresh_token })).status, 200);

    suite.app.clock.advance(1100);
    const changed = await suite.api.post(`${ws.base}/auth/password/change`, { current_password: appUser.password, password: 'a-brand-new-password' }, { token: appUser.accessToken });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(Object.keys(changed.body.data).sort(), ['access_token', 'expires', 'refresh_token', 'user']);
    assert.equal(changed.body.data.user.id, appUser.id);

    assertError(await suite.api.post(`${ws.base}/auth/refresh`, { refresh_token: appUser.refreshToken }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.get(`${ws.base}/auth/me`, { token: appUser.accessToken }), 401, 'INVALID_TOKEN');
    assert.equal((await suite.api.get(`${ws.base}/auth/me`, { token: changed.body.data.access_token })).status, 200);
    assert.equal((await suite.api.post(`${ws.base}/auth/refresh`, { refresh_token: changed.body.data.refresh_token })).status, 200);
    assertError(await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: appUser.password }), 401, 'INVALID_CREDENTIALS');
    assert.equal((await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: 'a-brand-new-password' })).status, 200);
  });

  it('lets only a signed-in app user change its password or ask for verification', async () => {
    const body = { current_password: 'whatever-it-is', password: 'a-brand-new-password' };
    assertError(await suite.api.post(`${ws.base}/auth/password/change`, body), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.post(`${ws.base}/auth/password/change`, body, { token: ws.owner.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.post(`${ws.base}/auth/email/request-verification`, {}), 401, 'INVALID_CREDENTIALS');
    assertError(await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: ws.owner.accessToken }), 403, 'FORBIDDEN');
  });

  it('verifies the email through the mailed link, once', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const requested = await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken });
    assert.equal(requested.status, 204, requested.text);
    const [mail] = await readOutbox(ws.api, ws.base);
    assert.equal(mail.to, appUser.email);
    assert.match(mail.subject, /^Confirm your email address for /);
    const { link, token } = linkIn(mail);
    assert.equal(`${link.origin}${link.pathname}`, `${PUBLIC_URL}/api/v1/w/${ws.workspace.slug}/auth/verify-email`);
    assertError(await suite.api.post(`${ws.base}/auth/password/reset`, { token, password: 'a-brand-new-password' }), 401, 'INVALID_TOKEN');

    const verified = await suite.api.post(`${ws.base}/auth/email/verify`, { token });
    assert.equal(verified.status, 204, verified.text);
    const me = await suite.api.get(`${ws.base}/auth/me`, { token: appUser.accessToken });
    assert.equal(me.body.data.email_verified, true);
    assert.equal(Number.isNaN(Date.parse(me.body.data.email_verified_at)), false);
    assertError(await suite.api.post(`${ws.base}/auth/email/verify`, { token }), 401, 'INVALID_TOKEN');

    const outboxSize = (await readOutbox(ws.api, ws.base)).length;
    assert.equal((await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken })).status, 204);
    assert.equal((await readOutbox(ws.api, ws.base)).length, outboxSize);
  });
});

/** The page a link leads to, fetched from the test's instance (PUBLIC_URL names another host). */
async function openPage(suite: Suite, link: URL): Promise<ApiResponse<string>> {
  const page = await suite.api.get(`${link.pathname}${link.search}`, { token: null });
  assert.equal(page.status, 200, page.text);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  // Self-contained: nothing loaded from elsewhere, and its one script and style allowed by their hashes.
  assert.doesNotMatch(page.text, /\b(src|href)=/);
  for (const tag of ['script', 'style']) {
    const inline = page.text.match(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`))?.[1];
    assert.ok(inline !== undefined, `the page has a ${tag}`);
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update(inline).digest('base64')}'`), `the CSP allows the ${tag}`);
  }
  assert.equal(page.text.includes(link.searchParams.get('token')!), false, 'the token is not written into the page');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  return page;
}

describeEachDatabase('app user mail links', { env: MAIL_ENV }, (suite) => {
  it("lead by default to Cairn's own pages, whose script posts the token to the API beside them", async () => {
    const ws = await newOwnedWorkspace(suite.api);
    const appUser = await newAppUser(suite.api, ws.base);
    // Verification first: a reset ends the sessions whose token asks for it.
    assert.equal((await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken })).status, 204);
    const verify = linkIn((await readOutbox(ws.api, ws.base))[0]);
    assert.equal(verify.link.href, `${PUBLIC_URL}${ws.base}/auth/verify-email?token=${verify.token}`);
    assert.match((await openPage(suite, verify.link)).text, /<form data-type="verify">/);
    // The page posts to the route its relative path names, as a browser resolves it.
    const verifyRoute = new URL('email/verify', verify.link);
    assert.equal(verifyRoute.pathname, `${ws.base}/auth/email/verify`);
    assert.equal((await suite.api.post(verifyRoute.pathname, { token: verify.token })).status, 204);

    assert.equal((await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email })).status, 204);
    const reset = linkIn((await readOutbox(ws.api, ws.base))[0]);
    assert.equal(reset.link.href, `${PUBLIC_URL}${ws.base}/auth/reset-password?token=${reset.token}`);
    const resetPage = await openPage(suite, reset.link);
    assert.match(resetPage.text, /<form data-type="reset">/);
    assert.equal((resetPage.text.match(/type="password"/g) ?? []).length, 2);
    const resetRoute = new URL('password/reset', reset.link);
    assert.equal(resetRoute.pathname, `${ws.base}/auth/password/reset`);
    assert.equal((await suite.api.post(resetRoute.pathname, { token: reset.token, password: 'a-brand-new-password' })).status, 204);
    assert.equal((await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: 'a-brand-new-password' })).status, 200);
  });

  it('show the workspace name escaped, and answer 404 for an unknown workspace', async () => {
    const ws = await newOwnedWorkspace(suite.api);
    assert.equal((await ws.api.patch(`/api/v1/workspaces/${ws.workspace.slug}`, { name: 'Tom & <Jerry>' })).status, 200);
    const page = await suite.api.get(`${ws.base}/auth/verify-email?token=x`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Tom &#38; &#60;Jerry&#62;'), page.text);
    assert.equal(page.text.includes('<Jerry>'), false);
    assertError(await suite.api.get('/api/v1/w/no-such-workspace/auth/reset-password?token=x'), 404, 'NOT_FOUND');
  });

  it("lead to the workspace's app_url when it set one, with the token and the link's type", async () => {
    const ws = await newOwnedWorkspace(suite.api);
    const appUser = await newAppUser(suite.api, ws.base);
    const set = await ws.api.patch(`/api/v1/workspaces/${ws.workspace.slug}`, { app_url: 'https://app.example.org/account?from=mail' });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.data.app_url, 'https://app.example.org/account?from=mail');
    assert.equal((await ws.api.get(`/api/v1/workspaces/${ws.workspace.slug}`)).body.data.app_url, 'https://app.example.org/account?from=mail');

    assert.equal((await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken })).status, 204);
    const verify = linkIn((await readOutbox(ws.api, ws.base))[0]);
    assert.equal(`${verify.link.origin}${verify.link.pathname}`, 'https://app.example.org/account');
    assert.deepEqual(Object.fromEntries(verify.link.searchParams), { from: 'mail', token: verify.token, type: 'verify' });
    assert.equal((await suite.api.post(`${ws.base}/auth/email/verify`, { token: verify.token })).status, 204);

    assert.equal((await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email })).status, 204);
    const reset = linkIn((await readOutbox(ws.api, ws.base))[0]);
    assert.equal(`${reset.link.origin}${reset.link.pathname}`, 'https://app.example.org/account');
    assert.deepEqual(Object.fromEntries(reset.link.searchParams), { from: 'mail', token: reset.token, type: 'reset' });
    assert.equal((await suite.api.post(`${ws.base}/auth/password/reset`, { token: reset.token, password: 'a-brand-new-password' })).status, 204);

    const cleared = await ws.api.patch(`/api/v1/workspaces/${ws.workspace.slug}`, { app_url: null });
    assert.equal(cleared.body.data.app_url, null);
    await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email });
    assert.equal(linkIn((await readOutbox(ws.api, ws.base))[0]).link.pathname, `${ws.base}/auth/reset-password`);
  });

  it('refuse an app_url that is not an http or https URL', async () => {
    const ws = await newOwnedWorkspace(suite.api);
    for (const app_url of ['ftp://app.example.org/', 'javascript:alert(1)', 'app.example.org/reset', 'https://user:secret@app.example.org/', `https://app.example.org/${'x'.repeat(2048)}`, 42]) {
      const response = await ws.api.patch(`/api/v1/workspaces/${ws.workspace.slug}`, { app_url });
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, 'app_url', response.text);
    }
    assert.equal((await ws.api.get(`/api/v1/workspaces/${ws.workspace.slug}`)).body.data.app_url, null);
  });
});

describeEachDatabase('app user mail tokens that expire', { env: { ...MAIL_ENV, PASSWORD_RESET_TTL: '1s', EMAIL_VERIFICATION_TTL: '1s' } }, (suite) => {
  it('refuses an expired reset token and an expired verification token', async () => {
    const ws = await newOwnedWorkspace(suite.api);
    const appUser = await newAppUser(suite.api, ws.base);
    await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email });
    const reset = linkIn((await readOutbox(ws.api, ws.base))[0]).token;
    await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken });
    const verification = linkIn((await readOutbox(ws.api, ws.base))[0]).token;
    suite.app.clock.advance(1500);
    assertError(await suite.api.post(`${ws.base}/auth/password/reset`, { token: reset, password: 'a-brand-new-password' }), 401, 'TOKEN_EXPIRED');
    assertError(await suite.api.post(`${ws.base}/auth/email/verify`, { token: verification }), 401, 'TOKEN_EXPIRED');
    assert.equal((await suite.api.post(`${ws.base}/auth/login`, { email: appUser.email, password: appUser.password })).status, 200);
    assert.equal((await suite.api.get(`${ws.base}/auth/me`, { token: appUser.accessToken })).body.data.email_verified, false);
  });
});

describeEachDatabase('app user mail with the default transport', {}, (suite) => {
  it('answers reset and verification requests as usual, though nothing is sent', async () => {
    const ws = await newOwnedWorkspace(suite.api);
    const appUser = await newAppUser(suite.api, ws.base);
    assert.equal((await suite.api.post(`${ws.base}/auth/password/request`, { email: appUser.email })).status, 204);
    assert.equal((await suite.api.post(`${ws.base}/auth/email/request-verification`, {}, { token: appUser.accessToken })).status, 204);
  });
});
