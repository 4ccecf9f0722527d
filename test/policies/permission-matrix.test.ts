import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { addMember, newAccount, newOwnedWorkspace } from '../support/factories';
import { graphql } from '../support/graphql';
import type { Api, ApiResponse } from '../support/http';
import { RealtimeClient } from '../support/realtime';
import { multipartBody } from '../support/uploads';
import { documentsUnderPolicies } from './documents.fixture';

type Principal = 'owner' | 'admin' | 'editor' | 'viewer' | 'editor key' | 'viewer key' | 'app user' | 'anonymous';
const PRINCIPALS: Principal[] = ['owner', 'admin', 'editor', 'viewer', 'editor key', 'viewer key', 'app user', 'anonymous'];

/** An expected answer, in REST's terms: a status, and for errors the code; for reads of one item, the fields it shows. */
type Expected = number | [number, string] | { status: 200; fields: string[] };

/** What a door answered, put in REST's terms so that every door is held to the same expectations. */
interface Outcome {
  status: number;
  code?: string;
  fields?: string[];
  /** The answer as it came, for failure messages. */
  text: string;
}

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

/** A principal as a door is called by: a client sending its credential, and the credential itself. */
interface Caller {
  api: Api;
  token: string | null;
}

/** One way to the items of `documents`; a door without writes (realtime) has only the reads. */
interface Door {
  list(caller: Caller): Promise<Outcome>;
  read(caller: Caller, id: number): Promise<Outcome>;
  filterBySecret(caller: Caller): Promise<Outcome>;
  create?(caller: Caller, data: Record<string, string>): Promise<Outcome>;
  update?(caller: Caller, id: number, data: Record<string, string>): Promise<Outcome>;
  remove?(caller: Caller, id: number): Promise<Outcome>;
}

/** A REST answer: its status and error code, and the fields of the one item it holds. */
function fromHttp(response: ApiResponse): Outcome {
  const data = response.body?.data;
  const fields = data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : undefined;
  return { status: response.status, code: response.body?.errors?.[0]?.extensions?.code, fields, text: response.text };
}

/** An answer that succeeded in another door, with the status REST gives that success. */
function succeeded(status: number, data: unknown, text: string): Outcome {
  const fields = data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : undefined;
  return { status, fields, text };
}

const STATUS_OF_CODE: Record<string, number> = { FORBIDDEN: 403, NOT_FOUND: 404, INVALID_QUERY: 400, INVALID_PAYLOAD: 400, VALIDATION_FAILED: 422, CONFLICT: 409 };

/**
 * A GraphQL answer in REST's terms. Credentials are refused in the HTTP envelope, as in REST. A
 * mutation the caller may not make is refused before it runs, by an error without a path: the mutation,
 * or an input field, is absent from the caller's schema (the form GraphQL gives a 403). `x_by_id`
 * answers null for an item the caller may not see (REST's 404).
 */
function fromGraphQL(response: ApiResponse, root: string, kind: 'query' | 'mutation', success: number): Outcome {
  if (response.status !== 200) return fromHttp(response);
  const [error] = response.body.errors ?? [];
  if (error) {
    if (kind === 'mutation' && !error.path) return { status: 403, code: 'FORBIDDEN', text: response.text };
    const code = error.extensions?.code as string;
    return { status: STATUS_OF_CODE[code] ?? 500, code, text: response.text };
  }
  const data = response.body.data[root];
  if (data === null && root.endsWith('_by_id')) return { status: 404, code: 'NOT_FOUND', text: response.text };
  return succeeded(success, data, response.text);
}

/** A GraphQL input object literal of string values. */
const literal = (data: Record<string, string>) => `{${Object.entries(data).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')}}`;

/**
 * Every principal kind × every action × allowed, row-forbidden and field-forbidden, through every door to
 * the items: REST, GraphQL, a custom endpoint whose handler calls `ctx.items()`, realtime subscriptions.
 * The public and authenticated roles may read published documents (title and status), create them as
 * drafts (title only), and change or delete drafts (title only). Members and API keys act by their
 * workspace role: viewers read, editors and up write, whichever door they come through.
 */
