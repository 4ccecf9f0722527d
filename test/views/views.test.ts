import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { assertGraphQLError, graphql, graphqlData } from '../support/graphql';
import type { Api } from '../support/http';

const q = (params: Record<string, unknown>) =>
  new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString();

/** Views: virtual read-only collections over a source, read with the caller's policies, optionally published. */
describeEachDatabase('views', {}, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;

  async function created(path: string, body: unknown): Promise<any> {
    const response = await api.post(`${base}${path}`, body);
    assert.ok(response.status === 200 || response.status === 201, response.text);
    return response.body.data;
  }

  async function view(body: Record<string, unknown>): Promise<any> {
    return created('/views', body);
  }

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }, { field: 'email', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string' },
        { field: 'status', type: 'string' },
        { field: 'rating', type: 'integer' },
        { field: 'price', type: 'decimal', precision: 8, scale: 2 },
        { field: 'secret', type: 'string' },
      ],
    });
    await created('/relations', { collection: 'posts', field: 'author', related_collection: 'authors', one_field: 'posts' });
    const [ann, bob] = await created('/items/authors', [
      { name: 'Ann', email: 'ann@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
    ]);
    await created('/items/posts', [
      { title: 'Alpha', status: 'published', rating: 5, price: '10.50', secret: 's1', author: ann.id },
      { title: 'Beta', status: 'draft', rating: 3, price: '4.00', secret: 's2', author: ann.id },
      { title: 'Gamma', status: 'published', rating: 2, price: '7.25', secret: 's3', author: bob.id },
      { title: 'Delta', status: 'published', rating: 4, price: null, secret: 's4', author: bob.id },
      { title: 'Epsilon', status: 'published', rating: 1, price: '1.00', secret: 's5', author: null },
    ]);
  });

  it('answers a view with a join exactly as the equivalent items query', async () => {
    const filter = { status: { _eq: 'published' } };
    await view({ name: 'published_posts', source: 'posts', fields: ['id', 'title', 'rating', 'author.name'], filter, sort: ['-rating'] });
    const viewed = await api.get(`${base}/items/published_posts`);
    const items = await api.get(`${base}/items/posts?${q({ fields: 'id,title,rating,author.name', filter, sort: '-rating' })}`);
    assert.equal(viewed.status, 200, viewed.text);
    assert.deepEqual(viewed.body, items.body);
    assert.deepEqual(viewed.body.data[0], { id: 1, title: 'Alpha', rating: 5, author: { id: 1, name: 'Ann' } });
  });

  it('answers an aggregate view with groupBy exactly as the equivalent items query', async () => {
    const aggregate = { count: ['*'], sum: ['rating'], avg: ['price'] };
    await view({ name: 'posts_per_author', source: 'posts', groupBy: ['author'], aggregate, filter: { status: { _eq: 'published' } } });
    const viewed = await api.get(`${base}/items/posts_per_author`);
    const items = await api.get(`${base}/items/posts?${q({ groupBy: 'author', aggregate, filter: { status: { _eq: 'published' } } })}`);
    assert.equal(viewed.status, 200, viewed.text);
    assert.deepEqual(viewed.body, items.body);
    assert.equal(viewed.body.data.length, 3);
    // The caller's filter applies to the groups, through their key.
    const one = await api.get(`${base}/items/posts_per_author?${q({ filter: { author: { _eq: 2 } } })}`);
    assert.deepEqual(one.body.data, items.body.data.filter((row: { author: number | null }) => row.author === 2));
    assertError(await api.get(`${base}/items/posts_per_author?${q({ filter: { rating: { _gt: 1 } } })}`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/posts_per_author?fields=author`), 400, 'INVALID_QUERY');
  });

  it("merges the caller's filter, sort, fields and paging onto the view", async () => {
    const narrowed = await api.get(`${base}/items/published_posts?${q({ filter: { author: { name: { _eq: 'Bob' } } }, sort: 'title', fields: 'title', meta: '*' })}`);
    assert.equal(narrowed.status, 200, narrowed.text);
    assert.deepEqual(narrowed.body, { data: [{ id: 4, title: 'Delta' }, { id: 3, title: 'Gamma' }], meta: { total_count: 4, filter_count: 2 } });
    const paged = await api.get(`${base}/items/published_posts?limit=2&page=2&fields=title`);
    assert.deepEqual(paged.body.data, [{ id: 3, title: 'Gamma' }, { id: 5, title: 'Epsilon' }]);
    const searched = await api.get(`${base}/items/published_posts?search=gam&fields=title`);
    assert.deepEqual(searched.body.data, [{ id: 3, title: 'Gamma' }]);
    // Nothing outside the view's output can be selected, filtered or sorted on.
    assertError(await api.get(`${base}/items/published_posts?fields=secret`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/published_posts?${q({ filter: { secret: { _eq: 's1' } } })}`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/published_posts?${q({ filter: { author: { email: { _eq: 'ann@example.com' } } } })}`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/published_posts?sort=secret`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/published_posts?secret=s2`), 400, 'INVALID_QUERY');
    // The view's filter holds whatever the caller asks.
    const drafts = await api.get(`${base}/items/published_posts?${q({ filter: { title: { _eq: 'Beta' } } })}`);
    assert.deepEqual(drafts.body.data, []);
    const one = await api.get(`${base}/items/published_posts/3?fields=title`);
    assert.deepEqual(one.body.data, { id: 3, title: 'Gamma' });
    assertError(await api.get(`${base}/items/published_posts/2`), 404, 'NOT_FOUND');
  });

  it('computes fields in SQL the same way on every database', async () => {
    await view({
      name: 'post_labels',
      source: 'posts',
      fields: ['id', 'title'],
      sort: ['id'],
      computed: { label: "concat(upper(title), ' #', lower(status))", half: 'rating / 2', gross: '(price + 1) * 2', named: "coalesce(secret, 'none')" },
    });
    const read = await api.get(`${base}/items/post_labels?limit=4`);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data[0], { id: 1, title: 'Alpha', label: 'ALPHA #published', half: 2.5, gross: 23, named: 's1' });
    assert.equal(read.body.data[3].gross, null);
    const only = await api.get(`${base}/items/post_labels?fields=half&limit=2`);
    assert.deepEqual(only.body.data, [{ half: 2.5 }, { half: 1.5 }]);
  });

  it('refuses invalid definitions with 400 naming the problem, and a name that is taken with 409', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const response = await api.post(`${base}/views`, { name: 'bad_view', source: 'posts', fields: ['id'], ...body });
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, response.text);
    };
    await bad({ source: 'nothing' }, 'source');
    await bad({ fields: ['id', 'author.nme'] }, 'fields');
    await bad({ filter: { rating: { _gtx: 1 } } }, 'filter');
    await bad({ sort: ['nope'] }, 'sort');
    await bad({ computed: { x: 'title * 2' } }, 'computed.x');
    await bad({ computed: { x: 'drop(title)' } }, 'computed.x');
    await bad({ computed: { title: 'rating' } }, 'computed.title');
    await bad({ unknown: 1 }, 'unknown');
    assertError(await api.post(`${base}/views`, { name: 'posts', source: 'posts', fields: ['id'] }), 409, 'CONFLICT');
    assertError(await api.post(`${base}/views`, { name: 'published_posts', source: 'posts', fields: ['id'] }), 409, 'CONFLICT');
  });

  it('refuses writes to a view', async () => {
    assertError(await api.post(`${base}/items/published_posts`, { title: 'x' }), 403, 'FORBIDDEN');
    assertError(await api.patch(`${base}/items/published_posts/1`, { title: 'x' }), 403, 'FORBIDDEN');
    assertError(await api.delete(`${base}/items/published_posts/1`), 403, 'FORBIDDEN');
    assertError(await suite.api.post(`${base}/items/published_posts`, { title: 'x' }), 403, 'FORBIDDEN');
  });

  it('serves a published view without a token, and one that requires a key only with a key', async () => {
    const path = `/api/v1/public/${owned.workspace.slug}/views`;
    assertError(await suite.api.get(`${path}/published_posts`), 404, 'NOT_FOUND');
    await api.patch(`${base}/views/published_posts`, { public: true });
    const anonymous = await suite.api.get(`${path}/published_posts?fields=title&limit=2`);
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.deepEqual(anonymous.body.data, [{ id: 1, title: 'Alpha' }, { id: 4, title: 'Delta' }]);
    assertError(await suite.api.get(`${path}/published_posts?fields=secret`), 400, 'INVALID_QUERY');
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      assertError(await suite.api.request(method, `${path}/published_posts`, { body: {} }), 403, 'FORBIDDEN');
    }
    assertError(await suite.api.get(`${path}/missing`), 404, 'NOT_FOUND');

    await api.patch(`${base}/views/published_posts`, { public_requires_key: true });
    assertError(await suite.api.get(`${path}/published_posts`), 401, 'INVALID_CREDENTIALS');
    const key = await api.post(`/api/v1/workspaces/${owned.workspace.slug}/api-keys`, { name: 'reader', role: 'viewer' });
    assert.equal(key.status, 201, key.text);
    const keyed = await suite.api.get(`${path}/published_posts?fields=title&limit=1`, { token: key.body.data.key });
    assert.equal(keyed.status, 200, keyed.text);
    assert.deepEqual(keyed.body.data, [{ id: 1, title: 'Alpha' }]);
    const byQuery = await suite.api.get(`${path}/published_posts?fields=title&limit=1&access_token=${key.body.data.key}`);
    assert.deepEqual(byQuery.body.data, [{ id: 1, title: 'Alpha' }]);
    await api.patch(`${base}/views/published_posts`, { public: false, public_requires_key: false });
  });

  it('shows an app role nothing its policies forbid', async () => {
    // The public role reads published posts' titles and ratings, and nothing of authors.
    const policy = await api.post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', fields: ['title', 'rating', 'status'], filter: { rating: { _gte: 3 } } });
    assert.equal(policy.status, 201, policy.text);
    await view({ name: 'titles', source: 'posts', fields: ['title', 'rating'], sort: ['title'] });
    await view({ name: 'with_secret', source: 'posts', fields: ['title', 'secret'] });
    await view({ name: 'with_computed_secret', source: 'posts', fields: ['title'], computed: { s: 'upper(secret)' } });
    await view({ name: 'author_names', source: 'authors', fields: ['name'] });
    const anonymous = suite.api;
    const titles = await anonymous.get(`${base}/items/titles`);
    assert.equal(titles.status, 200, titles.text);
    // Row filters of the caller's policy apply: only ratings 3 and up.
    assert.deepEqual(titles.body.data, [{ id: 1, title: 'Alpha', rating: 5 }, { id: 2, title: 'Beta', rating: 3 }, { id: 4, title: 'Delta', rating: 4 }]);
    assertError(await anonymous.get(`${base}/items/published_posts`), 403, 'FORBIDDEN');
    assertError(await anonymous.get(`${base}/items/with_secret`), 403, 'FORBIDDEN');
    assertError(await anonymous.get(`${base}/items/with_computed_secret`), 403, 'FORBIDDEN');
    assertError(await anonymous.get(`${base}/items/author_names`), 403, 'FORBIDDEN');
    assertError(await anonymous.get(`${base}/items/posts_per_author`), 403, 'FORBIDDEN');
  });

  it('lists views in the workspace OpenAPI document with their output schema', async () => {
    await view({ name: 'open_titles', source: 'posts', fields: ['id', 'title', 'author.name'], computed: { stars: 'rating * 1' }, public: true });
    const document = await api.get(`${base}/openapi.json`);
    assert.equal(document.status, 200, document.text);
    assert.ok(document.body.paths['/items/open_titles'].get);
    assert.equal(document.body.paths['/items/open_titles'].post, undefined);
    assert.ok(document.body.paths[`/public/${owned.workspace.slug}/views/open_titles`].get);
    const row = document.body.components.schemas.open_titles;
    assert.deepEqual(Object.keys(row.properties), ['id', 'title', 'author', 'stars']);
    assert.deepEqual(Object.keys(row.properties.author.properties), ['id', 'name']);
    assert.equal(row.properties.stars.type, 'number');
  });

  it('answers a clear error when a schema change breaks a view', async () => {
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }, { field: 'extra', type: 'string' }] });
    await view({ name: 'note_extras', source: 'notes', fields: ['id', 'extra'] });
    // Deleting the field is refused while the view reads it; a rename is not checked against views.
    assertError(await api.delete(`${base}/fields/notes/extra`), 409, 'CONFLICT');
    const renamed = await api.patch(`${base}/fields/notes/extra`, { field: 'extras' });
    assert.equal(renamed.status, 200, renamed.text);
    const read = await api.get(`${base}/items/note_extras`);
    assertError(read, 409, 'CONFLICT');
    assert.match(read.body.errors[0].message, /note_extras.*extra/);
  });

  /** The names of the root query fields a caller's GraphQL schema has. */
  async function queryFields(caller: Api): Promise<string[]> {
    const data = await graphqlData(caller, base, '{ __schema { queryType { fields { name } } } }');
    return data.__schema.queryType.fields.map((field: { name: string }) => field.name);
  }

  /** A type's fields and the names of their types, lists and non-nulls unwrapped: {title: 'String'}. */
  async function typeFields(caller: Api, name: string): Promise<Record<string, string>> {
    const data = await graphqlData(caller, base, `{ __type(name: "${name}") { fields { name type { name ofType { name ofType { name ofType { name } } } } } } }`);
    type TypeRef = { name: string | null; ofType?: TypeRef | null };
    const named = (type: TypeRef): string => type.name ?? named(type.ofType!);
    return Object.fromEntries(data.__type.fields.map((field: { name: string; type: TypeRef }) => [field.name, named(field.type)]));
  }

  it('answers GraphQL queries of a join view, with computed fields, as REST /items/{view} does', async () => {
    const rest = await api.get(`${base}/items/published_posts`);
    const data = await graphqlData(api, base, '{ published_posts { id title rating author { id name } } }');
    assert.equal(data.published_posts.length, 4);
    assert.deepEqual(data.published_posts, rest.body.data);
    // The caller's filter, sort and paging merge onto the view's, as on REST.
    const filter = { author: { name: { _eq: 'Bob' } } };
    const narrowed = await api.get(`${base}/items/published_posts?${q({ filter, sort: '-title', limit: 5, fields: 'title,author.name' })}`);
    const viaGraphQL = await graphqlData(api, base, '{ published_posts(filter: {author: {name: {_eq: "Bob"}}}, sort: ["-title"], limit: 5) { id title author { id name } } }');
    assert.deepEqual(viaGraphQL.published_posts, narrowed.body.data);
    assert.deepEqual(narrowed.body.data.map((row: { title: string }) => row.title), ['Gamma', 'Delta']);
    const paged = await graphqlData(api, base, '{ published_posts(search: "a", limit: 2, page: 2) { id title } }');
    assert.deepEqual(paged.published_posts, (await api.get(`${base}/items/published_posts?search=a&limit=2&page=2&fields=title`)).body.data);
    const computed = await graphqlData(api, base, '{ post_labels(limit: 4) { id title label half gross named } }');
    assert.deepEqual(computed.post_labels, (await api.get(`${base}/items/post_labels?limit=4`)).body.data);
    assert.deepEqual(await graphqlData(api, base, '{ post_labels(limit: 2) { half } }'), { post_labels: [{ half: 2.5 }, { half: 1.5 }] });
    // A one-to-many nests as a list, and is filtered with _some and _none.
    await view({ name: 'authors_posts', source: 'authors', fields: ['id', 'name', 'posts.title'], sort: ['id'] });
    const some = { posts: { _some: { title: { _eq: 'Gamma' } } } };
    const authors = await api.get(`${base}/items/authors_posts?${q({ filter: some })}`);
    assert.equal(authors.status, 200, authors.text);
    const nested = await graphqlData(api, base, '{ authors_posts(filter: {posts: {_some: {title: {_eq: "Gamma"}}}}) { id name posts { id title } } }');
    assert.deepEqual(nested.authors_posts, authors.body.data);
    assert.equal(nested.authors_posts[0].name, 'Bob');
    assert.deepEqual(await typeFields(api, 'authors_posts'), { id: 'Int', name: 'String', posts: 'authors_posts_Posts' });
    // Typed from the source's fields; computed numbers are floats, computed text strings.
    assert.deepEqual(await typeFields(api, 'published_posts'), { id: 'Int', title: 'String', rating: 'Int', author: 'published_posts_Author' });
    assert.deepEqual(await typeFields(api, 'published_posts_Author'), { id: 'Int', name: 'String' });
    assert.deepEqual(await typeFields(api, 'post_labels'), { id: 'Int', title: 'String', label: 'String', half: 'Float', gross: 'Float', named: 'String' });
    // Only the view's outputs can be selected or filtered on: anything else is not in the schema.
    assertGraphQLError(await graphql(api, base, '{ published_posts { secret } }'), 'INVALID_QUERY');
    assertGraphQLError(await graphql(api, base, '{ published_posts(filter: {secret: {_eq: "s1"}}) { id } }'), 'INVALID_QUERY');
    assertGraphQLError(await graphql(api, base, '{ published_posts(filter: {author: {email: {_eq: "ann@example.com"}}}) { id } }'), 'INVALID_QUERY');
    // A sort outside the view is refused by the view reader, with REST's error.
    const sorted = await graphql(api, base, '{ published_posts(sort: ["secret"]) { id } }');
    assertGraphQLError(sorted, 'INVALID_QUERY');
    assert.equal(sorted.body.errors[0].message, (await api.get(`${base}/items/published_posts?sort=secret`)).body.errors[0].message);
  });

  it('answers GraphQL queries of an aggregate view as REST /items/{view} does, counts of all as countAll', async () => {
    const rest = await api.get(`${base}/items/posts_per_author`);
    assert.equal(rest.status, 200, rest.text);
    const asGraphQL = (rows: Array<Record<string, unknown>>) => rows.map(({ count, ...row }) => ({ ...row, countAll: count }));
    const data = await graphqlData(api, base, '{ posts_per_author { author countAll sum { rating } avg { price } } }');
    assert.equal(data.posts_per_author.length, 3);
    assert.deepEqual(data.posts_per_author, asGraphQL(rest.body.data));
    const one = await graphqlData(api, base, '{ posts_per_author(filter: {author: {_eq: 2}}) { author countAll sum { rating } avg { price } } }');
    assert.deepEqual(one.posts_per_author, asGraphQL((await api.get(`${base}/items/posts_per_author?${q({ filter: { author: { _eq: 2 } } })}`)).body.data));
    assert.deepEqual(await typeFields(api, 'posts_per_author'), { author: 'Int', countAll: 'Int', sum: 'posts_per_author_Sum', avg: 'posts_per_author_Avg' });
    assert.deepEqual(await typeFields(api, 'posts_per_author_Avg'), { price: 'Float' });
    // Filters name the groupBy fields only; fields, search and aggregates of the caller's own are not arguments.
    assertGraphQLError(await graphql(api, base, '{ posts_per_author(filter: {rating: {_gt: 1}}) { author } }'), 'INVALID_QUERY');
    assertGraphQLError(await graphql(api, base, '{ posts_per_author(search: "a") { author } }'), 'INVALID_QUERY');
    // Views are read-only: no mutations, no subscriptions, no _aggregated or _by_id of their own.
    const fields = await queryFields(api);
    assert.ok(fields.includes('published_posts') && fields.includes('posts_per_author'));
    assert.ok(!fields.includes('published_posts_aggregated') && !fields.includes('published_posts_by_id'));
    const roots = await graphqlData(api, base, '{ __schema { mutationType { fields { name } } subscriptionType { fields { name } } } }');
    const names = [...roots.__schema.mutationType.fields, ...roots.__schema.subscriptionType.fields].map((field: { name: string }) => field.name);
    assert.ok(names.includes('create_posts_item') && names.includes('posts_mutated'));
    assert.ok(!names.some((name) => name.includes('published_posts') || name.includes('posts_per_author')), names.join());
    // A view a schema change broke is left out until it is fixed.
    assert.ok(!fields.includes('note_extras'));
  });

  it('shows a view created, changed or deleted in GraphQL at the next request', async () => {
    assert.ok(!(await queryFields(api)).includes('fresh_titles'));
    await view({ name: 'fresh_titles', source: 'posts', fields: ['id', 'title'], filter: { rating: { _gte: 4 } }, sort: ['id'] });
    assert.deepEqual(await graphqlData(api, base, '{ fresh_titles { id title } }'), { fresh_titles: [{ id: 1, title: 'Alpha' }, { id: 4, title: 'Delta' }] });
    const changed = await api.patch(`${base}/views/fresh_titles`, { fields: ['id', 'rating'] });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(await graphqlData(api, base, '{ fresh_titles { id rating } }'), { fresh_titles: [{ id: 1, rating: 5 }, { id: 4, rating: 4 }] });
    assertGraphQLError(await graphql(api, base, '{ fresh_titles { title } }'), 'INVALID_QUERY');
    assert.equal((await api.delete(`${base}/views/fresh_titles`)).status, 204);
    assertGraphQLError(await graphql(api, base, '{ fresh_titles { id } }'), 'INVALID_QUERY');
    assert.ok(!(await queryFields(api)).includes('fresh_titles'));
    // A view whose rows hold nothing (an empty aggregate) has no GraphQL type, and does not break the schema.
    await view({ name: 'nothing_grouped', source: 'posts', aggregate: {} });
    const fields = await queryFields(api);
    assert.ok(fields.includes('published_posts') && !fields.includes('nothing_grouped'));
    assert.equal((await api.delete(`${base}/views/nothing_grouped`)).status, 204);
  });

  it('gives an app role in GraphQL only the views it may read whole, read through its policies', async () => {
    const anonymous = suite.api;
    const fields = await queryFields(anonymous);
    assert.ok(fields.includes('titles'), fields.join());
    for (const forbidden of ['published_posts', 'with_secret', 'with_computed_secret', 'author_names', 'posts_per_author', 'post_labels']) {
      assert.ok(!fields.includes(forbidden), `${forbidden} is in the schema of a role that may not read it`);
    }
    assertGraphQLError(await graphql(anonymous, base, '{ published_posts { id } }'), 'INVALID_QUERY');
    assertGraphQLError(await graphql(anonymous, base, '{ with_secret { title } }'), 'INVALID_QUERY');
    // The view it may read answers what REST answers it: the policy's row filter applies.
    const rest = await anonymous.get(`${base}/items/titles`);
    assert.equal(rest.status, 200, rest.text);
    const data = await graphqlData(anonymous, base, '{ titles { id title rating } }');
    assert.deepEqual(data.titles, rest.body.data);
    assert.deepEqual(data.titles.map((row: { rating: number }) => row.rating), [5, 3, 4]);
    // Its OpenAPI document lists the same views.
    const document = await anonymous.get(`${base}/openapi.json`);
    assert.equal(document.status, 200, document.text);
    assert.ok(document.body.paths['/items/titles']);
    assert.equal(document.body.paths['/items/published_posts'], undefined);
  });
});
