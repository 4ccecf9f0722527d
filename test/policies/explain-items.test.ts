import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { Principal, PRINCIPALS as ALL_PRINCIPALS, principalsOf } from './documents.fixture';

/** Every principal but the admin, who is the one asking. */
const PRINCIPALS: Principal[] = ALL_PRINCIPALS.filter((principal) => principal !== 'admin');

/** One read of the matrix: the query as `POST /explain/items` takes it, and the same as GET /items' query string. */
interface ReadCase {
  name: string;
  query: Record<string, unknown>;
  queryString: string;
}

const READS: ReadCase[] = [
  { name: 'every item', query: { sort: 'id' }, queryString: 'sort=id' },
  { name: 'a filter, a sort and a page', query: { filter: { title: { _contains: 'one' } }, sort: '-id', limit: 2, offset: 1 }, queryString: `filter=${encodeURIComponent('{"title":{"_contains":"one"}}')}&sort=-id&limit=2&offset=1` },
  { name: 'some fields and a search', query: { fields: ['id', 'title'], search: 'published', sort: 'id' }, queryString: 'fields=id,title&search=published&sort=id' },
];

/**
 * `POST /explain/items` against the real reads: for several principals of the permission matrix, the
 * rows and counts it answers are those the principal's own GET /items answers, through the same reader
 * and policy. Owners and admins only; it writes nothing.
 */
describeEachDatabase('explain items', {}, (suite) => {
  const callers = {} as Record<Principal, Api>;
  const as = {} as Record<Principal, Record<string, unknown>>;
  let owner: Api;
  let admin: Api;
  let base: string;
  let readPolicyId: string;

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const api = owned.api;
    ({ api: owner, base } = owned);
    const principals = await principalsOf(suite.api, owned);
    Object.assign(callers, principals.callers);
    Object.assign(as, principals.as);
    admin = principals.callers.admin;
    await newCollection(api, base, {
      collection: 'documents',
      fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }],
    });
    const read = await api.post(`${base}/policies`, { role: 'authenticated', collection: 'documents', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status'] });
    assert.equal(read.status, 201, read.text);
    readPolicyId = read.body.data.id;
    for (const [title, status] of [['A draft one', 'draft'], ['A published one', 'published'], ['Another published one', 'published'], ['Second draft', 'draft'], ['Third published', 'published']]) {
      const created = await api.post(`${base}/items/documents`, { title, status, secret: 's' });
      assert.equal(created.status, 200, created.text);
    }
  });

  const view = (body: Record<string, unknown>, api: Api = owner) => api.post(`${base}/explain/items`, { collection: 'documents', ...body });

  for (const read of READS) {
    it(`answers what the real GET /items answers: ${read.name}`, async () => {
      for (const principal of PRINCIPALS) {
        const viewed = await view({ as: as[principal], query: read.query });
        assert.equal(viewed.status, 200, `${principal}: ${viewed.text}`);
        const real = await callers[principal].get(`${base}/items/documents?${read.queryString}&meta=total_count,filter_count`);
        const label = `${read.name}, ${principal}: view ${viewed.text}; real ${real.status} ${real.text}`;
        if (real.status === 200) {
          assert.equal(viewed.body.access.allowed, true, label);
          assert.deepEqual(viewed.body.data, real.body.data, label);
          assert.deepEqual(viewed.body.meta, real.body.meta, label);
        } else {
          // Anonymous callers have no read policy here: refused, with no rows and the reason.
          assert.equal(real.status, 403, label);
          assert.equal(viewed.body.access.allowed, false, label);
          assert.deepEqual(viewed.body.data, [], label);
          assert.match(viewed.body.access.reason, /public has no read policy/, label);
        }
      }
    });
  }

  it('reads as an app role as its app users read, and lists the hidden fields with the policy that hides them', async () => {
    const asRole = await view({ as: { app_role: 'authenticated' }, query: { sort: 'id' } });
    assert.equal(asRole.status, 200, asRole.text);
    const real = await callers['app user'].get(`${base}/items/documents?sort=id`);
    assert.deepEqual(asRole.body.data, real.body.data);
    assert.ok(asRole.body.data.length > 0 && asRole.body.data.every((row: Record<string, unknown>) => row.status === 'published' && !('secret' in row)), asRole.text);
    const secret = asRole.body.hidden_fields.find((hidden: { field: string }) => hidden.field === 'secret');
    assert.ok(secret?.reason.includes(readPolicyId), asRole.text);
    assert.equal(asRole.body.access.rule.kind, 'policy');
    assert.equal(asRole.body.access.rule.policy.id, readPolicyId);
    const member = await view({ as: { member_role: 'viewer' } });
    assert.deepEqual(member.body.hidden_fields, []);
    assert.equal(member.body.meta.total_count, 5);
  });

  it('writes nothing and is for owners and admins: editors, viewers, API keys and app users get 403, anonymous callers 401', async () => {
    const body = { as: { anonymous: true } };
    assert.equal((await view(body, admin)).status, 200);
    for (const principal of ['editor', 'viewer', 'editor key', 'viewer key', 'app user'] as const) {
      assertError(await view(body, callers[principal]), 403, 'FORBIDDEN');
    }
    const anonymous = await view(body, callers.anonymous);
    assert.equal(anonymous.status, 401, anonymous.text);
    const count = await owner.get(`${base}/items/documents?meta=total_count&limit=1`);
    assert.equal(count.body.meta.total_count, 5);
  });

  it('answers bad input with 400 naming the culprit, and an unknown collection or principal with 404', async () => {
    const culprit = async (body: Record<string, unknown>, status: number, code: string, field?: string) => {
      const response = await view(body);
      assertError(response, status, code);
      const { extensions } = response.body.errors[0];
      if (field) assert.equal(code === 'INVALID_QUERY' ? extensions.parameter : extensions.field, field, response.text);
    };
    await culprit({ as: { member_role: 'viewer' }, collection: 'nowhere' }, 404, 'NOT_FOUND');
    await culprit({ as: { app_role: 'nobody' } }, 404, 'NOT_FOUND');
    await culprit({ as: { member_role: 'king' } }, 400, 'INVALID_PAYLOAD', 'as.member_role');
    await culprit({ as: { anonymous: true }, collection: 7 }, 400, 'INVALID_PAYLOAD', 'collection');
    await culprit({ as: { anonymous: true }, query: 'sort=id' }, 400, 'INVALID_PAYLOAD', 'query');
    await culprit({ as: { anonymous: true }, query: { aggregate: { count: '*' } } }, 400, 'INVALID_PAYLOAD', 'query.aggregate');
    await culprit({ as: { anonymous: true }, action: 'read' }, 400, 'INVALID_PAYLOAD', 'action');
    // The query's own faults are the real read's: INVALID_QUERY naming the parameter.
    await culprit({ as: { member_role: 'viewer' }, query: { limit: 'many' } }, 400, 'INVALID_QUERY', 'limit');
    await culprit({ as: { member_role: 'viewer' }, query: { sort: 'nope' } }, 400, 'INVALID_QUERY', 'sort');
  });
});