describeEachDatabase('permission matrix', { env: { HANDLER_WORKERS: '1' } }, (suite) => {
  const callers = {} as Record<Principal, Caller>;
  const tokens = {} as Record<Principal, string | null>;
  let owner: Api;
  let base: string;

  before(async () => {
    const { owner: account, workspace, api, base: path } = await newOwnedWorkspace(suite.api);
    owner = api;
    base = path;
    tokens.owner = account.accessToken;
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, workspace, account, member, role);
      tokens[role] = member.accessToken;
    }
    for (const role of ['editor', 'viewer'] as const) {
      const key = await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: role, role });
      assert.equal(key.status, 201, key.text);
      tokens[`${role} key`] = key.body.data.key;
    }
    tokens.anonymous = null;
    const appUser = await suite.api.post(`${base}/auth/register`, { email: `reader-${Date.now()}@example.com`, password: 'app user password' });
    assert.equal(appUser.status, 201, appUser.text);
    tokens['app user'] = appUser.body.data.access_token;
    for (const principal of PRINCIPALS) callers[principal] = { api: suite.api.as(tokens[principal]), token: tokens[principal] };
    await documentsUnderPolicies(api, base, [{ collection: 'files', action: 'read' }]);
    const endpoint = await api.post(`${base}/handlers`, {
      name: 'documents door',
      kind: 'endpoint',
      method: 'POST',
      path: '/documents',
      code: `module.exports = async (ctx) => {
        const { op, id, data, query } = ctx.request.body;
        const documents = ctx.items('documents');
        if (op === 'list') return documents.readByQuery(query || {});
        if (op === 'read') return documents.readOne(id);
        if (op === 'create') return documents.createOne(data);
        if (op === 'update') return documents.updateOne(id, data);
        if (op === 'delete') return documents.deleteOne(id);
        throw { status: 400, message: 'unknown op' };
      };`,
    });
    assert.equal(endpoint.status, 201, endpoint.text);
    const view = await api.post(`${base}/views`, { name: 'titles', source: 'documents', fields: ['id', 'title', 'status'] });
    assert.equal(view.status, 201, view.text);
  });

  async function documentWith(status: string): Promise<number> {
    const created = await owner.post(`${base}/items/documents`, { title: `A ${status} one`, status, secret: 's' });
    assert.equal(created.status, 200, created.text);
    return created.body.data.id;
  }

  const rest: Door = {
    list: async ({ api }) => fromHttp(await api.get(`${base}/items/documents`)),
    read: async ({ api }, id) => fromHttp(await api.get(`${base}/items/documents/${id}`)),
    filterBySecret: async ({ api }) => fromHttp(await api.get(`${base}/items/documents?filter[secret][_eq]=s`)),
    create: async ({ api }, data) => fromHttp(await api.post(`${base}/items/documents`, data)),
    update: async ({ api }, id, data) => fromHttp(await api.patch(`${base}/items/documents/${id}`, data)),
    remove: async ({ api }, id) => fromHttp(await api.delete(`${base}/items/documents/${id}`)),
  };

  const graphQL: Door = {
    list: async ({ api }) => fromGraphQL(await graphql(api, base, '{ documents { id } }'), 'documents', 'query', 200),
    read: async ({ api }, id) => {
      // Every field the caller's own schema shows for a document.
      const type = await graphql(api, base, '{ __type(name: "documents") { fields { name type { kind } } } }');
      // A user field (created_by, updated_by) is an object of the person: its key is enough.
      const fields = (type.body.data.__type.fields as Array<{ name: string; type: { kind: string } }>).map((field) => (field.type.kind === 'OBJECT' ? `${field.name} { id }` : field.name)).join(' ');
      return fromGraphQL(await graphql(api, base, `{ documents_by_id(id: ${id}) { ${fields} } }`), 'documents_by_id', 'query', 200);
    },
    filterBySecret: async ({ api }) => fromGraphQL(await graphql(api, base, '{ documents(filter: {secret: {_eq: "s"}}) { id } }'), 'documents', 'query', 200),
    create: async ({ api }, data) => fromGraphQL(await graphql(api, base, `mutation { create_documents_item(data: ${literal(data)}) { id } }`), 'create_documents_item', 'mutation', 200),
    update: async ({ api }, id, data) => fromGraphQL(await graphql(api, base, `mutation { update_documents_item(id: ${id}, data: ${literal(data)}) { id } }`), 'update_documents_item', 'mutation', 200),
    remove: async ({ api }, id) => fromGraphQL(await graphql(api, base, `mutation { delete_documents_item(id: ${id}) { id } }`), 'delete_documents_item', 'mutation', 204),
  };

  /** The owner's custom endpoint, whose handler does what the body asks with `ctx.items('documents')` as the caller. */
  const handler: Door = (() => {
    const call = async ({ api }: Caller, body: Record<string, unknown>, success = 200) => {
      const response = await api.post(`${base}/custom/documents`, body);
      return response.status === 200 ? succeeded(success, response.body.data, response.text) : fromHttp(response);
    };
    return {
      list: (caller) => call(caller, { op: 'list' }),
      read: (caller, id) => call(caller, { op: 'read', id }),
      filterBySecret: (caller) => call(caller, { op: 'list', query: { filter: { secret: { _eq: 's' } } } }),
      create: (caller, data) => call(caller, { op: 'create', data }),
      update: (caller, id, data) => call(caller, { op: 'update', id, data }),
      remove: (caller, id) => call(caller, { op: 'delete', id }, 204),
    };
  })();

  /** Realtime subscriptions, read-only: a subscription's init event is its read; one item is read by a filter on its id. */
  const realtime: Door = (() => {
    const subscribe = async ({ token }: Caller, query: Record<string, unknown>, one: boolean): Promise<Outcome> => {
      const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime${token ? `?access_token=${token}` : ''}`);
      try {
        const answer = await client.subscribe('documents', query);
        const text = JSON.stringify(answer);
        if (answer.status === 'error') return { status: STATUS_OF_CODE[answer.error.code] ?? 500, code: answer.error.code, text };
        if (!one) return succeeded(200, answer.data, text);
        return answer.data.length === 1 ? succeeded(200, answer.data[0], text) : { status: 404, code: 'NOT_FOUND', text };
      } finally {
        client.close();
      }
    };
    return {
      list: (caller) => subscribe(caller, {}, false),
      read: (caller, id) => subscribe(caller, { filter: { id: { _eq: id } } }, true),
      filterBySecret: (caller) => subscribe(caller, { filter: { secret: { _eq: 's' } } }, false),
    };
  })();

  const doors: Record<string, Door> = { REST: rest, GraphQL: graphQL, 'a handler': handler, realtime };

  /** Each case as a door does it; null where the door cannot (realtime does not write). */
  const cases: Array<[string, (door: Door, caller: Caller) => Promise<Outcome | null>, Record<Principal, Expected>]> = [
    ['list (allowed)', (door, caller) => door.list(caller), expect(200, true, 200)],
    ['read a published one (allowed)', async (door, caller) => door.read(caller, await documentWith('published')), expect({ status: 200, fields: ALL_FIELDS }, true, { status: 200, fields: PUBLIC_FIELDS })],
    ['read a draft (row-forbidden)', async (door, caller) => door.read(caller, await documentWith('draft')), expect({ status: 200, fields: ALL_FIELDS }, true, NOT_FOUND)],
    ['filter by secret (field-forbidden)', (door, caller) => door.filterBySecret(caller), expect(200, true, INVALID_QUERY)],
    ['create with a title (allowed)', async (door, caller) => (door.create ? door.create(caller, { title: 'New' }) : null), expect(200, false, 200)],
    ['create with a secret (field-forbidden)', async (door, caller) => (door.create ? door.create(caller, { title: 'New', secret: 'x' }) : null), expect(200, false, FORBIDDEN)],
    ['retitle a draft (allowed)', async (door, caller) => (door.update ? door.update(caller, await documentWith('draft'), { title: 'Renamed' }) : null), expect(200, false, 200)],
    ['retitle a published one (row-forbidden)', async (door, caller) => (door.update ? door.update(caller, await documentWith('published'), { title: 'Renamed' }) : null), expect(200, false, NOT_FOUND)],
    ["change a draft's secret (field-forbidden)", async (door, caller) => (door.update ? door.update(caller, await documentWith('draft'), { secret: 'y' }) : null), expect(200, false, FORBIDDEN)],
    ['delete a draft (allowed)', async (door, caller) => (door.remove ? door.remove(caller, await documentWith('draft')) : null), expect(204, false, 204)],
    ['delete a published one (row-forbidden)', async (door, caller) => (door.remove ? door.remove(caller, await documentWith('published')) : null), expect(204, false, NOT_FOUND)],
  ];

  function assertOutcome(outcome: Outcome, expected: Expected, label: string): void {
    const message = `${label}: ${outcome.text}`;
    if (typeof expected === 'number') {
      assert.equal(outcome.status, expected, message);
    } else if (Array.isArray(expected)) {
      assert.equal(outcome.status, expected[0], message);
      assert.equal(outcome.code, expected[1], message);
    } else {
      assert.equal(outcome.status, expected.status, message);
      assert.deepEqual([...(outcome.fields ?? [])].sort(), [...expected.fields].sort(), message);
    }
  }

  for (const [action, call, expectations] of cases) {
    it(action, async () => {
      for (const [name, door] of Object.entries(doors)) {
        for (const principal of PRINCIPALS) {
          const outcome = await call(door, callers[principal]);
          if (outcome) assertOutcome(outcome, expectations[principal], `${name}, ${principal}`);
        }
      }
    });
  }

  it('holds members to their role on the same writes of every door, refusing a viewer with one message', async () => {
    const messages = new Set<string>();
    for (const principal of ['viewer', 'viewer key'] as const) {
      const { api } = callers[principal];
      const id = await documentWith('draft');
      for (const refused of [
        await api.post(`${base}/items/documents`, { title: 'No' }),
        await api.patch(`${base}/items/documents/${id}`, { title: 'No' }),
        await api.delete(`${base}/items/documents/${id}`),
        await api.post(`${base}/custom/documents`, { op: 'create', data: { title: 'No' } }),
        await api.post(`${base}/custom/documents`, { op: 'update', id, data: { title: 'No' } }),
        await api.post(`${base}/custom/documents`, { op: 'delete', id }),
        await api.request('POST', `${base}/files`, { raw: multipartBody({ filename: 'no.txt', type: 'text/plain', content: 'no' }) }),
      ]) {
        assert.equal(refused.status, 403, `${principal}: ${refused.text}`);
        assert.equal(refused.body.errors[0].extensions.code, 'FORBIDDEN', refused.text);
        messages.add(refused.body.errors[0].message);
      }
    }
    assert.deepEqual([...messages], ['This needs the editor role or higher in the workspace.']);
    const kept = await owner.get(`${base}/items/documents?filter[title][_eq]=No&aggregate[count]=*`);
    assert.equal(kept.body.data[0].count, 0, kept.text);
  });

  const fileCases: Array<[string, (api: Api) => Promise<ApiResponse>, Record<Principal, Expected>]> = [
    ['list files', (api) => api.get(`${base}/files`), expect(200, true, 200)],
    ['upload a file', (api) => api.request('POST', `${base}/files`, { raw: multipartBody({ filename: 'a.txt', type: 'text/plain', content: 'a' }) }), expect(200, false, FORBIDDEN)],
    ['retitle a file', async (api) => api.patch(`${base}/files/${await ownersFile()}`, { title: 'Renamed' }), expect(200, false, FORBIDDEN)],
    ['delete a file', async (api) => api.delete(`${base}/files/${await ownersFile()}`), expect(204, false, FORBIDDEN)],
  ];

  async function ownersFile(): Promise<string> {
    const uploaded = await owner.request('POST', `${base}/files`, { raw: multipartBody({ filename: 'owner.txt', type: 'text/plain', content: 'owner' }) });
    assert.equal(uploaded.status, 200, uploaded.text);
    return uploaded.body.data.id;
  }

  const viewCases: Array<[string, (api: Api) => Promise<ApiResponse>, Record<Principal, Expected>]> = [
    ['read a view', (api) => api.get(`${base}/items/titles`), expect(200, true, 200)],
    ['read a published one through a view', async (api) => api.get(`${base}/items/titles/${await documentWith('published')}`), expect({ status: 200, fields: PUBLIC_FIELDS }, true, { status: 200, fields: PUBLIC_FIELDS })],
    ['read a draft through a view (row-forbidden)', async (api) => api.get(`${base}/items/titles/${await documentWith('draft')}`), expect({ status: 200, fields: PUBLIC_FIELDS }, true, NOT_FOUND)],
    ['write to a view (read-only)', (api) => api.post(`${base}/items/titles`, { title: 'New' }), expect(FORBIDDEN, true, FORBIDDEN)],
    ['delete through a view (read-only)', async (api) => api.delete(`${base}/items/titles/${await documentWith('draft')}`), expect(FORBIDDEN, true, FORBIDDEN)],
  ];

  // People reached through created_by (see users.collection.ts): only id, kind, email and name, never
  // a secret; app roles see none of it without a read policy on cairn_users; never read or written directly.
  const peopleCases: Array<[string, (api: Api) => Promise<ApiResponse>, Record<Principal, Expected>]> = [
    ['expand the author of a published one', async (api) => api.get(`${base}/items/documents/${await documentWith('published')}?fields=id,created_by.*`), expect({ status: 200, fields: ['id', 'created_by'] }, true, INVALID_QUERY)],
    ["read an author's password hash", async (api) => api.get(`${base}/items/documents/${await documentWith('published')}?fields=created_by.password_hash`), expect(INVALID_QUERY, true, INVALID_QUERY)],
    ["filter by an author's password hash", (api) => api.get(`${base}/items/documents?filter[created_by][password_hash][_nnull]=true`), expect(INVALID_QUERY, true, INVALID_QUERY)],
    ["sort by an author's email", (api) => api.get(`${base}/items/documents?sort=created_by.email`), expect(200, true, INVALID_QUERY)],
    ['list people directly', (api) => api.get(`${base}/items/cairn_users`), expect(NOT_FOUND, true, FORBIDDEN)],
    ['create a person directly', (api) => api.post(`${base}/items/cairn_users`, { email: 'new@example.com' }), expect(NOT_FOUND, false, FORBIDDEN)],
  ];

  for (const [action, call, expectations] of [...fileCases, ...viewCases, ...peopleCases]) {
    it(action, async () => {
      for (const principal of PRINCIPALS) assertOutcome(fromHttp(await call(callers[principal].api)), expectations[principal], principal);
    });
  }

  it("shows members only an author's safe fields, through REST and GraphQL", async () => {
    const id = await documentWith('published');
    for (const principal of ['owner', 'admin', 'editor', 'viewer', 'editor key', 'viewer key'] as const) {
      const read = await callers[principal].api.get(`${base}/items/documents/${id}?fields=created_by.*`);
      assert.deepEqual(Object.keys(read.body.data.created_by).sort(), ['email', 'id', 'kind', 'name'], `${principal}: ${read.text}`);
      const type = await graphql(callers[principal].api, base, '{ __type(name: "cairn_users") { fields { name } } }');
      assert.deepEqual(type.body.data.__type.fields.map((field: { name: string }) => field.name).sort(), ['email', 'id', 'kind', 'name'], principal);
      const secret = await graphql(callers[principal].api, base, `{ documents_by_id(id: ${id}) { created_by { password_hash } } }`);
      assert.equal(secret.body.data, undefined, `${principal}: ${secret.text}`);
    }
    for (const principal of ['app user', 'anonymous'] as const) {
      const type = await graphql(callers[principal].api, base, '{ __type(name: "cairn_users") { name } }');
      assert.equal(type.body.data.__type, null, `${principal}: ${type.text}`);
    }
  });
});
