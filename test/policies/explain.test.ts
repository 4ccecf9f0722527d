import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api, ApiResponse } from '../support/http';
import { documentsUnderPolicies, Principal, PRINCIPALS, principalsOf } from './documents.fixture';

const BY_POLICY: Principal[] = ['app user', 'anonymous'];

/** Whether each principal may, as the permission matrix has it: members by role (viewers only read), app roles by policy. */
function allowedFor(members: boolean, viewers: boolean, byPolicy: boolean): Record<Principal, boolean> {
  return { owner: members, admin: members, editor: members, viewer: viewers, 'editor key': members, 'viewer key': viewers, 'app user': byPolicy, anonymous: byPolicy };
}

/** One case of the permission matrix: what explain is asked, the real request, who may, and the policy a refusal names. */
interface MatrixCase {
  name: string;
  /** The status of the document the case needs, if any. */
  item?: 'draft' | 'published';
  explain: (id: number | undefined) => Record<string, unknown>;
  real: (api: Api, id: number | undefined) => Promise<ApiResponse>;
  allowed: Record<Principal, boolean>;
  /** The policy (by action) an app role's refusal must name. */
  namedPolicy?: 'read' | 'create' | 'update' | 'delete';
}

/**
 * The explain endpoint against the real requests: for every case of the permission matrix and every
 * principal kind, explain's verdict is the real request's (allowed ⇔ 2xx), and an app role's refusal
 * names the policy that decided it. Explain is for owners and admins only, and writes nothing.
 */
