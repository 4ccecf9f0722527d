import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api } from '../support/http';

type Row = Record<string, any>;

/**
 * REST queries and their GraphQL twins read the same data: both go through the one parser, policy merge
 * and compiler. Each case names a REST query, the GraphQL query asking for the same fields (REST always
 * answers `id`, so the GraphQL side selects it too), and where the GraphQL answer's list is.
 */
describeEachDatabase('GraphQL and REST read the same data', {}, (suite) => {
  let api: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }, { field: 'born', type: 'date' }] });
    await newCollection(api, base, {
      collection: 'articles',
      fields: [
        { field: 'title', type: 'string' },
        { field: 'status', type: 'enum', values: ['draft', 'published'] },
        { field: 'rating', type: 'integer' },
        { field: 'price', type: 'decimal', precision: 8, scale: 2 },
        { field: 'views', type: 'bigint' },
        { field: 'featured', type: 'boolean' },
        { field: 'extra', type: 'json' },
      ],
    });
    await newCollection(api, base, { collection: 'comments', fields: [{ field: 'body', type: 'text' }, { field: 'likes', type: 'integer' }] });
    const steps = [
      await api.post(`${base}/relations`, { collection: 'articles', field: 'author', related_collection: 'authors', one_field: 'articles' }),
      await api.post(`${base}/relations`, { collection: 'comments', field: 'article', related_collection: 'articles', one_field: 'comments' }),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
    const authors = (await api.post(`${base}/items/authors`, [{ name: 'Ann', born: '1990-02-03' }, { name: 'Bob', born: '1985-11-30' }, { name: 'Cy' }])).body.data;
    const articles = (
      await api.post(`${base}/items/articles`, [
        { title: 'GraphQL in depth', status: 'published', rating: 5, price: 12.5, views: 1200, featured: true, extra: { tags: ['gql'] }, author: authors[0].id },
        { title: 'REST and you', status: 'published', rating: 3, price: 4, views: 90, featured: false, author: authors[0].id },
        { title: 'Drafting', status: 'draft', rating: 2, price: 0.99, views: 7, author: authors[1].id },
        { title: 'Graph theory', status: 'published', rating: 4, views: 9007199254740993n.toString(), author: authors[1].id },
        { title: 'Orphan', status: 'draft', rating: null },
      ])
    ).body.data;
    const comments = await api.post(`${base}/items/comments`, [
      { body: 'Great', likes: 3, article: articles[0].id },
      { body: 'Meh', likes: 0, article: articles[0].id },
      { body: 'Nice graph', likes: 7, article: articles[3].id },
    ]);
    assert.equal(comments.status, 200, comments.text);
  });

  const cases: Array<{ name: string; rest: string; graphql: string }> = [
    {
      name: 'a filter, a sort on two fields and a limit',
      rest: 'articles?filter[rating][_gte]=3&sort=-rating,id&limit=2&fields=id,title,rating',
      graphql: '{ articles(filter: {rating: {_gte: 3}}, sort: ["-rating", "id"], limit: 2) { id title rating } }',
    },
    {
      name: 'every field type',
      // updated_by is a user field: an object of the person in GraphQL, as updated_by.* is in REST.
      rest: 'articles?sort=id&fields=id,title,status,rating,price,views,featured,extra,created_at,updated_by.id,updated_by.kind',
      graphql: '{ articles(sort: ["id"]) { id title status rating price views featured extra created_at updated_by { id kind } } }',
    },
    {
      name: 'a many-to-one expanded',
      rest: 'articles?sort=id&fields=id,title,author.name,author.born',
      graphql: '{ articles(sort: ["id"]) { id title author { id name born } } }',
    },
    {
      name: 'a one-to-many expanded with its own sort and limit, two levels deep',
      rest: 'authors?sort=id&fields=id,name,articles.id,articles.title,articles.comments.body&deep[articles][_sort]=-rating&deep[articles][_limit]=1&deep[articles][comments][_filter][likes][_gt]=0',
      graphql: '{ authors(sort: ["id"]) { id name articles(sort: ["-rating"], limit: 1) { id title comments(filter: {likes: {_gt: 0}}) { id body } } } }',
    },
    {
      name: 'a filter across a many-to-one',
      rest: 'articles?filter[author][name][_eq]=Bob&sort=id&fields=id,title',
      graphql: '{ articles(filter: {author: {name: {_eq: "Bob"}}}, sort: ["id"]) { id title } }',
    },
    {
      name: 'a filter on a one-to-many with _some and _none, and _or',
      rest: 'authors?filter={"_or":[{"articles":{"_some":{"rating":{"_gte":5}}}},{"articles":{"_none":{"id":{"_nnull":true}}}}]}&sort=id&fields=id,name',
      graphql: '{ authors(filter: {_or: [{articles: {_some: {rating: {_gte: 5}}}}, {articles: {_none: {id: {_nnull: true}}}}]}, sort: ["id"]) { id name } }',
    },
    {
      name: 'string operators, _in, _between and _null',
      rest: 'articles?filter={"_and":[{"title":{"_icontains":"GRAPH"}},{"status":{"_in":["published","draft"]}},{"rating":{"_between":[1,4]}},{"author":{"_nnull":true}}]}&fields=id,title',
      graphql: '{ articles(filter: {_and: [{title: {_icontains: "GRAPH"}}, {status: {_in: ["published", "draft"]}}, {rating: {_between: [1, 4]}}, {author: {id: {_nnull: true}}}]}) { id title } }',
    },
    {
      name: 'search with a page',
      rest: 'articles?search=graph&sort=id&limit=1&page=2&fields=id,title',
      graphql: '{ articles(search: "graph", sort: ["id"], limit: 1, page: 2) { id title } }',
    },
    {
      name: 'a sort through a relation and an offset',
      rest: 'articles?sort=author.name,-id&offset=1&limit=3&fields=id,title',
      graphql: '{ articles(sort: ["author.name", "-id"], offset: 1, limit: 3) { id title } }',
    },
  ];

  for (const { name, rest, graphql } of cases) {
    it(`answers ${name} alike`, async () => {
      const restAnswer = await api.get(`${base}/items/${rest}`);
      assert.equal(restAnswer.status, 200, restAnswer.text);
      const data = await graphqlData(api, base, graphql);
      const [list] = Object.values(data);
      assert.ok((restAnswer.body.data as Row[]).length > 0, 'the case must read something');
      assert.deepEqual(list, restAnswer.body.data);
    });
  }

  it('answers aggregates by group alike', async () => {
    const rest = await api.get(`${base}/items/articles?aggregate[count]=*&aggregate[avg]=rating&aggregate[max]=rating&aggregate[sum]=price&aggregate[countDistinct]=author&groupBy=status&sort=status`);
    assert.equal(rest.status, 200, rest.text);
    const data = await graphqlData(api, base, '{ articles_aggregated(groupBy: ["status"], sort: ["status"]) { group countAll avg { rating } max { rating } sum { price } countDistinct { author } } }');
    const expected = (rest.body.data as Row[]).map((row) => ({ group: { status: row.status }, countAll: row.count, avg: row.avg, max: row.max, sum: row.sum, countDistinct: row.countDistinct }));
    assert.equal(expected.length, 2);
    assert.deepEqual(data.articles_aggregated, expected);
  });

  it('answers an aggregate over a filter alike, with counts of fields', async () => {
    const rest = await api.get(`${base}/items/articles?aggregate[count]=rating,author&aggregate[min]=rating&filter[status][_eq]=published`);
    const data = await graphqlData(api, base, '{ articles_aggregated(filter: {status: {_eq: "published"}}) { count { rating author } min { rating } } }');
    assert.deepEqual(data.articles_aggregated, [{ count: rest.body.data[0].count, min: rest.body.data[0].min }]);
  });

  it('answers one item by id alike, and null for none', async () => {
    const rest = await api.get(`${base}/items/articles/1?fields=id,title,author.name`);
    const data = await graphqlData(api, base, '{ articles_by_id(id: 1) { id title author { id name } } none: articles_by_id(id: 999) { id } }');
    assert.deepEqual(data.articles_by_id, rest.body.data);
    assert.equal(data.none, null);
  });

  it('creates, updates and deletes through mutations as through REST', async () => {
    const created = await graphqlData(
      api,
      base,
      'mutation ($data: articles_CreateInput!) { create_articles_item(data: $data) { id title rating author { name } } }',
      { data: { title: 'By mutation', rating: 4, author: 1, extra: { a: 1 } } },
    );
    const id = created.create_articles_item.id;
    assert.deepEqual(created.create_articles_item, { id, title: 'By mutation', rating: 4, author: { name: 'Ann' } });
    const batch = await graphqlData(api, base, 'mutation { create_articles_items(data: [{title: "One"}, {title: "Two"}]) { id title } }');
    assert.deepEqual(batch.create_articles_items.map((a: Row) => a.title), ['One', 'Two']);

    const updated = await graphqlData(api, base, `mutation { update_articles_item(id: ${id}, data: {rating: 1}) { id rating } }`);
    assert.deepEqual(updated.update_articles_item, { id, rating: 1 });
    const ids = batch.create_articles_items.map((a: Row) => a.id);
    const many = await graphqlData(api, base, 'mutation ($ids: [ID!]!) { update_articles_items(ids: $ids, data: {status: "published"}) { id status } }', { ids });
    assert.deepEqual(many.update_articles_items, ids.map((key: number) => ({ id: key, status: 'published' })));
    assert.deepEqual((await api.get(`${base}/items/articles/${id}?fields=title,rating,extra`)).body.data, { id, title: 'By mutation', rating: 1, extra: { a: 1 } });

    const deleted = await graphqlData(api, base, `mutation { delete_articles_item(id: ${id}) { id } }`);
    assert.deepEqual(deleted.delete_articles_item, { id: String(id) });
    const deletedMany = await graphqlData(api, base, 'mutation ($ids: [ID!]!) { delete_articles_items(ids: $ids) { ids } }', { ids });
    assert.deepEqual(deletedMany.delete_articles_items.ids, ids.map(String));
    assert.equal((await api.get(`${base}/items/articles/${id}`)).status, 404);
    const activity = await api.get(`${base}/activity?filter[item][_eq]=${id}&sort=id&fields=action`);
    assert.deepEqual(activity.body.data.map((a: Row) => a.action), ['create', 'update', 'delete']);
  });
});
