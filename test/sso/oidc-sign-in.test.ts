import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newAccount, newOwnedWorkspace, OwnedWorkspace, uniqueEmail } from '../support/factories';
import { currentCode, enrolMfa } from '../support/mfa';
import { LocalOidcProvider, ProviderIdentity } from '../support/oidc-provider';
import { TestBrowser } from './browser';

const CONSOLE = 'http://console.test/admin';
const APP = 'http://app.test/signed-in';
const PLATFORM_CLIENT = { client_id: 'cairn-platform', client_secret: 'platform-secret-0123456789' };
const WORKSPACE_CLIENT = { client_id: 'cairn-workspace', client_secret: 'workspace-secret-0123456789' };

let idp: LocalOidcProvider;
/** Filled once the provider listens, before any suite starts its instance with it. */
const env: Record<string, string> = {};

before(async () => {
  idp = await LocalOidcProvider.start();
  Object.assign(env, {
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: PLATFORM_CLIENT.client_id,
    OIDC_CLIENT_SECRET: PLATFORM_CLIENT.client_secret,
    OIDC_ALLOW_INSECURE_ISSUERS: 'true',
    OIDC_RETURN_URLS: CONSOLE,
  });
});
after(() => idp.close());

describeEachDatabase('OpenID Connect sign-in', { env }, (suite) => {
  let team: OwnedWorkspace;
  let publicUrl: string;

  before(async () => {
    publicUrl = suite.app.config.server.publicUrl;
    team = await newOwnedWorkspace(suite.api);
    idp.register([
      { ...PLATFORM_CLIENT, redirect_uris: [`${publicUrl}/api/v1/auth/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'] },
      { ...WORKSPACE_CLIENT, redirect_uris: [`${publicUrl}/api/v1/w/${team.workspace.id}/auth/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'] },
    ]);
  });

  /** A browser on the test instance: the addresses Cairn announces (PUBLIC_URL) lead to it. */
  const browser = () => new TestBrowser((url) => (url.startsWith(publicUrl) ? suite.app.url + url.slice(publicUrl.length) : url));

  /** Starts a sign-in at `loginPath` and signs in at the provider as `identity`: the callback Cairn is sent back to. */
  async function atProvider(agent: TestBrowser, loginPath: string, identity: ProviderIdentity): Promise<URL> {
    idp.nextIdentity = identity;
    return agent.followUntil(`${publicUrl}${loginPath}`, (url) => url.pathname.endsWith('/auth/oidc/callback'));
  }

  /** A whole sign-in up to the return URL: the one-time code it carries. */
  async function signIn(loginPath: string, identity: ProviderIdentity, returnTo: string): Promise<string> {
    const agent = browser();
    const callback = await atProvider(agent, loginPath, identity);
    const landing = await agent.get(callback.href);
    assert.equal(landing.status, 302, await landing.text());
    const back = new URL(landing.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, returnTo);
    assert.deepEqual([...back.searchParams.keys()], ['sso_code']);
    return back.searchParams.get('sso_code')!;
  }

  const verified = (email: string): ProviderIdentity => ({ email, email_verified: true, name: 'Someone' });

  it('says single sign-on is on for members, and off for a workspace without a provider', async () => {
    const platform = await suite.api.get('/api/v1/auth/providers', { token: null });
    assert.equal(platform.status, 200, platform.text);
    assert.deepEqual(platform.body.data, { password: true, oidc: { enabled: true, login_url: `${publicUrl}/api/v1/auth/oidc/login` } });
    const other = await newOwnedWorkspace(suite.api);
    const workspace = await suite.api.get(`${other.base}/auth/providers`, { token: null });
    assert.deepEqual(workspace.body.data, { password: true, oidc: { enabled: false, login_url: null } });
    assertError(await suite.api.get(`${other.base}/auth/oidc/login`, { token: null }), 404, 'NOT_FOUND');
  });

  it('signs a member in with a verified email and issues the session a password sign-in issues', async () => {
    const member = await newAccount(suite.api, 'member');
    const code = await signIn('/api/v1/auth/oidc/login', verified(member.email.toUpperCase()), CONSOLE);
    const exchanged = await suite.api.post('/api/v1/auth/oidc/exchange', { code }, { token: null });
    assert.equal(exchanged.status, 200, exchanged.text);
    assert.deepEqual(Object.keys(exchanged.body.data).sort(), ['access_token', 'expires', 'refresh_token', 'user']);
    assert.equal(exchanged.body.data.user.id, member.id);
    const me = await suite.api.get('/api/v1/auth/me', { token: exchanged.body.data.access_token });
    assert.equal(me.body.data.email, member.email);
    const refreshed = await suite.api.post('/api/v1/auth/refresh', { refresh_token: exchanged.body.data.refresh_token }, { token: null });
    assert.equal(refreshed.status, 200, refreshed.text);
  });

  it('exchanges a one-time code once, and a member code on no workspace', async () => {
    const member = await newAccount(suite.api, 'member');
    const code = await signIn('/api/v1/auth/oidc/login', verified(member.email), CONSOLE);
    assertError(await suite.api.post(`${team.base}/auth/oidc/exchange`, { code }, { token: null }), 401, 'INVALID_TOKEN');
    const second = await signIn('/api/v1/auth/oidc/login', verified(member.email), CONSOLE);
    assert.equal((await suite.api.post('/api/v1/auth/oidc/exchange', { code: second, mode: 'cookie' }, { token: null })).status, 200);
    assertError(await suite.api.post('/api/v1/auth/oidc/exchange', { code: second }, { token: null }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.post('/api/v1/auth/oidc/exchange', {}, { token: null }), 400, 'INVALID_PAYLOAD');
  });

  it('sends the code only to an allowed return URL', async () => {
    const agent = browser();
    const refused = await agent.get(`${publicUrl}/api/v1/auth/oidc/login?return_to=${encodeURIComponent('https://evil.example/admin')}`);
    assert.equal(refused.status, 400);
    const nested = await agent.get(`${publicUrl}/api/v1/auth/oidc/login?return_to=${encodeURIComponent(`${CONSOLE}/w/team`)}`);
    assert.equal(nested.status, 302);
    assert.ok(nested.headers.get('location')!.startsWith(`${idp.issuer}/auth?`));
  });

  it('refuses an unverified email and links or creates nothing', async () => {
    const member = await newAccount(suite.api, 'member');
    const agent = browser();
    const callback = await atProvider(agent, '/api/v1/auth/oidc/login', { email: member.email, email_verified: false });
    const refused = await agent.get(callback.href);
    assert.equal(refused.status, 403);
    const body = await refused.json();
    assert.equal(body.errors[0].extensions.code, 'FORBIDDEN');
    assert.match(body.errors[0].message, /verified/);
  });

  it('refuses a member without an account while sign-up through single sign-on is off', async () => {
    const email = uniqueEmail('stranger');
    const agent = browser();
    const refused = await agent.get((await atProvider(agent, '/api/v1/auth/oidc/login', verified(email))).href);
    assert.equal(refused.status, 403);
    const superadmin = suite.api.as((await suite.api.post('/api/v1/auth/login', { email: team.owner.email, password: team.owner.password })).body.data.access_token);
    const accounts = await superadmin.get('/api/v1/users');
    assert.equal(accounts.status, 200, accounts.text);
    assert.equal(accounts.body.data.some((account: { email: string }) => account.email === email), false);
  });

  it('refuses a forged state, and a callback in a browser that did not start the sign-in', async () => {
    const member = await newAccount(suite.api, 'member');
    const agent = browser();
    const callback = await atProvider(agent, '/api/v1/auth/oidc/login', verified(member.email));
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    const refused = await agent.get(forged.href);
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).errors[0].extensions.code, 'INVALID_QUERY');
    const elsewhere = await browser().get(callback.href);
    assert.equal(elsewhere.status, 400);
  });

  it('refuses a replayed callback and a replayed authorization code', async () => {
    const member = await newAccount(suite.api, 'member');
    const agent = browser();
    const callback = await atProvider(agent, '/api/v1/auth/oidc/login', verified(member.email));
    assert.equal((await agent.get(callback.href)).status, 302);
    assert.equal((await agent.get(callback.href)).status, 400, 'the same callback again: its state is used up');
    // A new sign-in in the same browser, finished with the code of the first: the provider refuses it.
    const fresh = await atProvider(agent, '/api/v1/auth/oidc/login', verified(member.email));
    const replay = new URL(fresh);
    replay.searchParams.set('code', callback.searchParams.get('code')!);
    const refused = await agent.get(replay.href);
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).errors[0].extensions.code, 'INVALID_CREDENTIALS');
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const member = await newAccount(suite.api, 'member');
    const agent = browser();
    idp.forgedNonce = 'a-nonce-cairn-never-sent';
    const callback = await atProvider(agent, '/api/v1/auth/oidc/login', verified(member.email));
    const refused = await agent.get(callback.href);
    assert.equal(refused.status, 401);
    assert.match((await refused.json()).errors[0].message, /nonce/);
  });

  it('keeps a workspace client secret write-only', async () => {
    const saved = await saveProvider({ issuer: idp.issuer, ...WORKSPACE_CLIENT, allow_signup: true, return_urls: [APP] });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.text.includes(WORKSPACE_CLIENT.client_secret), false);
    assert.deepEqual({ ...saved.body.data, updated_at: undefined }, {
      issuer: idp.issuer,
      client_id: WORKSPACE_CLIENT.client_id,
      client_secret_set: true,
      enabled: true,
      allow_signup: true,
      return_urls: [APP],
      redirect_url: `${publicUrl}/api/v1/w/${team.workspace.id}/auth/oidc/callback`,
      login_url: `${publicUrl}/api/v1/w/${team.workspace.id}/auth/oidc/login`,
      updated_at: undefined,
    });
    const read = await team.api.get(`${team.base}/sso`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.text.includes(WORKSPACE_CLIENT.client_secret), false);
    assert.equal(read.body.data.client_secret_set, true);
    // Saved again without the secret, the stored one is kept (the sign-ins below need it).
    const kept = await saveProvider({ issuer: idp.issuer, client_id: WORKSPACE_CLIENT.client_id, allow_signup: true, return_urls: [APP] });
    assert.equal(kept.body.data.client_secret_set, true);
    const appUser = await newAppUser(suite.api, team.base);
    assertError(await suite.api.get(`${team.base}/sso`, { token: appUser.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.get(`${team.base}/sso`, { token: null }), 401, 'INVALID_CREDENTIALS');
    assertError(await saveProvider({ issuer: 'not a url', client_id: 'x', return_urls: [APP] }), 400, 'INVALID_PAYLOAD');
    assertError(await saveProvider({ issuer: idp.issuer, client_id: 'x', return_urls: [] }), 400, 'INVALID_PAYLOAD');
    const undiscoverable = await saveProvider({ issuer: 'http://127.0.0.1:1/nowhere', client_id: 'x', return_urls: [APP] });
    assertError(undiscoverable, 400, 'INVALID_PAYLOAD');
    assert.equal(undiscoverable.body.errors[0].extensions.field, 'issuer');
  });

  it('signs an app user up on a first sign-in and in again on the next, with the email verified', async () => {
    await ensureWorkspaceProvider();
    const providers = await suite.api.get(`${team.base}/auth/providers`, { token: null });
    assert.equal(providers.body.data.oidc.enabled, true);
    const email = uniqueEmail('sso-app');
    const first = await suite.api.post(`${team.base}/auth/oidc/exchange`, { code: await signIn(`/api/v1/w/${team.workspace.slug}/auth/oidc/login`, verified(email), APP) }, { token: null });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.data.user.email, email);
    assert.equal(first.body.data.user.email_verified, true);
    const me = await suite.api.get(`${team.base}/auth/me`, { token: first.body.data.access_token });
    assert.equal(me.body.data.id, first.body.data.user.id);
    const again = await suite.api.post(`${team.base}/auth/oidc/exchange`, { code: await signIn(`/api/v1/w/${team.workspace.id}/auth/oidc/login`, verified(email), APP) }, { token: null });
    assert.equal(again.body.data.user.id, first.body.data.user.id);
    assertError(await suite.api.post('/api/v1/auth/oidc/exchange', { code: await signIn(`/api/v1/w/${team.workspace.slug}/auth/oidc/login`, verified(email), APP) }, { token: null }), 401, 'INVALID_TOKEN');
  });

  it('links an existing app user by its verified email, and never on an unverified one', async () => {
    await ensureWorkspaceProvider();
    const existing = await newAppUser(suite.api, team.base);
    const linked = await suite.api.post(`${team.base}/auth/oidc/exchange`, { code: await signIn(`/api/v1/w/${team.workspace.slug}/auth/oidc/login`, verified(existing.email), APP) }, { token: null });
    assert.equal(linked.body.data.user.id, existing.id);

    const stranger = uniqueEmail('unverified');
    const agent = browser();
    const callback = await atProvider(agent, `/api/v1/w/${team.workspace.slug}/auth/oidc/login`, { email: stranger, email_verified: false });
    const refused = await agent.get(callback.href);
    assert.equal(refused.status, 403);
    const listed = await team.api.get(`${team.base}/app-users?search=${encodeURIComponent(stranger)}`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.data, []);
  });

  it('asks a member and an app user with MFA for their code after single sign-on, as after a password', async () => {
    const member = await newAccount(suite.api, 'sso-mfa');
    const memberMfa = await enrolMfa(suite.api, '/api/v1/auth', member.accessToken, suite.app);
    const challenged = await suite.api.post('/api/v1/auth/oidc/exchange', { code: await signIn('/api/v1/auth/oidc/login', verified(member.email), CONSOLE) }, { token: null });
    assert.equal(challenged.status, 200, challenged.text);
    assert.equal(challenged.body.data.mfa_required, true);
    assert.equal(challenged.body.data.access_token, undefined, 'no session before the second factor');
    const session = await suite.api.post('/api/v1/auth/mfa/verify', { mfa_token: challenged.body.data.mfa_token, code: currentCode(memberMfa.secret, suite.app.clock) }, { token: null });
    assert.equal(session.status, 200, session.text);
    assert.equal(session.body.data.user.id, member.id);

    await ensureWorkspaceProvider();
    const appUser = await newAppUser(suite.api, team.base);
    const appMfa = await enrolMfa(suite.api, `${team.base}/auth`, appUser.accessToken, suite.app);
    const login = `/api/v1/w/${team.workspace.slug}/auth/oidc/login`;
    const appChallenged = await suite.api.post(`${team.base}/auth/oidc/exchange`, { code: await signIn(login, verified(appUser.email), APP) }, { token: null });
    assert.equal(appChallenged.body.data.mfa_required, true, appChallenged.text);
    assert.equal(appChallenged.body.data.access_token, undefined);
    const appSession = await suite.api.post(`${team.base}/auth/mfa/verify`, { mfa_token: appChallenged.body.data.mfa_token, code: currentCode(appMfa.secret, suite.app.clock) }, { token: null });
    assert.equal(appSession.status, 200, appSession.text);
    assert.equal(appSession.body.data.user.id, appUser.id);
  });

  it('turns a workspace provider off and removes it', async () => {
    await ensureWorkspaceProvider();
    const off = await saveProvider({ issuer: idp.issuer, client_id: WORKSPACE_CLIENT.client_id, enabled: false, return_urls: [APP] });
    assert.equal(off.body.data.enabled, false);
    assertError(await suite.api.get(`${team.base}/auth/oidc/login`, { token: null }), 404, 'NOT_FOUND');
    assert.equal((await team.api.delete(`${team.base}/sso`)).status, 204);
    const none = await team.api.get(`${team.base}/sso`);
    assert.equal(none.status, 200, none.text);
    assert.equal(none.body.data, null, 'a workspace without a provider answers null, not 404');
    assertError(await team.api.delete(`${team.base}/sso`), 404, 'NOT_FOUND');
  });

  it('deletes a workspace with its provider', async () => {
    const doomed = await newOwnedWorkspace(suite.api);
    const saved = await doomed.api.request('PUT', `${doomed.base}/sso`, { body: { issuer: idp.issuer, ...WORKSPACE_CLIENT, return_urls: [APP] } });
    assert.equal(saved.status, 200, saved.text);
    const deleted = await doomed.api.delete(`/api/v1/workspaces/${doomed.workspace.slug}`);
    assert.equal(deleted.status, 204, deleted.text);
    assertError(await suite.api.get(`/api/v1/w/${doomed.workspace.id}/auth/providers`, { token: null }), 404, 'NOT_FOUND');
  });

  /** PUT /w/{ws}/sso as the workspace's owner. */
  function saveProvider(body: Record<string, unknown>) {
    return team.api.request('PUT', `${team.base}/sso`, { body });
  }

  async function ensureWorkspaceProvider(): Promise<void> {
    const saved = await saveProvider({ issuer: idp.issuer, ...WORKSPACE_CLIENT, enabled: true, allow_signup: true, return_urls: [APP] });
    assert.equal(saved.status, 200, saved.text);
  }
});
