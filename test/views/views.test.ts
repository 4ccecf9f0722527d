import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
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
    await created('/collections', { collection: 'authors', fields: [{ field: 'name', type: 'string' }, { field: 'email', type: 'string' }] });
    await created('/collections', {
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
    await created('/collections', { collection: 'notes', fields: [{ field: 'body', type: 'string' }, { field: 'extra', type: 'string' }] });
    await view({ name: 'note_extras', source: 'notes', fields: ['id', 'extra'] });
    const dropped = await api.delete(`${base}/fields/notes/extra`);
    assert.ok(dropped.status === 204 || dropped.status === 200, dropped.text);
    const read = await api.get(`${base}/items/note_extras`);
    assertError(read, 409, 'CONFLICT');
    assert.match(read.body.errors[0].message, /note_extras.*extra/);
  });
});
