import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import { assertGraphQLError, graphql, graphqlData } from '../support/graphql';
import type { Api } from '../support/http';

const FIELDS_OF = (type: string) => `{ __type(name: "${type}") { fields { name } inputFields { name } } }`;

/**
 * Each caller's GraphQL schema holds only what it may read and write, follows schema and policy
 * changes at once, and refuses abusive documents before running them.
 */
describeEachDatabase('GraphQL schemas per caller', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;
  let anonymous: Api;

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    anonymous = suite.api.as(null);
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }, { field: 'email', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [{ field: 'title', type: 'string', validation: { min_length: 3 } }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }],
    });
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
    const steps = [
      await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', one_field: 'posts' }),
      await api.post(`${base}/items/authors`, [{ name: 'Ann', email: 'ann@example.com' }]),
      await api.post(`${base}/items/posts`, [
        { title: 'Published', status: 'published', secret: 'zzsecret-1', author: 1 },
        { title: 'Draft', status: 'draft', secret: 'zzsecret-2', author: 1 },
      ]),
      await api.post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status', 'author'] }),
      await api.post(`${base}/policies`, { role: 'public', collection: 'authors', action: 'read', fields: ['name'] }),
      await api.post(`${base}/policies`, { role: 'authenticated', collection: 'posts', action: 'read', fields: ['*'] }),
      await api.post(`${base}/policies`, { role: 'authenticated', collection: 'posts', action: 'create', fields: ['title'], presets: { status: 'draft' } }),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  async function typeNames(caller: Api): Promise<string[]> {
    const data = await graphqlData(caller, base, '{ __schema { types { name } mutationType { name } } }');
    return data.__schema.types.map((t: { name: string }) => t.name);
  }

  it('shows an anonymous caller only the collections and fields its policies let it read, and no mutations', async () => {
    const names = await typeNames(anonymous);
    assert.ok(names.includes('posts') && names.includes('authors'));
    assert.ok(!names.some((name) => name.startsWith('notes')), names.join());
    const posts = await graphqlData(anonymous, base, FIELDS_OF('posts'));
    assert.deepEqual(posts.__type.fields.map((f: { name: string }) => f.name), ['id', 'title', 'status', 'author']);
    const filter = await graphqlData(anonymous, base, FIELDS_OF('posts_Filter'));
    assert.deepEqual(filter.__type.inputFields.map((f: { name: string }) => f.name), ['_and', '_or', 'id', 'title', 'status', 'author']);
    const authors = await graphqlData(anonymous, base, FIELDS_OF('authors'));
    assert.deepEqual(authors.__type.fields.map((f: { name: string }) => f.name), ['id', 'name', 'posts', 'posts_func']);
    assert.equal((await graphqlData(anonymous, base, '{ __schema { mutationType { name } } }')).__schema.mutationType, null);
    assert.doesNotMatch((await graphql(anonymous, base, '{ __schema { types { name fields { name } inputFields { name } } } }')).text, /secret|email|notes/);
  });

  it('reads only the rows of the policy, and refuses a forbidden field like an unknown one', async () => {
    const data = await graphqlData(anonymous, base, '{ posts { title author { name } } }');
    assert.deepEqual(data.posts, [{ title: 'Published', author: { name: 'Ann' } }]);
    for (const query of ['{ posts { secret } }', '{ posts(filter: {secret: {_eq: "x"}}) { id } }', '{ notes { id } }', '{ authors { email } }']) {
      const response = await graphql(anonymous, base, query);
      assertGraphQLError(response, 'INVALID_QUERY');
      assert.doesNotMatch(response.text, /zzsecret|Did you mean/);
    }
    const sorted = await graphql(anonymous, base, '{ posts(sort: ["secret"]) { id } }');
    assertGraphQLError(sorted, 'INVALID_QUERY', /secret/);
    assert.deepEqual(await graphqlData(anonymous, base, '{ posts_aggregated(groupBy: ["status"]) { group countAll } }'), { posts_aggregated: [{ group: { status: 'published' }, countAll: 1 }] });
    assertGraphQLError(await graphql(anonymous, base, '{ posts_aggregated(groupBy: ["secret"]) { countAll } }'), 'INVALID_QUERY');
    assert.deepEqual(await graphqlData(anonymous, base, '{ posts_by_id(id: 2) { id } }'), { posts_by_id: null });
  });

  it('refuses mutations to a caller without a write policy, and those a viewer may not make', async () => {
    assertGraphQLError(await graphql(anonymous, base, 'mutation { create_posts_item(data: {title: "Spam"}) { id } }'), 'INVALID_QUERY');
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, workspace, owner, viewer, 'viewer');
    const asViewer = suite.api.as(viewer.accessToken);
    const posts = await graphqlData(asViewer, base, '{ posts(sort: ["id"]) { secret } }');
    assert.deepEqual(posts.posts.map((p: { secret: string }) => p.secret), ['zzsecret-1', 'zzsecret-2']);
    assert.equal((await graphqlData(asViewer, base, '{ __schema { mutationType { name } } }')).__schema.mutationType, null);
    assertGraphQLError(await graphql(asViewer, base, 'mutation { delete_posts_item(id: 1) { id } }'), 'INVALID_QUERY');
    assert.equal((await api.get(`${base}/items/posts/1`)).status, 200);
  });

  it('lets an app user create with the fields its policy grants, presets forced, and nothing more', async () => {
    const user = await newAppUser(suite.api, base);
    const asUser = suite.api.as(user.accessToken);
    const input = await graphqlData(asUser, base, FIELDS_OF('posts_CreateInput'));
    assert.deepEqual(input.__type.inputFields.map((f: { name: string }) => f.name), ['title']);
    const created = await graphqlData(asUser, base, 'mutation { create_posts_item(data: {title: "Mine"}) { title status created_by } }');
    assert.deepEqual(created.create_posts_item, { title: 'Mine', status: 'draft', created_by: user.id });
    assertGraphQLError(await graphql(asUser, base, 'mutation { create_posts_item(data: {title: "Mine", secret: "x"}) { id } }'), 'INVALID_QUERY');
    assertGraphQLError(await graphql(asUser, base, 'mutation { update_posts_item(id: 1, data: {title: "Taken"}) { id } }'), 'INVALID_QUERY');
    const invalid = await graphql(asUser, base, 'mutation { create_posts_item(data: {title: "No"}) { id } }');
    assertGraphQLError(invalid, 'VALIDATION_FAILED');
    assert.equal(invalid.body.errors[0].extensions.field, 'title');
    assert.equal(invalid.body.errors[0].extensions.rule, 'min_length');
  });

  it('answers a token of another workspace, and a bad token, as REST does', async () => {
    const other = await newOwnedWorkspace(suite.api);
    const stranger = await newAppUser(suite.api, other.base);
    assertError(await graphql(suite.api.as(stranger.accessToken), base, '{ posts { id } }'), 401, 'INVALID_TOKEN');
    assertError(await graphql(suite.api.as('not-a-token'), base, '{ posts { id } }'), 401, 'INVALID_TOKEN');
    assertError(await graphql(suite.api.as(other.owner.accessToken), base, '{ posts { id } }'), 404, 'NOT_FOUND');
  });

  it('follows schema changes at once: a new collection and field are there, dropped ones gone', async () => {
    await newCollection(api, base, { collection: 'gadgets', fields: [{ field: 'name', type: 'string' }] });
    await api.post(`${base}/items/gadgets`, { name: 'Lamp' });
    assert.deepEqual((await graphqlData(api, base, '{ gadgets { name } }')).gadgets, [{ name: 'Lamp' }]);
    assert.equal((await api.post(`${base}/fields/gadgets`, { field: 'weight', type: 'float' })).status, 201);
    const created = await graphqlData(api, base, 'mutation { create_gadgets_item(data: {name: "Desk", weight: 12.5}) { name weight } }');
    assert.deepEqual(created.create_gadgets_item, { name: 'Desk', weight: 12.5 });
    assert.equal((await api.delete(`${base}/fields/gadgets/weight`)).status, 204);
    assertGraphQLError(await graphql(api, base, '{ gadgets { weight } }'), 'INVALID_QUERY', /weight/);
    assert.equal((await api.delete(`${base}/collections/gadgets?force=true`)).status, 204);
    assertGraphQLError(await graphql(api, base, '{ gadgets { id } }'), 'INVALID_QUERY', /gadgets/);
    assert.ok(!(await typeNames(api)).some((name) => name.startsWith('gadgets')));
  });

  it('follows policy changes at once', async () => {
    const created = await api.post(`${base}/policies`, { role: 'public', collection: 'notes', action: 'read', fields: ['body'] });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(await graphqlData(anonymous, base, '{ notes { body } }'), { notes: [] });
    assert.equal((await api.patch(`${base}/policies/${created.body.data.id}`, { fields: ['id'] })).status, 200);
    assertGraphQLError(await graphql(anonymous, base, '{ notes { body } }'), 'INVALID_QUERY', /body/);
    assert.equal((await api.delete(`${base}/policies/${created.body.data.id}`)).status, 204);
    assert.ok(!(await typeNames(anonymous)).includes('notes'));
  });

  it('answers a query sent by GET, refuses a mutation sent so, and serves GraphiQL to a browser', async () => {
    const viaGet = await api.get(`${base}/graphql?query=${encodeURIComponent('{ posts(sort: ["id"], limit: 1) { title } }')}`);
    assert.equal(viaGet.status, 200, viaGet.text);
    assert.deepEqual(viaGet.body.data, { posts: [{ title: 'Published' }] });
    const mutation = await api.get(`${base}/graphql?query=${encodeURIComponent('mutation { delete_posts_item(id: 1) { id } }')}`);
    assert.equal(mutation.status, 405, mutation.text);
    assert.equal((await api.get(`${base}/items/posts/1`)).status, 200);
    const page = await api.get(`${base}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /GraphiQL/i);
  });

  it('answers the full introspection query that GraphiQL and code generators send, whatever the limits', async () => {
    const data = await graphqlData(api, base, getIntrospectionQuery());
    const schema = buildClientSchema(data);
    assert.ok(schema.getQueryType()?.getFields().posts_aggregated);
    assert.ok(schema.getMutationType()?.getFields().update_posts_items);
    assert.ok(schema.getSubscriptionType()?.getFields().posts_mutated);
  });

  it('refuses a depth bomb, an alias flood and a huge document before running them', async () => {
    let nested = 'name';
    for (let level = 0; level < 6; level += 1) nested = `posts { author { ${nested} } }`;
    const bomb = await graphql(api, base, `{ authors { ${nested} } }`);
    assertGraphQLError(bomb, 'INVALID_QUERY', /depth/i);
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: posts { id }`).join(' ');
    assertGraphQLError(await graphql(api, base, `{ ${aliases} }`), 'INVALID_QUERY', /alias/i);
    const huge = `{ posts { ${'id '.repeat(6000)} } }`;
    assertGraphQLError(await graphql(api, base, huge), 'INVALID_QUERY', /token/i);
    const tooLarge = await api.post(`${base}/graphql`, { query: `{ posts { id } } #${'x'.repeat(1_100_000)}` });
    assertError(tooLarge, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses a relation selected twice with different arguments, and bad documents, with INVALID_QUERY', async () => {
    assertGraphQLError(await graphql(api, base, '{ authors { a: posts(limit: 1) { id } b: posts(limit: 2) { id } } }'), 'INVALID_QUERY', /twice/);
    assertGraphQLError(await graphql(api, base, '{ posts { id '), 'INVALID_QUERY', /Syntax/);
    assertGraphQLError(await graphql(api, base, '{ posts(filter: {title: {_contains: 1}, id: {_contains: "x"}}) { id } }'), 'INVALID_QUERY');
    assertGraphQLError(await graphql(api, base, '{ posts(limit: -5) { id } }'), 'INVALID_QUERY', /limit/);
  });
});
