import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describeEachDatabase } from '../support/app';
import { RealtimeClient } from '../support/realtime';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { enrolMfa } from '../support/mfa';

const RULES_OFF = { require_mfa_members: false, require_mfa_app_users: false, app_user_magic_links: false };

describeEachDatabase('MFA required by a workspace', { env: { ACCESS_TOKEN_TTL: '1d' } }, (suite) => {
  let ws: OwnedWorkspace;
  let rulesPath: string;
  before(async () => {
    ws = await newOwnedWorkspace(suite.api);
    rulesPath = `/api/v1/workspaces/${ws.workspace.slug}/sign-in`;
    await newCollection(ws.api, ws.base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
    const policy = await ws.api.post(`${ws.base}/policies`, { role: 'authenticated', collection: 'notes', action: 'read', fields: ['*'] });
    assert.equal(policy.status, 201, policy.text);
  });

  it('lets owners and admins read and change the rules, all off at first', async () => {
    assert.deepEqual((await ws.api.get(rulesPath)).body, { data: RULES_OFF });
    const editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, ws.workspace, ws.owner, editor, 'editor');
    assertError(await suite.api.patch(rulesPath, { require_mfa_app_users: true }, { token: editor.accessToken }), 403, 'FORBIDDEN');
    const stranger = await newAccount(suite.api, 'stranger');
    assertError(await suite.api.get(rulesPath, { token: stranger.accessToken }), 404, 'NOT_FOUND');
    assertError(await ws.api.patch(rulesPath, { require_mfa_members: 'yes' }), 400, 'INVALID_PAYLOAD');
    assertError(await ws.api.patch(rulesPath, { unknown_rule: true }), 400, 'INVALID_PAYLOAD');
  });

  it('refuses members without MFA with 403 MFA_REQUIRED, and lets them in once they enrol', async () => {
    // An owner without MFA would lock itself out.
    const refused = await ws.api.patch(rulesPath, { require_mfa_members: true });
    assertError(refused, 403, 'MFA_REQUIRED');
    await enrolMfa(suite.api, '/api/v1/auth', ws.owner.accessToken, suite.app);
    const required = await ws.api.patch(rulesPath, { require_mfa_members: true });
    assert.equal(required.status, 200, required.text);
    assert.deepEqual(required.body.data, { ...RULES_OFF, require_mfa_members: true });

    const member = await newAccount(suite.api, 'member');
    await addMember(suite.api, ws.workspace, ws.owner, member, 'editor');
    const data = await suite.api.get(`${ws.base}/items/notes`, { token: member.accessToken });
    assertError(data, 403, 'MFA_REQUIRED');
    assert.equal(data.body.errors[0].extensions.enrol, '/api/v1/auth/mfa/totp/setup');
    assertError(await suite.api.get(`/api/v1/workspaces/${ws.workspace.slug}`, { token: member.accessToken }), 403, 'MFA_REQUIRED');
    // The WebSocket doors refuse it alike: realtime (with its error, then close code 4403) and GraphQL subscriptions.
    const realtime = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${ws.base}/realtime?access_token=${member.accessToken}`);
    const refusal = await realtime.next();
    assert.equal(refusal.type, 'auth');
    assert.equal(refusal.error.code, 'MFA_REQUIRED');
    assert.equal((await realtime.closed()).code, 4403);
    const subscriptions = createClient({ url: `${suite.app.url.replace('http', 'ws')}${ws.base}/graphql`, webSocketImpl: WebSocket, connectionParams: { access_token: member.accessToken }, retryAttempts: 0, lazy: true });
    const closed = await new Promise<CloseEvent | unknown>((resolve) => {
      subscriptions.subscribe({ query: 'subscription { notes_mutated { event } }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    assert.equal((closed as { code?: number }).code, 4403, 'graphql-ws refuses the connection (Forbidden)');
    await subscriptions.dispose();
    // Outside the workspace the account goes on, and may enrol.
    assert.equal((await suite.api.get('/api/v1/workspaces', { token: member.accessToken })).status, 200);
    await enrolMfa(suite.api, '/api/v1/auth', member.accessToken, suite.app);
    assert.equal((await suite.api.get(`${ws.base}/items/notes`, { token: member.accessToken })).status, 200);
    assert.equal((await ws.api.get(`${ws.base}/items/notes`)).status, 200);

    // A stranger learns nothing of the rules; an API key has no second factor to ask for.
    const stranger = await newAccount(suite.api, 'outsider');
    assertError(await suite.api.get(`${ws.base}/items/notes`, { token: stranger.accessToken }), 404, 'NOT_FOUND');
    const key = await ws.api.post(`/api/v1/workspaces/${ws.workspace.slug}/api-keys`, { name: 'ci', role: 'editor' });
    assert.equal((await suite.api.get(`${ws.base}/items/notes`, { token: key.body.data.key })).status, 200);

    // App users are not members: this rule leaves them be.
    const appUser = await newAppUser(suite.api, ws.base);
    assert.equal((await suite.api.get(`${ws.base}/items/notes`, { token: appUser.accessToken })).status, 200);
  });

  it('refuses app users without MFA with 403 MFA_REQUIRED, and lets them enrol and then in', async () => {
    assert.equal((await ws.api.patch(rulesPath, { require_mfa_app_users: true })).status, 200);
    const appUser = await newAppUser(suite.api, ws.base);
    const refused = await suite.api.get(`${ws.base}/items/notes`, { token: appUser.accessToken });
    assertError(refused, 403, 'MFA_REQUIRED');
    assert.equal(refused.body.errors[0].extensions.enrol, `${ws.base}/auth/mfa/totp/setup`);
    assertError(await suite.api.post(`${ws.base}/graphql`, { query: '{ notes { id } }' }, { token: appUser.accessToken }), 403, 'MFA_REQUIRED');
    // Its own account routes stay open.
    assert.equal((await suite.api.get(`${ws.base}/auth/me`, { token: appUser.accessToken })).status, 200);
    await enrolMfa(suite.api, `${ws.base}/auth`, appUser.accessToken, suite.app);
    assert.equal((await suite.api.get(`${ws.base}/items/notes`, { token: appUser.accessToken })).status, 200);

    // Turned off again, an app user without MFA is let in.
    assert.equal((await ws.api.patch(rulesPath, { require_mfa_app_users: false })).status, 200);
    const later = await newAppUser(suite.api, ws.base);
    assert.equal((await suite.api.get(`${ws.base}/items/notes`, { token: later.accessToken })).status, 200);
  });
});
