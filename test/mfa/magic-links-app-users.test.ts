import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { linkIn, newAppUser, readOutbox } from '../support/app-users';
import type { ApiResponse } from '../support/http';
import { assertError, newOwnedWorkspace, OwnedWorkspace, uniqueEmail } from '../support/factories';
import { currentCode, enrolMfa } from '../support/mfa';

const APP_URL = 'https://app.example.org/sign-in';
// Links expire while the tests move the clock on; the owners' access tokens must outlive that.
const MAIL_ENV = { MAIL_TRANSPORT: 'dev', ACCESS_TOKEN_TTL: '1d' };
const LINK_TTL_MS = 15 * 60_000;

/** The headers of an answer that could tell two requests apart (not the date or the request id). */
const headersOf = (response: ApiResponse) => [...response.headers.entries()].filter(([name]) => !['date', 'x-request-id'].includes(name)).sort();

describeEachDatabase('magic links for app users', { env: MAIL_ENV }, (suite) => {
  let ws: OwnedWorkspace;
  const request = (base: string, email: string) => suite.api.post(`${base}/auth/magic-link`, { email }, { token: null });
  const verify = (base: string, token: string) => suite.api.post(`${base}/auth/magic-link/verify`, { token }, { token: null });
  const enableMagicLinks = async (owned: OwnedWorkspace) => {
    assert.equal((await owned.api.patch(`/api/v1/workspaces/${owned.workspace.slug}`, { app_url: APP_URL })).status, 200);
    const enabled = await owned.api.patch(`/api/v1/workspaces/${owned.workspace.slug}/sign-in`, { app_user_magic_links: true });
    assert.equal(enabled.status, 200, enabled.text);
  };
  before(async () => {
    ws = await newOwnedWorkspace(suite.api);
  });

  it('are off until the workspace turns them on, which needs its app_url', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    assertError(await request(ws.base, appUser.email), 403, 'FORBIDDEN');
    assertError(await verify(ws.base, 'whatever'), 403, 'FORBIDDEN');
    const refused = await ws.api.patch(`/api/v1/workspaces/${ws.workspace.slug}/sign-in`, { app_user_magic_links: true });
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.field, 'app_user_magic_links');
    await enableMagicLinks(ws);
    assert.equal((await request(ws.base, appUser.email)).status, 204);
  });

  it("mail a link to the workspace's app that signs the app user in once", async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    assert.equal((await request(ws.base, appUser.email)).status, 204);
    const [mail] = await readOutbox(ws.api, ws.base);
    assert.equal(mail.to, appUser.email);
    const { link, token } = linkIn(mail);
    assert.equal(`${link.origin}${link.pathname}`, APP_URL);
    assert.equal(link.searchParams.get('type'), 'magic-link');

    const other = await newOwnedWorkspace(suite.api);
    await enableMagicLinks(other);
    assertError(await verify(other.base, token), 401, 'INVALID_TOKEN');

    const signedIn = await verify(ws.base, token);
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.equal(signedIn.body.data.user.id, appUser.id);
    assert.equal((await suite.api.get(`${ws.base}/auth/me`, { token: signedIn.body.data.access_token })).status, 200);
    assertError(await verify(ws.base, token), 401, 'INVALID_TOKEN');

    await request(ws.base, appUser.email);
    const late = linkIn((await readOutbox(ws.api, ws.base))[0]).token;
    suite.app.clock.advance(LINK_TTL_MS + 1);
    assertError(await verify(ws.base, late), 401, 'TOKEN_EXPIRED');
  });

  it('answer an unknown email exactly like a known one, and mail nothing', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const before = await readOutbox(ws.api, ws.base);
    const unknown = await request(ws.base, uniqueEmail('nobody'));
    assert.deepEqual(await readOutbox(ws.api, ws.base), before);
    const known = await request(ws.base, appUser.email);
    assert.equal(unknown.status, 204);
    assert.equal(known.status, 204);
    assert.equal(unknown.text, known.text);
    assert.deepEqual(headersOf(unknown), headersOf(known));
    assert.equal((await readOutbox(ws.api, ws.base))[0].to, appUser.email);
  });

  it('still ask for the code of an app user with MFA', async () => {
    const appUser = await newAppUser(suite.api, ws.base);
    const { secret } = await enrolMfa(suite.api, `${ws.base}/auth`, appUser.accessToken, suite.app);
    await request(ws.base, appUser.email);
    const first = await verify(ws.base, linkIn((await readOutbox(ws.api, ws.base))[0]).token);
    assert.equal(first.body.data.mfa_required, true, first.text);
    const second = await suite.api.post(`${ws.base}/auth/mfa/verify`, { mfa_token: first.body.data.mfa_token, code: currentCode(secret, suite.app.clock) });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.data.user.id, appUser.id);
  });
});