describeEachDatabase('explain', {}, (suite) => {
  const callers = {} as Record<Principal, Api>;
  const as = {} as Record<Principal, Record<string, unknown>>;
  const policyIds = {} as Record<string, string>;
  let owner: Api;
  let base: string;
  let appUserId: string;

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    ({ api: owner, base } = owned);
    const principals = await principalsOf(suite.api, owned);
    Object.assign(callers, principals.callers);
    Object.assign(as, principals.as);
    appUserId = principals.appUserId;
    Object.assign(policyIds, await documentsUnderPolicies(owner, base));
  });

  async function documentWith(status: string): Promise<number> {
    const created = await owner.post(`${base}/items/documents`, { title: `A ${status} one`, status, secret: 's' });
    assert.equal(created.status, 200, created.text);
    return created.body.data.id;
  }

  async function explain(body: Record<string, unknown>, api: Api = owner): Promise<ApiResponse> {
    return api.post(`${base}/explain`, { collection: 'documents', ...body });
  }

  const cases: MatrixCase[] = [
    { name: 'list', explain: () => ({ action: 'read' }), real: (api) => api.get(`${base}/items/documents`), allowed: allowedFor(true, true, true) },
    {
      name: 'read a published one',
      item: 'published',
      explain: (id) => ({ action: 'read', id }),
      real: (api, id) => api.get(`${base}/items/documents/${id}`),
      allowed: allowedFor(true, true, true),
    },
    {
      name: 'read a draft (row hidden)',
      item: 'draft',
      explain: (id) => ({ action: 'read', id }),
      real: (api, id) => api.get(`${base}/items/documents/${id}`),
      allowed: allowedFor(true, true, false),
      namedPolicy: 'read',
    },
    {
      name: 'filter by secret (field hidden)',
      explain: () => ({ action: 'read', fields: ['secret'] }),
      real: (api) => api.get(`${base}/items/documents?filter[secret][_eq]=s`),
      allowed: allowedFor(true, true, false),
      namedPolicy: 'read',
    },
    {
      name: 'create with a title',
      explain: () => ({ action: 'create', data: { title: 'New' } }),
      real: (api) => api.post(`${base}/items/documents`, { title: 'New' }),
      allowed: allowedFor(true, false, true),
    },
    {
      name: 'create with a secret (field not writable)',
      explain: () => ({ action: 'create', data: { title: 'New', secret: 'x' } }),
      real: (api) => api.post(`${base}/items/documents`, { title: 'New', secret: 'x' }),
      allowed: allowedFor(true, false, false),
      namedPolicy: 'create',
    },
    {
      name: 'retitle a draft',
      item: 'draft',
      explain: (id) => ({ action: 'update', id, data: { title: 'Renamed' } }),
      real: (api, id) => api.patch(`${base}/items/documents/${id}`, { title: 'Renamed' }),
      allowed: allowedFor(true, false, true),
    },
    {
      name: 'retitle a published one (row out of reach)',
      item: 'published',
      explain: (id) => ({ action: 'update', id, data: { title: 'Renamed' } }),
      real: (api, id) => api.patch(`${base}/items/documents/${id}`, { title: 'Renamed' }),
      allowed: allowedFor(true, false, false),
      namedPolicy: 'update',
    },
    {
      name: "change a draft's secret (field not writable)",
      item: 'draft',
      explain: (id) => ({ action: 'update', id, data: { secret: 'y' } }),
      real: (api, id) => api.patch(`${base}/items/documents/${id}`, { secret: 'y' }),
      allowed: allowedFor(true, false, false),
      namedPolicy: 'update',
    },
    {
      name: 'delete a draft',
      item: 'draft',
      explain: (id) => ({ action: 'delete', id }),
      real: (api, id) => api.delete(`${base}/items/documents/${id}`),
      allowed: allowedFor(true, false, true),
    },
    {
      name: 'delete a published one (row out of reach)',
      item: 'published',
      explain: (id) => ({ action: 'delete', id }),
      real: (api, id) => api.delete(`${base}/items/documents/${id}`),
      allowed: allowedFor(true, false, false),
      namedPolicy: 'delete',
    },
  ];

  for (const matrixCase of cases) {
    it(`agrees with the real request: ${matrixCase.name}`, async () => {
      for (const principal of PRINCIPALS) {
        const id = matrixCase.item ? await documentWith(matrixCase.item) : undefined;
        const explained = await explain({ as: as[principal], ...matrixCase.explain(id) });
        assert.equal(explained.status, 200, `${principal}: ${explained.text}`);
        const verdict = explained.body.data;
        const real = await matrixCase.real(callers[principal], id);
        const succeeded = real.status >= 200 && real.status < 300;
        const label = `${matrixCase.name}, ${principal}: explain said ${JSON.stringify(verdict)}; the request answered ${real.status} ${real.text}`;
        assert.equal(verdict.allowed, succeeded, label);
        assert.equal(verdict.allowed, matrixCase.allowed[principal], label);
        assert.equal(typeof verdict.reason, 'string', label);
        if (!verdict.allowed && matrixCase.namedPolicy && BY_POLICY.includes(principal)) {
          const role = principal === 'anonymous' ? 'public' : 'authenticated';
          assert.ok(verdict.reason.includes(policyIds[`${role}:${matrixCase.namedPolicy}`]), `the reason names the ${matrixCase.namedPolicy} policy: ${label}`);
        }
      }
    });
  }

  it('names the rule: member role, API key scope, or the app role policy', async () => {
    const viewer = (await explain({ as: as.viewer, action: 'create' })).body.data;
    assert.deepEqual(viewer.rule, { kind: 'member_role', role: 'viewer' });
    assert.match(viewer.reason, /This needs the editor role or higher in the workspace\./);
    const key = (await explain({ as: as['viewer key'], action: 'delete' })).body.data;
    assert.deepEqual(key.rule, { kind: 'api_key_scope', role: 'viewer' });
    const reader = (await explain({ as: as['app user'], action: 'read' })).body.data;
    assert.equal(reader.rule.kind, 'policy');
    assert.equal(reader.rule.policy.id, policyIds['authenticated:read']);
    assert.deepEqual(reader.rule.policy.filter, { status: { _eq: 'published' } });
  });

  it('lists the readable fields, and why each other one is hidden', async () => {
    const member = (await explain({ as: as.editor, action: 'read' })).body.data;
    assert.deepEqual(member.fields.hidden, []);
    assert.ok(member.fields.readable.includes('secret'));
    const app = (await explain({ as: { app_role: 'authenticated' }, action: 'read' })).body.data;
    assert.deepEqual([...app.fields.readable].sort(), ['id', 'status', 'title']);
    const hidden = app.fields.hidden as Array<{ field: string; reason: string }>;
    assert.deepEqual(hidden.map((field) => field.field).sort(), ['created_at', 'created_by', 'secret', 'updated_at', 'updated_by']);
    for (const field of hidden) assert.ok(field.reason.includes(policyIds['authenticated:read']), field.reason);
  });

  it('names the policy whose filter hides a row, for an app role as for an app user', async () => {
    const id = await documentWith('draft');
    const verdict = (await explain({ as: { app_role: 'authenticated' }, action: 'read', id })).body.data;
    assert.equal(verdict.allowed, false);
    assert.deepEqual({ exists: verdict.item.exists, visible: verdict.item.visible }, { exists: true, visible: false });
    assert.match(verdict.item.reason, /^Row hidden: policy /);
    assert.ok(verdict.item.reason.includes(policyIds['authenticated:read']));
    assert.ok(verdict.item.reason.includes('{"status":{"_eq":"published"}}'), verdict.item.reason);
    // A named policy is named by its name.
    const readPolicy = `${base}/policies/${policyIds['authenticated:read']}`;
    assert.equal((await owner.patch(readPolicy, { name: 'read published' })).status, 200);
    const named = (await explain({ as: { app_role: 'authenticated' }, action: 'read', id })).body.data;
    assert.match(named.item.reason, /^Row hidden: policy "read published" \(authenticated may read "documents"\) filters \{"status":\{"_eq":"published"\}\}/);
    assert.equal((await owner.patch(readPolicy, { name: null })).status, 200);
    const missing = (await explain({ as: as.owner, action: 'read', id: 999999 })).body.data;
    assert.deepEqual({ allowed: missing.allowed, exists: missing.item.exists }, { allowed: false, exists: false });
  });

  it("shows a write's data with the presets forced on, and what the role may set", async () => {
    const verdict = (await explain({ as: as['app user'], action: 'create', data: { title: 'Mine' } })).body.data;
    assert.equal(verdict.allowed, true, JSON.stringify(verdict));
    assert.deepEqual(verdict.fields.writable, ['title']);
    assert.deepEqual(verdict.fields.presets, { status: 'draft' });
    assert.equal(verdict.data.values.status, 'draft');
  });

  it("names a policy's validation that refuses a write, as the real request refuses it", async () => {
    await newCollection(owner, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
    const policy = await owner.post(`${base}/policies`, { role: 'authenticated', collection: 'notes', action: 'create', validation: { body: { min_length: 5 } } });
    assert.equal(policy.status, 201, policy.text);
    const verdict = (await explain({ as: as['app user'], collection: 'notes', action: 'create', data: { body: 'abc' } })).body.data;
    assert.equal(verdict.allowed, false);
    assert.deepEqual({ code: verdict.data.code, field: verdict.data.field }, { code: 'VALIDATION_FAILED', field: 'body' });
    assert.ok(verdict.reason.includes(policy.body.data.id), verdict.reason);
    const real = await callers['app user'].post(`${base}/items/notes`, { body: 'abc' });
    assertError(real, 422, 'VALIDATION_FAILED');
    const fine = (await explain({ as: as['app user'], collection: 'notes', action: 'create', data: { body: 'long enough' } })).body.data;
    assert.equal(fine.allowed, true, JSON.stringify(fine));
  });

  it('names a policy that asks for a verified email, and a suspended app user, as the real requests refuse them', async () => {
    await newCollection(owner, base, { collection: 'letters', fields: [{ field: 'body', type: 'string' }] });
    const policy = await owner.post(`${base}/policies`, { role: 'authenticated', collection: 'letters', action: 'read', verified_email: true });
    assert.equal(policy.status, 201, policy.text);
    const unverified = (await explain({ as: as['app user'], collection: 'letters', action: 'read' })).body.data;
    assert.deepEqual({ allowed: unverified.allowed, kind: unverified.rule.kind, id: unverified.rule.policy.id }, { allowed: false, kind: 'verified_email', id: policy.body.data.id });
    assertError(await callers['app user'].get(`${base}/items/letters`), 403, 'FORBIDDEN');

    const suspended = await newAppUser(suite.api, base, 'suspended');
    const patched = await owner.patch(`${base}/app-users/${suspended.id}`, { status: 'suspended' });
    assert.equal(patched.status, 200, patched.text);
    const verdict = (await explain({ as: { app_user: suspended.id }, action: 'read' })).body.data;
    assert.deepEqual({ allowed: verdict.allowed, kind: verdict.rule.kind }, { allowed: false, kind: 'suspended' });
    const real = await suite.api.as(suspended.accessToken).get(`${base}/items/documents`);
    assert.equal(real.status, 401, real.text);
  });

  it('holds the row a write would leave to the policy filter, presets and system fields included, as the real write does', async () => {
    const policies: Record<string, string> = {};
    const addPolicy = async (collection: string, action: string, policy: Record<string, unknown>) => {
      const response = await owner.post(`${base}/policies`, { role: 'authenticated', collection, action, ...policy });
      assert.equal(response.status, 201, response.text);
      policies[`${collection}:${action}`] = response.body.data.id;
    };
    const open = { status: { _eq: 'open' } };
    const mine = { created_by: { _eq: '$CURRENT_USER' } };
    await newCollection(owner, base, { collection: 'tickets', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] });
    await addPolicy('tickets', 'read', {});
    await addPolicy('tickets', 'create', { fields: ['title', 'status'], filter: open });
    await addPolicy('tickets', 'update', { fields: ['title', 'status'], filter: open });
    await newCollection(owner, base, { collection: 'stamped', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] });
    await addPolicy('stamped', 'create', { fields: ['title'], presets: { status: 'closed' }, filter: open });
    await newCollection(owner, base, { collection: 'owned', fields: [{ field: 'title', type: 'string' }] });
    await addPolicy('owned', 'read', {});
    await addPolicy('owned', 'create', { fields: ['title'], filter: mine });
    await addPolicy('owned', 'update', { fields: ['title'], filter: mine });
    const user = callers['app user'];
    const openTicket = async () => (await owner.post(`${base}/items/tickets`, { title: 'Open', status: 'open' })).body.data.id as number;
    const ownedOne = async () => (await user.post(`${base}/items/owned`, { title: 'Mine' })).body.data.id as number;

    const cases: Array<[string, () => Promise<{ body: Record<string, unknown>; real: () => Promise<ApiResponse> }>, boolean, string | null]> = [
      ['create an open ticket', async () => ({ body: { collection: 'tickets', action: 'create', data: { title: 'T', status: 'open' } }, real: () => user.post(`${base}/items/tickets`, { title: 'T', status: 'open' }) }), true, null],
      ['create a closed ticket', async () => ({ body: { collection: 'tickets', action: 'create', data: { title: 'T', status: 'closed' } }, real: () => user.post(`${base}/items/tickets`, { title: 'T', status: 'closed' }) }), false, 'tickets:create'],
      ['retitle an open ticket', async () => {
        const id = await openTicket();
        return { body: { collection: 'tickets', action: 'update', id, data: { title: 'R' } }, real: () => user.patch(`${base}/items/tickets/${id}`, { title: 'R' }) };
      }, true, null],
      ['close an open ticket', async () => {
        const id = await openTicket();
        return { body: { collection: 'tickets', action: 'update', id, data: { status: 'closed' } }, real: () => user.patch(`${base}/items/tickets/${id}`, { status: 'closed' }) };
      }, false, 'tickets:update'],
      ['create where a preset leaves the filter', async () => ({ body: { collection: 'stamped', action: 'create', data: { title: 'S' } }, real: () => user.post(`${base}/items/stamped`, { title: 'S' }) }), false, 'stamped:create'],
      ['create one of my own', async () => ({ body: { collection: 'owned', action: 'create', data: { title: 'O' } }, real: () => user.post(`${base}/items/owned`, { title: 'O' }) }), true, null],
      ['retitle one of my own', async () => {
        const id = await ownedOne();
        return { body: { collection: 'owned', action: 'update', id, data: { title: 'P' } }, real: () => user.patch(`${base}/items/owned/${id}`, { title: 'P' }) };
      }, true, null],
    ];
    for (const [name, prepare, allowed, policy] of cases) {
      const { body, real } = await prepare();
      const explained = await explain({ as: as['app user'], ...body });
      assert.equal(explained.status, 200, `${name}: ${explained.text}`);
      const verdict = explained.body.data;
      const answer = await real();
      const label = `${name}: explain said ${JSON.stringify(verdict)}; the request answered ${answer.status} ${answer.text}`;
      assert.equal(verdict.allowed, answer.status >= 200 && answer.status < 300, label);
      assert.equal(verdict.allowed, allowed, label);
      if (policy) {
        assert.equal(answer.status, 403, label);
        assert.equal(verdict.data.within, false, label);
        assert.ok(verdict.reason.includes(policies[policy]), label);
      } else {
        assert.equal(verdict.data.within, true, label);
      }
    }
  });

  it('writes nothing', async () => {
    const id = await documentWith('draft');
    const count = async () => (await owner.get(`${base}/items/documents?aggregate[count]=*`)).body.data[0].count;
    const before = await count();
    for (const body of [
      { action: 'create', data: { title: 'Not made' } },
      { action: 'update', id, data: { title: 'Not renamed' } },
      { action: 'delete', id },
    ]) {
      for (const principal of ['owner', 'app user'] as const) {
        const explained = await explain({ as: as[principal], ...body });
        assert.equal(explained.status, 200, explained.text);
        assert.equal(explained.body.data.allowed, true, explained.text);
      }
    }
    assert.equal(await count(), before);
    const kept = await owner.get(`${base}/items/documents/${id}`);
    assert.equal(kept.body.data.title, 'A draft one', kept.text);
  });

  it('is for owners and admins: editors, viewers, API keys and app users get 403, anonymous callers 401', async () => {
    const body = { as: { anonymous: true }, action: 'read' };
    assert.equal((await explain(body, callers.admin)).status, 200);
    for (const principal of ['editor', 'viewer', 'editor key', 'viewer key', 'app user'] as const) {
      assertError(await explain(body, callers[principal]), 403, 'FORBIDDEN');
    }
    const anonymous = await explain(body, callers.anonymous);
    assert.equal(anonymous.status, 401, anonymous.text);
  });

  it('answers bad input with 400 naming the culprit, and unknown collections, app users and keys with 404', async () => {
    const culprit = async (body: Record<string, unknown>, status: number, code: string, field?: string) => {
      const response = await explain(body);
      assertError(response, status, code);
      if (field) assert.equal(response.body.errors[0].extensions.field, field, response.text);
    };
    await culprit({ as: { member_role: 'viewer' }, collection: 'nowhere', action: 'read' }, 404, 'NOT_FOUND');
    await culprit({ as: { app_user: '00000000-0000-4000-8000-000000000000' }, action: 'read' }, 404, 'NOT_FOUND');
    await culprit({ as: { api_key: '00000000-0000-4000-8000-000000000000' }, action: 'read' }, 404, 'NOT_FOUND');
    await culprit({ as: { app_role: 'nobody' }, action: 'read' }, 404, 'NOT_FOUND');
    await culprit({ as: { superuser: true }, action: 'read' }, 400, 'INVALID_PAYLOAD', 'as');
    await culprit({ as: { member_role: 'king' }, action: 'read' }, 400, 'INVALID_PAYLOAD', 'as.member_role');
    await culprit({ as: { app_user: appUserId }, action: 'browse' }, 400, 'INVALID_PAYLOAD', 'action');
    await culprit({ as: { app_user: appUserId }, action: 'create', data: { nope: 1 } }, 400, 'INVALID_PAYLOAD', 'data.nope');
    await culprit({ as: { app_user: appUserId }, action: 'read', fields: ['title', 'nope'] }, 400, 'INVALID_PAYLOAD', 'fields.1');
    await culprit({ as: { app_user: appUserId }, action: 'read', id: 'not a key' }, 400, 'INVALID_PAYLOAD', 'id');
    await culprit({ as: { app_user: appUserId }, action: 'delete', data: { title: 'x' } }, 400, 'INVALID_PAYLOAD', 'data');
  });
});
