import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import { linkIn, readOutbox } from '../support/app-users';
import type { Api } from '../support/http';

interface Session {
  access_token: string;
  refresh_token: string;
  user: { id: string; email: string; role: string };
}

/** App users act through their app role's policies, with $CURRENT_USER as themselves. */
describeEachDatabase('app user policies', { env: { MAIL_TRANSPORT: 'dev' } }, (suite) => {
  let api: Api;
  let base: string;
  let otherBase: string;
  let counter = 0;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    otherBase = (await newOwnedWorkspace(suite.api)).base;
  });

  /** Registers an app user of the workspace and signs it in. */
  async function appUser(): Promise<Session & { api: Api }> {
    const email = `reader${++counter}-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const registered = await suite.api.post(`${base}/auth/register`, { email, password });
    assert.equal(registered.status, 201, registered.text);
    const login = await suite.api.post(`${base}/auth/login`, { email, password });
    assert.equal(login.status, 200, login.text);
    return { ...login.body.data, api: suite.api.as(login.body.data.access_token) };
  }

  it('lets app users edit their own posts while everybody reads the published ones', async () => {
    await newCollection(api, base, {
      collection: 'stories',
      fields: [{ field: 'title', type: 'string' }, { field: 'published', type: 'boolean', default: false }, { field: 'owner', type: 'uuid' }],
    });
    for (const policy of [
      { role: 'public', action: 'read', filter: { published: { _eq: true } }, fields: ['title', 'published'] },
      { role: 'authenticated', action: 'read', filter: { _or: [{ published: { _eq: true } }, { owner: { _eq: '$CURRENT_USER' } }] }, fields: ['title', 'published', 'owner'] },
      { role: 'authenticated', action: 'create', fields: ['title', 'published'], presets: { owner: '$CURRENT_USER' } },
      { role: 'authenticated', action: 'update', filter: { owner: { _eq: '$CURRENT_USER' } }, fields: ['title', 'published'] },
    ]) {
      const response = await api.post(`${base}/policies`, { collection: 'stories', ...policy });
      assert.equal(response.status, 201, response.text);
    }
    const ann = await appUser();
    const bob = await appUser();
    const draft = await ann.api.post(`${base}/items/stories`, { title: 'Ann draft' });
    assert.equal(draft.status, 200, draft.text);
    assert.equal(draft.body.data.owner, ann.user.id);
    const story = await ann.api.post(`${base}/items/stories`, { title: 'Ann story', published: true });
    assertError(await ann.api.post(`${base}/items/stories`, { title: 'Forged', owner: bob.user.id }), 403, 'FORBIDDEN');

    assert.deepEqual((await ann.api.get(`${base}/items/stories?fields=title&sort=id`)).body.data.map((s: { title: string }) => s.title), ['Ann draft', 'Ann story']);
    assert.deepEqual((await bob.api.get(`${base}/items/stories?fields=title`)).body.data.map((s: { title: string }) => s.title), ['Ann story']);
    assertError(await bob.api.get(`${base}/items/stories/${draft.body.data.id}`), 404, 'NOT_FOUND');
    assert.deepEqual((await suite.api.get(`${base}/items/stories?fields=title`)).body.data.map((s: { title: string }) => s.title), ['Ann story']);

    assertError(await bob.api.patch(`${base}/items/stories/${story.body.data.id}`, { title: 'Defaced' }), 404, 'NOT_FOUND');
    const edited = await ann.api.patch(`${base}/items/stories/${story.body.data.id}`, { title: 'Ann story, edited' });
    assert.equal(edited.body.data.title, 'Ann story, edited');
    assertError(await ann.api.patch(`${base}/items/stories/${story.body.data.id}`, { owner: bob.user.id }), 403, 'FORBIDDEN');
    assertError(await bob.api.delete(`${base}/items/stories/${story.body.data.id}`), 403, 'FORBIDDEN');
  });

  it('grants a policy that asks for a verified email only once the app user has verified it', async () => {
    await newCollection(api, base, { collection: 'perks', fields: [{ field: 'name', type: 'string' }] });
    await api.post(`${base}/items/perks`, { name: 'Early access' });
    const policy = await api.post(`${base}/policies`, { role: 'authenticated', collection: 'perks', action: 'read', verified_email: true });
    assert.equal(policy.status, 201, policy.text);
    assert.equal(policy.body.data.verified_email, true);
    const user = await appUser();
    assertError(await user.api.get(`${base}/items/perks`), 403, 'FORBIDDEN');
    assert.equal((await user.api.post(`${base}/auth/email/request-verification`)).status, 204);
    const [mail] = await readOutbox(api, base);
    assert.equal(mail.to, user.user.email);
    assert.equal((await suite.api.post(`${base}/auth/email/verify`, { token: linkIn(mail).token })).status, 204);
    const perks = await user.api.get(`${base}/items/perks?fields=name`);
    assert.equal(perks.status, 200, perks.text);
    assert.deepEqual(perks.body.data.map((p: { name: string }) => p.name), ['Early access']);
  });

  it('refuses a role given in the sign-up body (mass assignment)', async () => {
    const signup = await suite.api.post(`${base}/auth/register`, { email: `climber-${Date.now()}@example.com`, password: 'correct horse battery', role: 'admin' });
    assertError(signup, 400, 'INVALID_PAYLOAD');
    assert.equal(signup.body.errors[0].extensions.field, 'role');
  });

  it("refuses an app user's token on the items of another workspace", async () => {
    const user = await appUser();
    assertError(await user.api.get(`${otherBase}/items/stories`), 401, 'INVALID_TOKEN');
    assertError(await user.api.get(`${otherBase}/openapi.json`), 401, 'INVALID_TOKEN');
  });
});
