import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { aggregate, createDirectus, createItem, createItems, deleteItem, readItem, readItems, rest, staticToken, updateItem } from '@directus/sdk';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';

interface Schema {
  authors: Array<{ id: number; name: string }>;
  posts: Array<{ id: number; title: string; status: string; rating: number | null; author: number | { name: string } | null }>;
}

/** The official Directus client, pointed at a workspace, used exactly as an app developer would. */
describeEachDatabase('@directus/sdk against a workspace', {}, (suite) => {
  let client: ReturnType<typeof makeClient>;
  const makeClient = (url: string, token: string) => createDirectus<Schema>(url).with(staticToken(token)).with(rest());

  before(async () => {
    const { workspace, api, base } = await newOwnedWorkspace(suite.api);
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string', required: true },
        { field: 'status', type: 'enum', values: ['draft', 'published'] },
        { field: 'rating', type: 'integer' },
      ],
    });
    await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', one_field: 'posts' });
    const key = await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: 'sdk', role: 'editor' });
    client = makeClient(`${suite.app.url}${base}`, key.body.data.key);
  });

  it('creates items one at a time and in a batch', async () => {
    const ann = await client.request(createItem('authors', { name: 'Ann' }));
    const bob = await client.request(createItem('authors', { name: 'Bob' }));
    assert.equal(ann.name, 'Ann');
    const posts = await client.request(
      createItems('posts', [
        { title: 'First', status: 'published', rating: 5, author: ann.id },
        { title: 'Second', status: 'draft', rating: 2, author: bob.id },
        { title: 'Third', status: 'published', rating: 4, author: bob.id },
        { title: 'Fourth', status: 'published', rating: null, author: null },
      ]),
    );
    assert.deepEqual(posts.map((p) => p.title), ['First', 'Second', 'Third', 'Fourth']);
  });

  it('reads items with filter, fields through a relation, sort and limit', async () => {
    const posts = (await client.request(
      readItems('posts', { filter: { status: { _eq: 'published' }, rating: { _gte: 3 } }, fields: ['id', 'title', 'author.name'] as never, sort: ['-rating'], limit: 5 }),
    )) as Array<{ title: string; author: { name: string } }>;
    assert.deepEqual(
      posts.map((p) => [p.title, (p.author as { name: string }).name]),
      [
        ['First', 'Ann'],
        ['Third', 'Bob'],
      ],
    );
  });

  it('aggregates with groupBy, numbers as numbers', async () => {
    const groups = await client.request(aggregate('posts', { aggregate: { count: '*' }, groupBy: ['status'] }));
    const byStatus = Object.fromEntries(groups.map((g) => [g.status as string, Number((g as unknown as { count: number }).count)]));
    assert.deepEqual(byStatus, { draft: 1, published: 3 });
    assert.equal(typeof (groups[0] as unknown as { count: unknown }).count, 'number');
  });

  it('reads, updates and deletes one item', async () => {
    const [first] = await client.request(readItems('posts', { filter: { title: { _eq: 'Second' } }, fields: ['id'] }));
    const read = await client.request(readItem('posts', first.id, { fields: ['title', 'rating'] }));
    assert.deepEqual({ title: read.title, rating: read.rating }, { title: 'Second', rating: 2 });
    const updated = await client.request(updateItem('posts', first.id, { rating: 3 }));
    assert.equal(updated.rating, 3);
    await client.request(deleteItem('posts', first.id));
    await assert.rejects(client.request(readItem('posts', first.id)), (error: { errors?: Array<{ extensions: { code: string } }> }) => {
      assert.equal(error.errors?.[0]?.extensions.code, 'NOT_FOUND');
      return true;
    });
  });

  it('surfaces the contract\'s errors to the client', async () => {
    await assert.rejects(client.request(readItems('posts', { filter: { colour: { _eq: 'red' } } as never })), (error: { errors?: Array<{ message: string; extensions: { code: string } }> }) => {
      assert.equal(error.errors?.[0]?.extensions.code, 'INVALID_QUERY');
      assert.match(error.errors![0].message, /colour/);
      return true;
    });
  });
});
