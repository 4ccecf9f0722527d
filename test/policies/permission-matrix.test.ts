import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { addMember, newAccount, newCollection, newOwnedWorkspace } from '../support/factories';
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

/** One way to the items of `documents`; a door without writes (realtime) has only the reads, one without reads (a batch) only the writes. */
interface Door {
  list?(caller: Caller): Promise<Outcome>;
  read?(caller: Caller, id: number): Promise<Outcome>;
  filterBySecret?(caller: Caller): Promise<Outcome>;
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
 * the items: REST, GraphQL, a custom endpoint whose handler calls `ctx.items()`, realtime subscriptions,
 * the realtime socket's `items` messages (read, create, update, delete), and `POST /batch` (writes).
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
    // Nested writes: notes, which app roles may create with their document (a many-to-one) in one request.
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'text', type: 'string' }] });
    assert.equal((await api.post(`${base}/relations`, { collection: 'notes', field: 'document', related_collection: 'documents' })).status, 201);
    for (const role of ['public', 'authenticated']) {
      for (const policy of [
        { collection: 'notes', action: 'create', fields: ['text', 'document'] },
        { collection: 'notes', action: 'read', fields: ['id', 'text'] },
      ]) {
        assert.equal((await api.post(`${base}/policies`, { role, ...policy })).status, 201);
      }
    }
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

  /**
   * Directus's `items` messages on the realtime socket, the credential in its address: an answer's
   * `data` is what REST's would be, and a refusal names REST's code.
   */
  const socketItems: Door = (() => {
    const ask = async ({ token }: Caller, message: Record<string, unknown>, success = 200): Promise<Outcome> => {
      const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime${token ? `?access_token=${token}` : ''}`);
      try {
        client.send({ type: 'items', collection: 'documents', uid: 'door', ...message });
        const answer = await client.next((reply) => reply.uid === 'door');
        const text = JSON.stringify(answer);
        if (answer.status === 'error') return { status: STATUS_OF_CODE[answer.error.code] ?? 500, code: answer.error.code, text };
        return succeeded(success, answer.data, text);
      } finally {
        client.close();
      }
    };
    return {
      list: (caller) => ask(caller, { action: 'read' }),
      read: (caller, id) => ask(caller, { action: 'read', id }),
      filterBySecret: (caller) => ask(caller, { action: 'read', query: { filter: { secret: { _eq: 's' } } } }),
      create: (caller, data) => ask(caller, { action: 'create', data }),
      update: (caller, id, data) => ask(caller, { action: 'update', id, data }),
      remove: (caller, id) => ask(caller, { action: 'delete', id }, 204),
    };
  })();

  /**
   * `POST /batch`, one operation per call: a batch answers what the single request would, and names the
   * operation it refuses (`extensions.operation`).
   */
  const batch: Door = (() => {
    const run = async ({ api }: Caller, operation: Record<string, unknown>, success = 200): Promise<Outcome> => {
      const response = await api.post(`${base}/batch`, { operations: [{ collection: 'documents', ...operation }] });
      if (response.status === 200) return succeeded(success, response.body.data[0], response.text);
      assert.equal(response.body.errors?.[0]?.extensions?.operation, 0, response.text);
      return fromHttp(response);
    };
    return {
      create: (caller, data) => run(caller, { action: 'create', data }),
      update: (caller, id, data) => run(caller, { action: 'update', key: id, data }),
      remove: (caller, id) => run(caller, { action: 'delete', key: id }, 204),
    };
  })();

  const doors: Record<string, Door> = { REST: rest, GraphQL: graphQL, 'a handler': handler, realtime, 'realtime items': socketItems, 'a batch': batch };

  /** Each case as a door does it; null where the door cannot (realtime subscriptions do not write). */
  const cases: Array<[string, (door: Door, caller: Caller) => Promise<Outcome | null>, Record<Principal, Expected>]> = [
    ['list (allowed)', async (door, caller) => (door.list ? door.list(caller) : null), expect(200, true, 200)],
    ['read a published one (allowed)', async (door, caller) => (door.read ? door.read(caller, await documentWith('published')) : null), expect({ status: 200, fields: ALL_FIELDS }, true, { status: 200, fields: PUBLIC_FIELDS })],
    ['read a draft (row-forbidden)', async (door, caller) => (door.read ? door.read(caller, await documentWith('draft')) : null), expect({ status: 200, fields: ALL_FIELDS }, true, NOT_FOUND)],
    ['filter by secret (field-forbidden)', async (door, caller) => (door.filterBySecret ? door.filterBySecret(caller) : null), expect(200, true, INVALID_QUERY)],
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

  it('skips, through a socket as through REST, the items of a delete by keys that an app user may not delete, and deletes the others', async () => {
    const { token } = callers['app user'];
    const [published, draft] = [await documentWith('published'), await documentWith('draft')];
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${token}`);
    try {
      client.send({ type: 'items', action: 'delete', collection: 'documents', ids: [published, draft], uid: 'both' });
      assert.deepEqual(await client.next((reply) => reply.uid === 'both'), { type: 'items', status: 'ok', data: null, uid: 'both' });
    } finally {
      client.close();
    }
    assert.equal((await owner.get(`${base}/items/documents/${published}`)).status, 200);
    assert.equal((await owner.get(`${base}/items/documents/${draft}`)).status, 404);
    const viaRest = [await documentWith('published'), await documentWith('draft')];
    assert.equal((await callers['app user'].api.request('DELETE', `${base}/items/documents`, { body: viaRest })).status, 204);
    assert.deepEqual(await Promise.all(viaRest.map(async (id) => (await owner.get(`${base}/items/documents/${id}`)).status)), [200, 404]);
  });

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

  it('refuses a batch at the first operation the caller may not make, naming it, and writes none of it', async () => {
    const allowed = { collection: 'documents', action: 'create', data: { title: 'Batch side door' } };
    const forbidden = { collection: 'documents', action: 'create', data: { title: 'Batch side door', secret: 'x' } };
    // Members who may not write are refused at the first operation; policies at the one with the forbidden field.
    for (const [principal, refusedAt] of [['viewer', 0], ['viewer key', 0], ['app user', 1], ['anonymous', 1]] as const) {
      const refused = await callers[principal].api.post(`${base}/batch`, { operations: [allowed, forbidden] });
      assert.equal(refused.status, 403, `${principal}: ${refused.text}`);
      assert.equal(refused.body.errors[0].extensions.code, 'FORBIDDEN', refused.text);
      assert.equal(refused.body.errors[0].extensions.operation, refusedAt, `${principal}: ${refused.text}`);
    }
    const kept = await owner.get(`${base}/items/documents?filter[title][_eq]=Batch side door&aggregate[count]=*`);
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

  /** Nested writes: the document of a note is written through the same door, under the documents' policies. */
  const nestedCases: Array<[string, (api: Api) => Promise<ApiResponse>, Record<Principal, Expected>, string?]> = [
    ['create a note with a new document (allowed, nested)', (api) => api.post(`${base}/items/notes`, { text: 'n', document: { title: 'Nested' } }), expect(200, false, 200)],
    ['create a note with a document carrying a secret (field-forbidden, nested)', (api) => api.post(`${base}/items/notes`, { text: 'n', document: { title: 'Nested', secret: 'x' } }), expect(200, false, FORBIDDEN), 'document.secret'],
    ['retitle a published document through a note (row-forbidden, nested)', async (api) => api.post(`${base}/items/notes`, { text: 'n', document: { id: await documentWith('published'), title: 'Hijacked' } }), expect(200, false, FORBIDDEN), 'document.id'],
  ];

  for (const [action, call, expectations, field] of nestedCases) {
    it(action, async () => {
      for (const principal of PRINCIPALS) {
        const response = await call(callers[principal].api);
        assertOutcome(fromHttp(response), expectations[principal], principal);
        if (field && (principal === 'app user' || principal === 'anonymous')) assert.equal(response.body.errors[0].extensions.field, field, response.text);
      }
      // Only the members who write (owner, admin, editor, editor key) retitled a published document.
      const hijacked = await owner.get(`${base}/items/documents?filter[title][_eq]=Hijacked&filter[status][_eq]=published&aggregate[count]=*`);
      assert.equal(hijacked.body.data[0].count, action.startsWith('retitle') ? 4 : 0, hijacked.text);
    });
  }

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

/**
 * Files through file fields: a file is readable through an item the caller may read, whatever the
 * policies on files say, and never otherwise. Here the app roles have no policy on files at all, and
 * read only published posts: each door shows a published post's cover and hides a draft's.
 */
describeEachDatabase('permission matrix: files through file fields', {}, (suite) => {
  let owned: Awaited<ReturnType<typeof newOwnedWorkspace>>;
  let published: { post: number; file: string };
  let draft: { post: number; file: string };
  const callers = {} as Record<'viewer' | 'app user' | 'anonymous', Caller>;

  async function postWithCover(status: string): Promise<{ post: number; file: string }> {
    const uploaded = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename: `${status}.txt`, type: 'text/plain', content: status }) });
    assert.equal(uploaded.status, 200, uploaded.text);
    const created = await owned.api.post(`${owned.base}/items/posts`, { title: status, status, cover: uploaded.body.data.id });
    assert.equal(created.status, 200, created.text);
    return { post: created.body.data.id, file: uploaded.body.data.id };
  }

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    const created = await owned.api.post(`${owned.base}/collections`, {
      collection: 'posts',
      fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'cover', type: 'file' }],
    });
    assert.equal(created.status, 201, created.text);
    for (const role of ['public', 'authenticated']) {
      const policy = await owned.api.post(`${owned.base}/policies`, { role, collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['*'] });
      assert.equal(policy.status, 201, policy.text);
    }
    published = await postWithCover('published');
    draft = await postWithCover('draft');
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, owned.workspace, owned.owner, viewer, 'viewer');
    const appUser = await suite.api.post(`${owned.base}/auth/register`, { email: `covers-${Date.now()}@example.com`, password: 'app user password' });
    assert.equal(appUser.status, 201, appUser.text);
    callers.viewer = { api: suite.api.as(viewer.accessToken), token: viewer.accessToken };
    callers['app user'] = { api: suite.api.as(appUser.body.data.access_token), token: appUser.body.data.access_token };
    callers.anonymous = { api: suite.api.as(null), token: null };
  });

  const coversOf = (rows: Array<{ cover: { filename_download: string } | null }>) => rows.map((row) => row.cover?.filename_download).sort();

  it('REST: covers of readable posts expand, their bytes download; a draft cover is 403 and no filter finds it', async () => {
    for (const [principal, { api }] of Object.entries(callers)) {
      const member = principal === 'viewer';
      const list = await api.get(`${owned.base}/items/posts?fields=cover.filename_download`);
      assert.equal(list.status, 200, `${principal}: ${list.text}`);
      assert.deepEqual(coversOf(list.body.data), member ? ['draft.txt', 'published.txt'] : ['published.txt'], principal);
      assert.equal((await api.get(`${owned.base}/assets/${published.file}`)).status, 200, principal);
      assert.equal((await api.get(`${owned.base}/files/${published.file}`)).status, 200, principal);
      const hidden = await api.get(`${owned.base}/assets/${draft.file}`);
      assert.equal(hidden.status, member ? 200 : 403, `${principal}: ${hidden.text}`);
      assert.equal((await api.get(`${owned.base}/files/${draft.file}`)).status, member ? 200 : 403, principal);
      const probe = await api.get(`${owned.base}/items/posts?fields=id&filter[cover][filename_download][_eq]=draft.txt`);
      assert.equal(probe.body.data.length, member ? 1 : 0, `${principal}: ${probe.text}`);
      assert.equal((await api.get(`${owned.base}/items/files`)).status, member ? 404 : 403, principal);
    }
  });

  it('GraphQL: a cover is an object of the file through readable posts only, and files have no root field', async () => {
    for (const [principal, { api }] of Object.entries(callers)) {
      const answer = await graphql(api, owned.base, '{ posts { cover { filename_download } } }');
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(coversOf(answer.body.data.posts), principal === 'viewer' ? ['draft.txt', 'published.txt'] : ['published.txt'], principal);
      const byId = await graphql(api, owned.base, `{ posts_by_id(id: ${draft.post}) { cover { id } } }`);
      assert.deepEqual(byId.body.data.posts_by_id, principal === 'viewer' ? { cover: { id: draft.file } } : null, principal);
      const root = await graphql(api, owned.base, '{ files { id } }');
      assert.ok(root.body.errors?.length, `${principal}: ${root.text}`);
    }
  });

  it('realtime: a subscription to posts carries the covers of readable posts; one to files is refused', async () => {
    for (const [principal, { token }] of Object.entries(callers)) {
      const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${owned.base}/realtime${token ? `?access_token=${token}` : ''}`);
      try {
        const answer = await client.subscribe('posts', { fields: ['cover.filename_download'] });
        assert.notEqual(answer.status, 'error', `${principal}: ${JSON.stringify(answer)}`);
        assert.deepEqual(coversOf(answer.data), principal === 'viewer' ? ['draft.txt', 'published.txt'] : ['published.txt'], principal);
        const files = await client.subscribe('files', {}, 'files');
        assert.equal(files.status, 'error', `${principal}: ${JSON.stringify(files)}`);
      } finally {
        client.close();
      }
    }
  });
});
