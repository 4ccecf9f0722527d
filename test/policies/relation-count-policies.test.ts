import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

const q = (params: Record<string, unknown>) =>
  new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])).toString();

/**
 * Side doors of counts and groups through relations: a `count(relation)`, a sort by one and a groupBy
 * path never reveal a row the caller's read policies hide, through REST, GraphQL and realtime.
 *
 *   posts    Alpha (published): comments 1 approved + 2 not; tags news + secret
 *            Beta  (published): comments 2 approved
 *            Draft (draft):     comments 2 approved
 *   The public and authenticated roles read published posts, approved comments, tags but "secret".
 */
describeEachDatabase('counts and groups through relations under read policies', {}, (suite) => {
  let api: Api;
  let base: string;
  let anonymous: Api;
  let url: string;
  const clients: RealtimeClient[] = [];
  const ids: Record<string, number> = {};

  async function created(path: string, body: unknown): Promise<any> {
    const response = await api.post(`${base}${path}`, body);
    assert.ok(response.status === 200 || response.status === 201, response.text);
    return response.body.data;
  }

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    anonymous = suite.api.as(null);
    url = `${suite.app.url.replace('http', 'ws')}${base}/realtime`;
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] });
    await newCollection(api, base, { collection: 'comments', fields: [{ field: 'body', type: 'string' }, { field: 'approved', type: 'boolean' }] });
    await newCollection(api, base, { collection: 'tags', fields: [{ field: 'label', type: 'string' }] });
    await created('/relations', { collection: 'comments', field: 'post', related_collection: 'posts', one_field: 'comments' });
    await created('/relations', { collection: 'posts', field: 'tags', related_collection: 'tags', junction: true, one_field: 'posts' });
    const [alpha, beta, draft] = await created('/items/posts', [
      { title: 'Alpha', status: 'published' },
      { title: 'Beta', status: 'published' },
      { title: 'Draft', status: 'draft' },
    ]);
    Object.assign(ids, { alpha: alpha.id, beta: beta.id, draft: draft.id });
    await created('/items/comments', [
      { body: 'a-ok', approved: true, post: alpha.id },
      { body: 'a-hidden-1', approved: false, post: alpha.id },
      { body: 'a-hidden-2', approved: false, post: alpha.id },
      { body: 'b-ok-1', approved: true, post: beta.id },
      { body: 'b-ok-2', approved: true, post: beta.id },
      { body: 'd-ok-1', approved: true, post: draft.id },
      { body: 'd-ok-2', approved: true, post: draft.id },
    ]);
    const [news, secret] = await created('/items/tags', [{ label: 'news' }, { label: 'secret' }]);
    await created('/items/posts_tags', [
      { posts_id: alpha.id, tags_id: news.id },
      { posts_id: alpha.id, tags_id: secret.id },
    ]);
    for (const role of ['public', 'authenticated']) {
      await created('/policies', { role, collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status'] });
      await created('/policies', { role, collection: 'comments', action: 'read', filter: { approved: { _eq: true } }, fields: ['body', 'post'] });
      await created('/policies', { role, collection: 'tags', action: 'read', filter: { label: { _neq: 'secret' } }, fields: ['label'] });
      await created('/policies', { role, collection: 'posts_tags', action: 'read', fields: ['posts_id', 'tags_id'] });
    }
  });

  after(() => {
    for (const client of clients) client.close();
  });

  const visibleCounts = () => [
    { id: ids.beta, title: 'Beta', comments_count: 2, tags_count: 0 },
    { id: ids.alpha, title: 'Alpha', comments_count: 1, tags_count: 1 },
  ];

  it('counts and sorts by only the related rows the caller may read, over REST', async () => {
    const params = { fields: 'title,count(comments),count(tags)', sort: '-count(comments)' };
    const seen = await anonymous.get(`${base}/items/posts?${q(params)}`);
    assert.equal(seen.status, 200, seen.text);
    assert.deepEqual(seen.body.data, visibleCounts(), 'Alpha counts 1 comment and 1 tag, and sorts after Beta');
    const owner = await api.get(`${base}/items/posts?${q(params)}`);
    assert.deepEqual(
      owner.body.data.map((row: any) => [row.title, row.comments_count, row.tags_count]),
      [
        ['Alpha', 3, 2],
        ['Draft', 2, 0],
        ['Beta', 2, 0],
      ],
      'the owner counts every row (ties by key, in the direction of the sort)',
    );
    const sortedAlone = await anonymous.get(`${base}/items/posts?${q({ fields: 'title', sort: '-count(comments)' })}`);
    assert.deepEqual(sortedAlone.body.data.map((row: any) => row.title), ['Beta', 'Alpha'], 'a sort by a count that is not read counts the same rows');
  });

  it('groups through a relation without telling what the caller may not read of the related row', async () => {
    const response = await anonymous.get(`${base}/items/comments?${q({ aggregate: { count: '*' }, groupBy: 'post.title' })}`);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.data, [
      { post: { title: null }, count: 2 },
      { post: { title: 'Alpha' }, count: 1 },
      { post: { title: 'Beta' }, count: 2 },
    ]);
    const sorted = await anonymous.get(`${base}/items/comments?${q({ aggregate: { count: '*' }, groupBy: 'post.title', sort: '-post.title' })}`);
    assert.deepEqual(sorted.body.data.map((row: any) => row.post.title), ['Beta', 'Alpha', null]);
    const status = await anonymous.get(`${base}/items/comments?${q({ aggregate: { count: '*' }, groupBy: 'post.secret' })}`);
    assert.equal(status.status, 400, 'a field the role may not read is unknown in a groupBy path');
  });

  it('aggregates through a relation only the related rows the caller may read', async () => {
    const aggregate = { count: 'post.title', countDistinct: 'post.title', max: 'post.title' };
    const response = await anonymous.get(`${base}/items/comments?${q({ aggregate })}`);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(
      response.body.data,
      [{ count: { 'post.title': 3 }, countDistinct: { 'post.title': 2 }, max: { 'post.title': 'Beta' } }],
      'the approved comments of the draft reach no post: its title is neither counted nor the max',
    );
    const owner = await api.get(`${base}/items/comments?${q({ aggregate })}`);
    assert.deepEqual(owner.body.data, [{ count: { 'post.title': 7 }, countDistinct: { 'post.title': 3 }, max: { 'post.title': 'Draft' } }]);
    const hidden = await anonymous.get(`${base}/items/comments?${q({ aggregate: { max: 'post.created_at' } })}`);
    assertError(hidden, 400, 'INVALID_QUERY');
    assert.equal(hidden.body.errors[0].extensions.field, 'post.created_at', 'a field the role may not read is unknown in an aggregate path');
  });

  it('answers GraphQL counts and groups as REST does', async () => {
    const data = await graphqlData(anonymous, base, '{ posts(sort: ["-count(comments)"]) { id title comments_func { count } tags_func { count } } }');
    assert.deepEqual(
      data.posts,
      visibleCounts().map((row) => ({ id: row.id, title: row.title, comments_func: { count: row.comments_count }, tags_func: { count: row.tags_count } })),
    );
    const grouped = await graphqlData(anonymous, base, '{ comments_aggregated(groupBy: ["post.title"]) { group countAll } }');
    assert.deepEqual(grouped.comments_aggregated, [
      { group: { 'post.title': null }, countAll: 2 },
      { group: { 'post.title': 'Alpha' }, countAll: 1 },
      { group: { 'post.title': 'Beta' }, countAll: 2 },
    ]);
  });

  it('counts only readable rows in a realtime subscription, at init and in its events', async () => {
    const user = await newAppUser(suite.api, base);
    const client = await RealtimeClient.connect(url);
    clients.push(client);
    client.send({ type: 'auth', access_token: user.accessToken });
    assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    const init = await client.subscribe('posts', { fields: ['title', 'count(comments)', 'count(tags)'], sort: ['-count(comments)'] });
    assert.deepEqual(init.data, visibleCounts());
    assert.equal((await api.patch(`${base}/items/posts/${ids.alpha}`, { title: 'Alpha!' })).status, 200);
    const event = await client.next((message) => message.event === 'update');
    assert.deepEqual(event.data, [{ id: ids.alpha, title: 'Alpha!', comments_count: 1, tags_count: 1 }]);
  });
});
