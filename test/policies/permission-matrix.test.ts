import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { addMember, newAccount, newOwnedWorkspace } from '../support/factories';
import type { Api, ApiResponse } from '../support/http';

type Principal = 'owner' | 'admin' | 'editor' | 'viewer' | 'editor key' | 'viewer key' | 'app user' | 'anonymous';
const PRINCIPALS: Principal[] = ['owner', 'admin', 'editor', 'viewer', 'editor key', 'viewer key', 'app user', 'anonymous'];

/** An expected answer: a status, and for errors the code; for reads of one item, the fields it shows. */
type Expected = number | [number, string] | { status: 200; fields: string[] };

const ALL_FIELDS = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'title', 'status', 'secret'];
const PUBLIC_FIELDS = ['id', 'title', 'status'];
const FORBIDDEN: [number, string] = [403, 'FORBIDDEN'];
const NOT_FOUND: [number, string] = [404, 'NOT_FOUND'];
const INVALID_QUERY: [number, string] = [400, 'INVALID_QUERY'];

/**
 * Members by their role, API keys by theirs; app users (role authenticated) and anonymous callers (role
 * public) by the policies set below, the same for both roles.
 */
function expect(members: Expected, writers: boolean, byPolicy: Expected): Record<Principal, Expected> {
  const write = (expected: Expected) => (writers ? expected : FORBIDDEN);
  return { owner: members, admin: members, editor: members, viewer: write(members), 'editor key': members, 'viewer key': write(members), 'app user': byPolicy, anonymous: byPolicy };
}

/**
 * Every principal kind × every action × allowed, row-forbidden and field-forbidden. The public and
 * authenticated roles may read published documents (title and status), create them as drafts (title
 * only), and change or delete drafts (title only). Members and API keys act by their workspace role.
 */
describeEachDatabase('permission matrix', {}, (suite) => {
  const apis = {} as Record<Principal, Api>;
  let owner: Api;
  let base: string;

  before(async () => {
    const { owner: account, workspace, api, base: path } = await newOwnedWorkspace(suite.api);
    owner = api;
    base = path;
    apis.owner = api;
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, workspace, account, member, role);
      apis[role] = suite.api.as(member.accessToken);
    }
    for (const role of ['editor', 'viewer'] as const) {
      const key = await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: role, role });
      assert.equal(key.status, 201, key.text);
      apis[`${role} key`] = suite.api.as(key.body.data.key);
    }
    apis.anonymous = suite.api.as(null);
    const appUser = await suite.api.post(`${base}/auth/register`, { email: `reader-${Date.now()}@example.com`, password: 'app user password' });
    assert.equal(appUser.status, 201, appUser.text);
    apis['app user'] = suite.api.as(appUser.body.data.access_token);
    const created = await api.post(`${base}/collections`, {
      collection: 'documents',
      fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }],
    });
    assert.equal(created.status, 201, created.text);
    const draft = { status: { _eq: 'draft' } };
    for (const policy of [
      { action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status'] },
      { action: 'create', fields: ['title'], presets: { status: 'draft' } },
      { action: 'update', filter: draft, fields: ['title'] },
      { action: 'delete', filter: draft },
    ]) {
      for (const role of ['public', 'authenticated']) {
        const response = await api.post(`${base}/policies`, { role, collection: 'documents', ...policy });
        assert.equal(response.status, 201, response.text);
      }
    }
  });

  async function documentWith(status: string): Promise<number> {
    const created = await owner.post(`${base}/items/documents`, { title: `A ${status} one`, status, secret: 's' });
    assert.equal(created.status, 200, created.text);
    return created.body.data.id;
  }

  const cases: Array<[string, (api: Api) => Promise<ApiResponse>, Record<Principal, Expected>]> = [
    ['list (allowed)', (api) => api.get(`${base}/items/documents`), expect(200, true, 200)],
    ['read a published one (allowed)', async (api) => api.get(`${base}/items/documents/${await documentWith('published')}`), expect({ status: 200, fields: ALL_FIELDS }, true, { status: 200, fields: PUBLIC_FIELDS })],
    ['read a draft (row-forbidden)', async (api) => api.get(`${base}/items/documents/${await documentWith('draft')}`), expect({ status: 200, fields: ALL_FIELDS }, true, NOT_FOUND)],
    ['filter by secret (field-forbidden)', (api) => api.get(`${base}/items/documents?filter[secret][_eq]=s`), expect(200, true, INVALID_QUERY)],
    ['create with a title (allowed)', (api) => api.post(`${base}/items/documents`, { title: 'New' }), expect(200, false, 200)],
    ['create with a secret (field-forbidden)', (api) => api.post(`${base}/items/documents`, { title: 'New', secret: 'x' }), expect(200, false, FORBIDDEN)],
    ['retitle a draft (allowed)', async (api) => api.patch(`${base}/items/documents/${await documentWith('draft')}`, { title: 'Renamed' }), expect(200, false, 200)],
    ['retitle a published one (row-forbidden)', async (api) => api.patch(`${base}/items/documents/${await documentWith('published')}`, { title: 'Renamed' }), expect(200, false, NOT_FOUND)],
    ['change a draft\'s secret (field-forbidden)', async (api) => api.patch(`${base}/items/documents/${await documentWith('draft')}`, { secret: 'y' }), expect(200, false, FORBIDDEN)],
    ['delete a draft (allowed)', async (api) => api.delete(`${base}/items/documents/${await documentWith('draft')}`), expect(204, false, 204)],
    ['delete a published one (row-forbidden)', async (api) => api.delete(`${base}/items/documents/${await documentWith('published')}`), expect(204, false, NOT_FOUND)],
  ];

  for (const [action, call, expectations] of cases) {
    it(action, async () => {
      for (const principal of PRINCIPALS) {
        const response = await call(apis[principal]);
        const expected = expectations[principal];
        const label = `${principal}: ${response.text}`;
        if (typeof expected === 'number') {
          assert.equal(response.status, expected, label);
        } else if (Array.isArray(expected)) {
          assert.equal(response.status, expected[0], label);
          assert.equal(response.body?.errors?.[0]?.extensions?.code, expected[1], label);
        } else {
          assert.equal(response.status, expected.status, label);
          assert.deepEqual(Object.keys(response.body.data), expected.fields, label);
        }
      }
    });
  }
});
