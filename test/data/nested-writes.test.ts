import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createDirectus, createItem, rest, staticToken } from '@directus/sdk';
import { ItemsService } from '../../src/modules/data/items.service';
import { WriteParticipants } from '../../src/modules/write-participants/write-participants';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import { graphql } from '../support/graphql';
import type { Api } from '../support/http';
import { Message, RealtimeClient } from '../support/realtime';

/**
 * Nested writes: an article written with its author (many-to-one), comments (one-to-many, their key set
 * to null when let go), sections (one-to-many that cascade: deleted when let go) and tags (many-to-many
 * through a junction), in one request and one transaction, each related item through the same door as
 * a direct write. QUERY_MAX_DEPTH is 2 here, so that the depth limit is reached in a few levels.
 */
describeEachDatabase('nested writes', { env: { QUERY_MAX_DEPTH: '2' } }, (suite) => {
  let api: Api;
  let base: string;
  let url: string;
  let apiKey: string;
  const clients: RealtimeClient[] = [];

  before(async () => {
    let workspace;
    ({ api, base, workspace } = await newOwnedWorkspace(suite.api));
    url = `${suite.app.url.replace('http', 'ws')}${base}/realtime`;
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string', required: true }] });
    await newCollection(api, base, { collection: 'articles', fields: [{ field: 'title', type: 'string', required: true }] });
    await newCollection(api, base, { collection: 'comments', fields: [{ field: 'body', type: 'string', required: true }] });
    await newCollection(api, base, { collection: 'sections', fields: [{ field: 'heading', type: 'string', required: true }] });
    await newCollection(api, base, { collection: 'tags', fields: [{ field: 'name', type: 'string', required: true, validation: { max_length: { value: 12 } } }] });
    for (const relation of [
      { collection: 'articles', field: 'author', related_collection: 'authors', one_field: 'articles' },
      { collection: 'comments', field: 'article', related_collection: 'articles', one_field: 'comments' },
      { collection: 'sections', field: 'article', related_collection: 'articles', one_field: 'sections', on_delete: 'CASCADE' },
      { collection: 'articles', field: 'tags', related_collection: 'tags', junction: true, one_field: 'articles' },
    ]) {
      const made = await api.post(`${base}/relations`, relation);
      assert.equal(made.status, 201, made.text);
    }
    const key = await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: 'sdk', role: 'editor' });
    apiKey = key.body.data.key;
  });

  after(() => {
    for (const client of clients) client.close();
  });

  async function count(collection: string): Promise<number> {
    return (await api.get(`${base}/items/${collection}?meta=total_count&limit=1`)).body.meta.total_count;
  }

  async function counts(): Promise<Record<string, number>> {
    const all: Record<string, number> = {};
    for (const collection of ['authors', 'articles', 'comments', 'sections', 'tags', 'articles_tags']) all[collection] = await count(collection);
    all.activity = (await api.get(`${base}/activity?limit=1&meta=total_count`)).body.meta.total_count;
    return all;
  }

  async function tag(name: string): Promise<number> {
    const created = await api.post(`${base}/items/tags`, { name });
    assert.equal(created.status, 200, created.text);
    return created.body.data.id;
  }

  const FULL = 'fields=id,title,author.name,comments.body,sections.heading,tags.name';
  const names = (items: Array<Record<string, unknown>>, field: string) => items.map((item) => item[field]).sort();

  it('creates an article with a new author, comments, sections and new and existing tags, answering it with them', async () => {
    const existing = await tag('existing');
    const created = await api.post(`${base}/items/articles?${FULL}`, {
      title: 'Hello',
      author: { name: 'Ann' },
      comments: [{ body: 'First' }, { body: 'Second' }],
      sections: [{ heading: 'Intro' }],
      tags: [existing, { name: 'fresh' }],
    });
    assert.equal(created.status, 200, created.text);
    const article = created.body.data;
    assert.equal(article.title, 'Hello');
    assert.equal(article.author.name, 'Ann');
    assert.deepEqual(names(article.comments, 'body'), ['First', 'Second']);
    assert.deepEqual(names(article.sections, 'heading'), ['Intro']);
    assert.deepEqual(names(article.tags, 'name'), ['existing', 'fresh']);
    const activity = await api.get(`${base}/activity?filter[action][_eq]=create&filter[collection][_in]=authors,comments,articles_tags&fields=collection&limit=100`);
    assert.equal(activity.status, 200, activity.text);
    assert.ok(activity.body.data.filter((entry: { collection: string }) => entry.collection === 'comments').length >= 2, 'each nested create is in the activity log');
  });

  it('updates a many-to-one given with its key, and names an existing one by its key', async () => {
    const ann = (await api.post(`${base}/items/authors`, { name: 'Ann' })).body.data;
    const created = await api.post(`${base}/items/articles?fields=title,author.name`, { title: 'By Ann', author: { id: ann.id, name: 'Ann B.' } });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.data.author.name, 'Ann B.');
    const byKey = await api.post(`${base}/items/articles?fields=author.name`, { title: 'Again', author: { id: ann.id } });
    assert.deepEqual(byKey.body.data.author, { id: ann.id, name: 'Ann B.' });
  });

  it('replaces the sets on an update: comments let go keep living without the article, sections let go are deleted, tags unlinked', async () => {
    const [red, blue] = [await tag('red'), await tag('blue')];
    const created = await api.post(`${base}/items/articles?fields=id,comments.id,sections.id`, {
      title: 'To change',
      comments: [{ body: 'keep' }, { body: 'drop' }],
      sections: [{ heading: 'keep' }, { heading: 'drop' }],
      tags: [red, blue],
    });
    const article = created.body.data;
    const [keptComment, droppedComment] = article.comments.map((c: { id: number }) => c.id).sort((a: number, b: number) => a - b);
    const [keptSection, droppedSection] = article.sections.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b);
    const updated = await api.patch(`${base}/items/articles/${article.id}?${FULL}`, {
      comments: [keptComment, { body: 'new' }],
      sections: [{ id: keptSection, heading: 'kept, renamed' }],
      tags: [blue, { name: 'green' }],
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(names(updated.body.data.comments, 'body'), ['keep', 'new']);
    assert.deepEqual(names(updated.body.data.sections, 'heading'), ['kept, renamed']);
    assert.deepEqual(names(updated.body.data.tags, 'name'), ['blue', 'green']);
    const orphan = await api.get(`${base}/items/comments/${droppedComment}?fields=body,article`);
    assert.deepEqual(orphan.body.data, { id: droppedComment, body: 'drop', article: null });
    assert.equal((await api.get(`${base}/items/sections/${droppedSection}`)).status, 404);
    assert.equal((await api.get(`${base}/items/tags/${red}`)).status, 200, 'an unlinked tag stays');
  });

  it('takes the detailed form: create, update and delete', async () => {
    const old = await tag('old');
    const created = await api.post(`${base}/items/articles?fields=id,comments.id,comments.body`, { title: 'Detailed', comments: [{ body: 'one' }, { body: 'two' }], tags: [old] });
    const article = created.body.data;
    const [one, two] = [...article.comments].sort((a: { body: string }, b: { body: string }) => a.body.localeCompare(b.body));
    const updated = await api.patch(`${base}/items/articles/${article.id}?${FULL}`, {
      comments: { create: [{ body: 'three' }], update: [{ id: one.id, body: 'one, edited' }], delete: [two.id] },
      tags: { create: [{ name: 'added' }], delete: [old] },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(names(updated.body.data.comments, 'body'), ['one, edited', 'three']);
    assert.deepEqual(names(updated.body.data.tags, 'name'), ['added']);
    assert.deepEqual((await api.get(`${base}/items/comments/${two.id}?fields=article`)).body.data, { id: two.id, article: null });
  });

  it('writes nothing and announces nothing when a nested item is refused, naming its path', async () => {
    const client = await RealtimeClient.connect(url);
    clients.push(client);
    client.send({ type: 'auth', access_token: apiKey });
    assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    for (const collection of ['articles', 'tags', 'authors', 'comments']) assert.equal((await client.subscribe(collection, { fields: ['id'] }, collection)).event, 'init');
    const before = await counts();

    const invalid = await api.post(`${base}/items/articles`, { title: 'Refused', author: { name: 'Nobody' }, comments: [{ body: 'fine' }], tags: [{ name: 'ok' }, { name: 'far too long a name' }] });
    assertError(invalid, 422, 'VALIDATION_FAILED');
    assert.equal(invalid.body.errors[0].extensions.field, 'tags.1.name');
    const missing = await api.post(`${base}/items/articles`, { title: 'Refused', comments: [{ body: 'fine' }, {}] });
    assertError(missing, 422, 'VALIDATION_FAILED');
    assert.equal(missing.body.errors[0].extensions.field, 'comments.1.body');
    const badAuthor = await api.post(`${base}/items/articles`, { title: 'Refused', author: { id: 999999, name: 'ghost' }, tags: [424242] });
    assertError(badAuthor, 409, 'CONFLICT');
    assert.equal(badAuthor.body.errors[0].extensions.field, 'tags.0.tags_id');
    assert.deepEqual(await counts(), before, 'nothing written, not even activity');

    // The first events heard are those of a write that succeeds: the refused ones announced nothing
    // (the feed delivers changes in their order, so theirs would have come first).
    const done = await api.post(`${base}/items/articles?fields=id,tags.id`, { title: 'Heard', tags: [{ name: 'heard' }] });
    assert.equal(done.status, 200, done.text);
    const heard = [];
    for (const uid of ['articles', 'tags']) heard.push(await client.next((message: Message) => message.type === 'subscription' && message.uid === uid));
    assert.deepEqual(
      heard.map((message) => [message.uid, message.event, message.data.map((item: { id: number }) => item.id)]),
      [
        ['articles', 'create', [done.body.data.id]],
        ['tags', 'create', [done.body.data.tags[0].id]],
      ],
    );
    assert.ok(!client.pending.some((message) => message.uid === 'authors' || message.uid === 'comments'), JSON.stringify(client.pending));
  });

  it('refuses nested writes deeper than QUERY_MAX_DEPTH with 400 naming the path', async () => {
    const deep = await api.post(`${base}/items/articles`, { title: 'Deep', author: { name: 'Deep', articles: [{ title: 'Deeper', tags: [{ name: 'too deep' }] }] } });
    assertError(deep, 400, 'INVALID_PAYLOAD');
    assert.equal(deep.body.errors[0].extensions.field, 'author.articles.0.tags');
    const fits = await api.post(`${base}/items/articles?fields=author.articles.title`, { title: 'Fits', author: { name: 'Fits', articles: [{ title: 'Sibling' }] } });
    assert.equal(fits.status, 200, fits.text);
    assert.deepEqual(names(fits.body.data.author.articles, 'title'), ['Fits', 'Sibling']);
  });

  it('refuses a nested write into a collection an app role may not create in: 403 naming the path, nothing written', async () => {
    for (const policy of [
      { collection: 'articles', action: 'create', fields: ['title'] },
      { collection: 'articles', action: 'read', fields: ['id', 'title'] },
      { collection: 'comments', action: 'create', fields: ['body', 'article'] },
    ]) {
      assert.equal((await api.post(`${base}/policies`, { role: 'authenticated', ...policy })).status, 201);
    }
    const user = await newAppUser(suite.api, base, 'nested');
    const asUser = suite.api.as(user.accessToken);
    const before = await counts();
    const refused = await asUser.post(`${base}/items/articles`, { title: 'Sneaky', comments: [{ body: 'allowed' }], tags: [{ name: 'forbidden' }] });
    assertError(refused, 403, 'FORBIDDEN');
    assert.equal(refused.body.errors[0].extensions.field, 'tags.0');
    const sneakyAuthor = await asUser.post(`${base}/items/articles`, { title: 'Sneaky', author: { name: 'Mallory' } });
    assertError(sneakyAuthor, 403, 'FORBIDDEN');
    assert.equal(sneakyAuthor.body.errors[0].extensions.field, 'author');
    assert.deepEqual(await counts(), before);
    const allowed = await asUser.post(`${base}/items/articles`, { title: 'Allowed', comments: [{ body: 'mine' }] });
    assert.equal(allowed.status, 200, allowed.text);
    assert.deepEqual(Object.keys(allowed.body.data).sort(), ['id', 'title']);
  });

  it('accepts nested input objects in GraphQL mutations', async () => {
    const existing = await tag('gql-old');
    const created = await graphql(api, base, `mutation { create_articles_item(data: { title: "GraphQL", comments: [{ body: "from gql" }], tags: [{ id: ${existing} }, { name: "gql-new" }] }) { id title comments { body } tags { name } } }`);
    assert.equal(created.body.errors, undefined, created.text);
    const article = created.body.data.create_articles_item;
    assert.deepEqual(names(article.comments, 'body'), ['from gql']);
    assert.deepEqual(names(article.tags, 'name'), ['gql-new', 'gql-old']);
    const updated = await graphql(api, base, `mutation { update_articles_item(id: ${article.id}, data: { tags: [{ name: "gql-only" }] }) { tags { name } } }`);
    assert.equal(updated.body.errors, undefined, updated.text);
    assert.deepEqual(names(updated.body.data.update_articles_item.tags, 'name'), ['gql-only']);
    const refused = await graphql(api, base, `mutation { create_articles_item(data: { title: "x", tags: [{ name: "a name much too long" }] }) { id } }`);
    assert.equal(refused.body.errors[0].extensions.code, 'VALIDATION_FAILED', refused.text);
    assert.equal(refused.body.errors[0].extensions.field, 'tags.0.name');
  });

  it('writes nested items through realtime items messages', async () => {
    const client = await RealtimeClient.connect(url);
    clients.push(client);
    client.send({ type: 'auth', access_token: apiKey });
    assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    client.send({ type: 'items', uid: 'nested', action: 'create', collection: 'articles', data: { title: 'Realtime', tags: [{ name: 'rt' }] }, query: { fields: ['title', 'tags.name'] } });
    const answer = await client.next((message: Message) => message.uid === 'nested');
    assert.equal(answer.status, 'ok', JSON.stringify(answer));
    assert.equal(answer.data.title, 'Realtime');
    assert.deepEqual(names(answer.data.tags, 'name'), ['rt']);
  });

  it("writes nested items through a handler's items()", async () => {
    const endpoint = await api.post(`${base}/handlers`, {
      name: 'nested article',
      kind: 'endpoint',
      method: 'POST',
      path: '/articles',
      code: "module.exports = async (ctx) => ctx.items('articles').createOne(ctx.request.body);",
    });
    assert.equal(endpoint.status, 201, endpoint.text);
    const created = await api.post(`${base}/custom/articles`, { title: 'From a handler', tags: [{ name: 'handled' }], comments: [{ body: 'by code' }] });
    assert.equal(created.status, 200, created.text);
    const read = await api.get(`${base}/items/articles/${created.body.data.id}?fields=tags.name,comments.body`);
    assert.deepEqual(names(read.body.data.tags, 'name'), ['handled']);
    assert.deepEqual(names(read.body.data.comments, 'body'), ['by code']);
    const refused = await api.post(`${base}/custom/articles`, { title: 'Refused in a handler', tags: [{ name: 'a name much too long' }] });
    assert.equal(refused.status, 422, refused.text);
    assert.equal((await api.get(`${base}/items/articles?filter[title][_eq]=Refused%20in%20a%20handler&meta=filter_count&limit=1`)).body.meta.filter_count, 0);
  });

  it('answers a created item as a read answers it, with what a hook inside the request changed in it since its insert', async () => {
    const plain = await api.post(`${base}/items/articles`, { title: 'Plain', tags: [{ name: 'p1' }, { name: 'p2' }] });
    assert.equal(plain.status, 200, plain.text);
    assert.deepEqual(plain.body.data, (await api.get(`${base}/items/articles/${plain.body.data.id}`)).body.data);

    // A before step of the comments' create renames their article, in the same transaction, after the article's insert.
    const items = suite.app.nest.get(ItemsService);
    const remove = suite.app.nest.get(WriteParticipants).register({
      order: 100,
      prepare: (intent) =>
        intent.collection.name === 'comments' && intent.action === 'create'
          ? {
              before: async (write) => {
                for (const payload of write.payloads) {
                  await items.update(write.access, { collection: 'articles', keys: { id: String(payload.article) }, values: { title: 'Renamed by a hook' }, origin: { ip: null, userAgent: null } });
                }
                return false;
              },
            }
          : null,
    });
    try {
      const renamed = await api.post(`${base}/items/articles`, { title: 'Original', comments: [{ body: 'renames' }] });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.data.title, 'Renamed by a hook');
    } finally {
      remove();
    }
  });

  it('refuses the whole request when code inside it catches a failed write and goes on', async () => {
    const items = suite.app.nest.get(ItemsService);
    const remove = suite.app.nest.get(WriteParticipants).register({
      order: 100,
      prepare: (intent) =>
        intent.collection.name === 'comments' && intent.action === 'create'
          ? {
              before: async (write) => {
                // A link to a tag that does not exist: refused by its foreign key, and the refusal swallowed.
                const link = { articles_id: write.payloads[0].article, tags_id: 987654 };
                await items.create(write.access, { collection: 'articles_tags', items: [link], batch: false, origin: { ip: null, userAgent: null } }).catch(() => undefined);
                return false;
              },
            }
          : null,
    });
    try {
      const before = await counts();
      const refused = await api.post(`${base}/items/articles`, { title: 'Swallowed', comments: [{ body: 'after a caught failure' }] });
      assertError(refused, 409, 'CONFLICT');
      assert.deepEqual(await counts(), before, 'nothing written');
    } finally {
      remove();
    }
  });

  it("creates nested items with the Directus SDK's createItem", async () => {
    const client = createDirectus<Record<string, Array<Record<string, unknown>>>>(`${suite.app.url}${base}`).with(staticToken(apiKey)).with(rest());
    const created: Record<string, unknown> = await client.request(createItem('articles', { title: 'SDK', author: { name: 'Sid' }, comments: [{ body: 'via sdk' }] }, { fields: ['title', 'author.name', 'comments.body'] as never }));
    assert.equal(created.title, 'SDK');
    assert.equal((created.author as { name: string }).name, 'Sid');
    assert.deepEqual(names(created.comments as Array<Record<string, unknown>>, 'body'), ['via sdk']);
  });
});
