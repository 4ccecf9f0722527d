import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createDirectus, readItems, rest, staticToken } from '@directus/sdk';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api } from '../support/http';

const q = (params: Record<string, unknown>) =>
  new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString();

/**
 * `count(relation)` in fields and sort (one-to-many and many-to-many), groupBy through many-to-one paths,
 * and a view of posts with their comment counts, zero included: REST, GraphQL, the Directus SDK.
 *
 *   posts     Alpha (Ann): 3 comments, 2 tags   Beta (Bob): 1 comment, 1 tag   Gamma (no author): none
 */
describeEachDatabase('relational counts and aggregates', {}, (suite) => {
  let api: Api;
  let base: string;
  let slug: string;
  const ids: Record<string, number> = {};

  async function created(path: string, body: unknown): Promise<any> {
    const response = await api.post(`${base}${path}`, body);
    assert.ok(response.status === 200 || response.status === 201, response.text);
    return response.body.data;
  }

  async function read(params: Record<string, unknown>, collection = 'posts'): Promise<any[]> {
    const response = await api.get(`${base}/items/${collection}?${q(params)}`);
    assert.equal(response.status, 200, response.text);
    return response.body.data;
  }

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    slug = owned.workspace.slug;
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'views', type: 'integer' }] });
    await newCollection(api, base, { collection: 'comments', fields: [{ field: 'body', type: 'string' }, { field: 'likes', type: 'integer' }] });
    await newCollection(api, base, { collection: 'tags', fields: [{ field: 'label', type: 'string' }] });
    await created('/relations', { collection: 'posts', field: 'author', related_collection: 'authors', one_field: 'posts' });
    await created('/relations', { collection: 'comments', field: 'post', related_collection: 'posts', one_field: 'comments' });
    await created('/relations', { collection: 'posts', field: 'tags', related_collection: 'tags', junction: true, one_field: 'posts' });
    const [ann, bob] = await created('/items/authors', [{ name: 'Ann' }, { name: 'Bob' }]);
    const [alpha, beta, gamma] = await created('/items/posts', [
      { title: 'Alpha', views: 10, author: ann.id },
      { title: 'Beta', views: 5, author: bob.id },
      { title: 'Gamma', views: 1, author: null },
    ]);
    Object.assign(ids, { ann: ann.id, bob: bob.id, alpha: alpha.id, beta: beta.id, gamma: gamma.id });
    await created('/items/comments', [
      { body: 'a1', likes: 3, post: alpha.id },
      { body: 'a2', likes: 1, post: alpha.id },
      { body: 'a3', likes: 0, post: alpha.id },
      { body: 'b1', likes: 7, post: beta.id },
      { body: 'orphan', likes: 2, post: null },
    ]);
    const [news, tech] = await created('/items/tags', [{ label: 'news' }, { label: 'tech' }]);
    await created('/items/posts_tags', [
      { posts_id: alpha.id, tags_id: news.id },
      { posts_id: alpha.id, tags_id: tech.id },
      { posts_id: beta.id, tags_id: tech.id },
    ]);
  });

  it('answers count(relation) of a one-to-many and a many-to-many as <relation>_count, zero included', async () => {
    const rows = await read({ fields: 'id,title,count(comments),count(tags)', sort: 'id' });
    assert.deepEqual(rows, [
      { id: ids.alpha, title: 'Alpha', comments_count: 3, tags_count: 2 },
      { id: ids.beta, title: 'Beta', comments_count: 1, tags_count: 1 },
      { id: ids.gamma, title: 'Gamma', comments_count: 0, tags_count: 0 },
    ]);
    const one = await api.get(`${base}/items/posts/${ids.gamma}?fields=title,count(comments)`);
    assert.deepEqual(one.body.data, { id: ids.gamma, title: 'Gamma', comments_count: 0 });
  });

  it('sorts by a count, with or without reading it, and pages by it', async () => {
    assert.deepEqual(
      (await read({ fields: 'title,count(comments)', sort: '-count(comments)' })).map((row) => [row.title, row.comments_count]),
      [
        ['Alpha', 3],
        ['Beta', 1],
        ['Gamma', 0],
      ],
    );
    assert.deepEqual((await read({ fields: 'title', sort: 'count(tags),title', limit: 2 })).map((row) => row.title), ['Gamma', 'Beta']);
    assert.deepEqual((await read({ fields: 'title', sort: '-count(tags)', limit: 1, offset: 1 })).map((row) => row.title), ['Beta']);
  });

  it('counts in nested reads, and counts with a filter on them', async () => {
    const authors = await read({ fields: 'name,count(posts),posts.title,posts.count(comments)', sort: 'name', deep: { posts: { _sort: ['title'], _limit: 1 } } }, 'authors');
    assert.deepEqual(authors, [
      { id: ids.ann, name: 'Ann', posts: [{ id: ids.alpha, title: 'Alpha', comments_count: 3 }], posts_count: 1 },
      { id: ids.bob, name: 'Bob', posts: [{ id: ids.beta, title: 'Beta', comments_count: 1 }], posts_count: 1 },
    ]);
    const comments = await read({ fields: 'body,post.title,post.count(tags)', filter: { likes: { _gte: 3 } }, sort: 'body' }, 'comments');
    assert.deepEqual(
      comments.map(({ body, post }) => ({ body, post })),
      [
        { body: 'a1', post: { id: ids.alpha, title: 'Alpha', tags_count: 2 } },
        { body: 'b1', post: { id: ids.beta, title: 'Beta', tags_count: 1 } },
      ],
    );
    const filtered = await read({ fields: 'title,count(comments)', filter: { comments: { _some: { likes: { _gt: 5 } } } } });
    assert.deepEqual(filtered, [{ id: ids.beta, title: 'Beta', comments_count: 1 }]);
  });

  it('refuses counts it can not answer with a 400 naming them', async () => {
    for (const [params, field] of [
      [{ fields: 'count(author)' }, 'count(author)'],
      [{ fields: 'count(title)' }, 'count(title)'],
      [{ fields: 'count(nothing)' }, 'count(nothing)'],
      [{ sort: 'count(author)' }, 'count(author)'],
      [{ fields: 'comments.id', deep: { comments: { _sort: ['-count(tags)'] } } }, 'count(tags)'],
    ] as const) {
      const response = await api.get(`${base}/items/posts?${q(params)}`);
      assertError(response, 400, 'INVALID_QUERY');
      assert.equal(response.body.errors[0].extensions.field, field, response.text);
    }
    assertError(await api.get(`${base}/items/posts?${q({ aggregate: { count: '*' }, groupBy: 'title', sort: 'count(comments)' })}`), 400, 'INVALID_QUERY');
  });

  it('groups by a path through a many-to-one, nested as fields answers it, rows without one under null', async () => {
    const groups = await read({ aggregate: { count: '*', sum: 'likes' }, groupBy: 'post.title', sort: '-post.title' }, 'comments');
    assert.deepEqual(groups, [
      { post: { title: 'Beta' }, count: 1, sum: { likes: 7 } },
      { post: { title: 'Alpha' }, count: 3, sum: { likes: 4 } },
      { post: { title: null }, count: 1, sum: { likes: 2 } },
    ]);
    const twoHops = await read({ aggregate: { count: '*' }, groupBy: 'post.author.name' }, 'comments');
    assert.deepEqual(twoHops, [
      { post: { author: { name: null } }, count: 1 },
      { post: { author: { name: 'Ann' } }, count: 3 },
      { post: { author: { name: 'Bob' } }, count: 1 },
    ]);
    const byPosts = await read({ aggregate: { sum: 'views' }, groupBy: 'author.name' });
    assert.deepEqual(byPosts, [
      { author: { name: null }, sum: { views: 1 } },
      { author: { name: 'Ann' }, sum: { views: 10 } },
      { author: { name: 'Bob' }, sum: { views: 5 } },
    ]);
    for (const groupBy of ['comments.body', 'post,post.title', 'post.nothing']) {
      assertError(await api.get(`${base}/items/posts?${q({ aggregate: { count: '*' }, groupBy })}`), 400, 'INVALID_QUERY');
    }
  });

  it('aggregates fields reached through many-to-one paths, keyed by the path, alone or in groups', async () => {
    const overall = await read({ aggregate: { sum: 'post.views', countDistinct: 'post', max: 'post.title', min: 'post.author.name' } }, 'comments');
    assert.deepEqual(overall, [{ sum: { 'post.views': 35 }, countDistinct: { post: 2 }, max: { 'post.title': 'Beta' }, min: { 'post.author.name': 'Ann' } }]);
    const byAuthor = await read({ aggregate: { sum: 'post.views', avg: 'post.views', count: '*' }, groupBy: 'post.author.name' }, 'comments');
    assert.deepEqual(byAuthor, [
      { post: { author: { name: null } }, sum: { 'post.views': null }, avg: { 'post.views': null }, count: 1 },
      { post: { author: { name: 'Ann' } }, sum: { 'post.views': 30 }, avg: { 'post.views': 10 }, count: 3 },
      { post: { author: { name: 'Bob' } }, sum: { 'post.views': 5 }, avg: { 'post.views': 5 }, count: 1 },
    ]);
    const refusals: Array<[Record<string, string>, string]> = [
      [{ sum: 'post.title' }, 'post.title'],
      [{ sum: 'post.comments' }, 'post.comments'],
      [{ max: 'post.nothing' }, 'post.nothing'],
      [{ count: 'post.author.posts.title' }, 'post.author.posts'],
      [{ sum: 'post..views' }, 'post..views'],
    ];
    for (const [aggregate, field] of refusals) {
      const response = await api.get(`${base}/items/comments?${q({ aggregate })}`);
      assertError(response, 400, 'INVALID_QUERY');
      assert.equal(response.body.errors[0].extensions.field, field, response.text);
    }
  });

  it('answers <relation>_func { count } in GraphQL, and groups by paths in _aggregated', async () => {
    const data = await graphqlData(api, base, '{ posts(sort: ["-count(comments)"]) { title comments_func { count } tags_func { count } author { name posts_func { count } } } }');
    assert.deepEqual(data.posts, [
      { title: 'Alpha', comments_func: { count: 3 }, tags_func: { count: 2 }, author: { name: 'Ann', posts_func: { count: 1 } } },
      { title: 'Beta', comments_func: { count: 1 }, tags_func: { count: 1 }, author: { name: 'Bob', posts_func: { count: 1 } } },
      { title: 'Gamma', comments_func: { count: 0 }, tags_func: { count: 0 }, author: null },
    ]);
    const grouped = await graphqlData(api, base, '{ comments_aggregated(groupBy: ["post.title"], sort: ["post.title"]) { group countAll } }');
    assert.deepEqual(grouped.comments_aggregated, [
      { group: { 'post.title': null }, countAll: 1 },
      { group: { 'post.title': 'Alpha' }, countAll: 3 },
      { group: { 'post.title': 'Beta' }, countAll: 1 },
    ]);
  });

  it('reads counts through the Directus SDK', async () => {
    const key = await api.post(`/api/v1/workspaces/${slug}/api-keys`, { name: 'sdk', role: 'viewer' });
    assert.equal(key.status, 201, key.text);
    const client = createDirectus<{ posts: Array<{ id: number; title: string; comments: number[] }> }>(`${suite.app.url}${base}`).with(staticToken(key.body.data.key)).with(rest());
    const posts = await client.request(readItems('posts', { fields: ['title', 'count(comments)'] as never, sort: ['-count(comments)'] as never }));
    assert.deepEqual(posts, [
      { id: ids.alpha, title: 'Alpha', comments_count: 3 },
      { id: ids.beta, title: 'Beta', comments_count: 1 },
      { id: ids.gamma, title: 'Gamma', comments_count: 0 },
    ]);
  });

  it('makes "posts with their comment counts, zero included" one view: REST, GraphQL and its public URL', async () => {
    await created('/views', { name: 'posts_with_counts', source: 'posts', fields: ['id', 'title', 'count(comments)'], sort: ['-count(comments)', 'title'], public: true });
    const expected = [
      { id: ids.alpha, title: 'Alpha', comments_count: 3 },
      { id: ids.beta, title: 'Beta', comments_count: 1 },
      { id: ids.gamma, title: 'Gamma', comments_count: 0 },
    ];
    assert.deepEqual(await read({}, 'posts_with_counts'), expected);
    assert.deepEqual(await read({ fields: 'title,count(comments)', sort: 'count(comments)', limit: 2 }, 'posts_with_counts'), [
      { id: ids.gamma, title: 'Gamma', comments_count: 0 },
      { id: ids.beta, title: 'Beta', comments_count: 1 },
    ]);
    assertError(await api.get(`${base}/items/posts_with_counts?${q({ sort: 'count(tags)' })}`), 400, 'INVALID_QUERY');
    const published = await suite.api.as(null).get(`/api/v1/public/${slug}/views/posts_with_counts?limit=5`);
    assert.equal(published.status, 200, published.text);
    assert.deepEqual(published.body.data, expected);
    const data = await graphqlData(api, base, '{ posts_with_counts(limit: 2) { title comments_func { count } } }');
    assert.deepEqual(data.posts_with_counts, [
      { title: 'Alpha', comments_func: { count: 3 } },
      { title: 'Beta', comments_func: { count: 1 } },
    ]);
    const response = await api.post(`${base}/views`, { name: 'by_post', source: 'comments', groupBy: ['post.title'], aggregate: { count: ['*'] } });
    assertError(response, 400, 'INVALID_PAYLOAD');
    const aggregated = await api.post(`${base}/views`, { name: 'post_views', source: 'comments', aggregate: { sum: ['post.views'] } });
    assertError(aggregated, 400, 'INVALID_PAYLOAD');
    assert.equal(aggregated.body.errors[0].extensions.field, 'aggregate', aggregated.text);
  });
});
