import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';

/**
 * Anonymous callers read through the `public` role's policies. The workspace holds posts (published
 * and drafts, each with a secret) by authors (one of them hidden), and `public` may read published
 * posts without their secret, and authors' names but not their emails, except the hidden author.
 */
describeEachDatabase('read policies', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;
  let anonymous: Api;
  const ids: Record<string, number> = {};

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    anonymous = suite.api.as(null);
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }, { field: 'email', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }],
    });
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
    const created = [
      await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', one_field: 'posts' }),
    ];
    for (const response of created) assert.ok(response.status < 300, response.text);
    const [ann, hidden] = (await api.post(`${base}/items/authors`, [{ name: 'Ann', email: 'ann@example.com' }, { name: 'Hidden', email: 'hidden@example.com' }])).body.data;
    const posts = (
      await api.post(`${base}/items/posts`, [
        { title: 'First', status: 'published', secret: 'zzsecret-one', author: ann.id },
        { title: 'Draft', status: 'draft', secret: 'zzsecret-two', author: ann.id },
        { title: 'Third', status: 'published', secret: 'zzsecret-three', author: hidden.id },
      ])
    ).body.data;
    Object.assign(ids, { ann: ann.id, hidden: hidden.id, first: posts[0].id, draft: posts[1].id, third: posts[2].id });
    await policy({ role: 'public', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status', 'author'] });
    await policy({ role: 'public', collection: 'authors', action: 'read', filter: { name: { _neq: 'Hidden' } }, fields: ['name'] });
  });

  async function policy(body: object): Promise<{ id: string }> {
    const created = await api.post(`${base}/policies`, body);
    assert.equal(created.status, 201, created.text);
    return created.body.data;
  }

  it('lists only the rows and fields the policy grants, and counts only those rows', async () => {
    const listed = await anonymous.get(`${base}/items/posts?sort=id&meta=*`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.data, [
      { id: ids.first, title: 'First', status: 'published', author: ids.ann },
      { id: ids.third, title: 'Third', status: 'published', author: ids.hidden },
    ]);
    assert.deepEqual(listed.body.meta, { total_count: 2, filter_count: 2 });
    const counted = await anonymous.get(`${base}/items/posts?aggregate[count]=*&groupBy=status`);
    assert.deepEqual(counted.body.data, [{ status: 'published', count: 2 }]);
  });

  it('answers 404 for an item outside the row filter and leaves out forbidden fields of one inside', async () => {
    assertError(await anonymous.get(`${base}/items/posts/${ids.draft}`), 404, 'NOT_FOUND');
    const first = await anonymous.get(`${base}/items/posts/${ids.first}`);
    assert.deepEqual(first.body.data, { id: ids.first, title: 'First', status: 'published', author: ids.ann });
  });

  it('refuses to filter, sort, group, aggregate or select on a forbidden field, as if it did not exist', async () => {
    const doors = [
      'filter[secret][_eq]=zzsecret-one',
      'filter={"secret":{"_starts_with":"zz"}}',
      'sort=secret',
      'groupBy=secret&aggregate[count]=*',
      'aggregate[countDistinct]=secret',
      'fields=secret',
      'fields=title,created_by',
      'filter[author][email][_contains]=example',
      'fields=author.email',
    ].map((door) => `posts?${door}`);
    doors.push(
      'authors?fields=name,posts.title&deep[posts][_filter][secret][_null]=true',
      'authors?fields=posts.secret',
      'authors?filter[posts][_some][secret][_eq]=zzsecret-two',
      'posts?filter={"constructor":{"prototype":{"secret":{"_eq":"x"}}}}',
      'posts?filter={"__proto__":{"secret":{"_eq":"x"}}}',
      'posts?filter[title][constructor]=x',
      'posts?fields=constructor',
    );
    for (const door of doors) {
      const response = await anonymous.get(`${base}/items/${door}`);
      assertError(response, 400, 'INVALID_QUERY');
      assert.doesNotMatch(response.text, /zzsecret/);
    }
    assert.deepEqual((await anonymous.get(`${base}/items/posts?search=zzsecret`)).body.data, []);
    assert.equal((await anonymous.get(`${base}/items/posts?search=First`)).body.data.length, 1);
  });

  it('applies the related collection\'s policy to expansions and relational filters', async () => {
    const expanded = await anonymous.get(`${base}/items/posts?fields=title,author.name&sort=id`);
    assert.deepEqual(expanded.body.data, [
      { id: ids.first, title: 'First', author: { id: ids.ann, name: 'Ann' } },
      { id: ids.third, title: 'Third', author: null },
    ]);
    const everything = await anonymous.get(`${base}/items/posts?fields=*.*&sort=id`);
    assert.deepEqual(everything.body.data[0], { id: ids.first, title: 'First', status: 'published', author: { id: ids.ann, name: 'Ann' } });
    assert.deepEqual((await anonymous.get(`${base}/items/posts?filter[author][name][_eq]=Hidden`)).body.data, []);
    const children = await anonymous.get(`${base}/items/authors?fields=name,posts.title&sort=id`);
    assert.deepEqual(children.body.data, [{ id: ids.ann, name: 'Ann', posts: [{ id: ids.first, title: 'First' }] }]);
    const some = await anonymous.get(`${base}/items/authors?filter[posts][_some][title][_eq]=Draft`);
    assert.deepEqual(some.body.data, []);
    assertError(await anonymous.get(`${base}/items/posts?sort=author.name`), 403, 'FORBIDDEN');
  });

  it('answers 403 alike for a collection without a read policy and one that does not exist', async () => {
    const notes = await anonymous.get(`${base}/items/notes`);
    const nowhere = await anonymous.get(`${base}/items/nowhere`);
    assertError(notes, 403, 'FORBIDDEN');
    assertError(nowhere, 403, 'FORBIDDEN');
    assertError(await anonymous.get(`${base}/items/notes/1`), 403, 'FORBIDDEN');
    assertError(await anonymous.get('/api/v1/w/no-such-workspace/items/posts'), 404, 'NOT_FOUND');
  });

  it('keeps anonymous callers out of writes without a policy, the activity log and the schema', async () => {
    assertError(await anonymous.post(`${base}/items/posts`, { title: 'Spam', status: 'published' }), 403, 'FORBIDDEN');
    assertError(await anonymous.patch(`${base}/items/posts/${ids.first}`, { title: 'Defaced' }), 403, 'FORBIDDEN');
    assertError(await anonymous.delete(`${base}/items/posts/${ids.first}`), 403, 'FORBIDDEN');
    assertError(await anonymous.post(`${base}/items/nowhere`, { title: 'Spam' }), 403, 'FORBIDDEN');
    assert.equal((await api.get(`${base}/items/posts?meta=total_count&limit=1`)).body.meta.total_count, 3);
    assertError(await anonymous.get(`${base}/activity`), 401, 'INVALID_CREDENTIALS');
    assertError(await anonymous.get(`${base}/collections`), 401, 'INVALID_CREDENTIALS');
    assertError(await anonymous.get(`${base}/policies`), 401, 'INVALID_CREDENTIALS');
  });

  it('documents only what the role may read in its OpenAPI document', async () => {
    const own = await anonymous.get(`${base}/openapi.json`);
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(Object.keys(own.body.paths).sort(), ['/items/authors', '/items/authors/{id}', '/items/posts', '/items/posts/{id}']);
    assert.deepEqual(Object.keys(own.body.paths['/items/posts']), ['get']);
    assert.deepEqual(Object.keys(own.body.components.schemas.posts.properties), ['id', 'title', 'status', 'author']);
    assert.deepEqual(Object.keys(own.body.components.schemas.authors.properties), ['id', 'name', 'posts']);
    assert.doesNotMatch(own.text, /secret|email|notes/);
    const full = await api.get(`${base}/openapi.json`);
    assert.ok(full.body.paths['/items/notes']);
    assert.ok(full.body.components.schemas.posts.properties.secret);
  });

  it('refuses a bad token on the items instead of treating the caller as anonymous', async () => {
    assertError(await suite.api.get(`${base}/items/posts`, { token: 'not-a-token' }), 401, 'INVALID_TOKEN');
  });

  it('lets members and API keys read everything, whatever the public policies say', async () => {
    const all = await api.get(`${base}/items/posts?fields=title,secret&sort=id`);
    assert.deepEqual(all.body.data.map((p: { secret: string }) => p.secret), ['zzsecret-one', 'zzsecret-two', 'zzsecret-three']);
    const key = await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: 'reader', role: 'viewer' });
    assert.equal(key.status, 201, key.text);
    const byKey = await suite.api.get(`${base}/items/posts?meta=total_count&limit=1`, { token: key.body.data.key });
    assert.equal(byKey.body.meta.total_count, 3);
  });

  it('takes a policy change into account at once', async () => {
    const created = await policy({ role: 'public', collection: 'notes', action: 'read', fields: ['body'] });
    await api.post(`${base}/items/notes`, { body: 'hello' });
    assert.deepEqual((await anonymous.get(`${base}/items/notes?fields=body`)).body.data.map((n: { body: string }) => n.body), ['hello']);
    const narrowed = await api.patch(`${base}/policies/${created.id}`, { filter: { body: { _eq: 'other' } } });
    assert.equal(narrowed.status, 200, narrowed.text);
    assert.deepEqual((await anonymous.get(`${base}/items/notes`)).body.data, []);
    assert.equal((await api.delete(`${base}/policies/${created.id}`)).status, 204);
    assertError(await anonymous.get(`${base}/items/notes`), 403, 'FORBIDDEN');
  });

  it('manages roles and policies for owners and admins only, checking them against the schema', async () => {
    const editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, workspace, owner, editor, 'editor');
    assertError(await suite.api.get(`${base}/policies`, { token: editor.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.post(`${base}/roles`, { name: 'members' }, { token: editor.accessToken }), 403, 'FORBIDDEN');

    const role = await api.post(`${base}/roles`, { name: 'members', description: 'Signed-up readers' });
    assert.equal(role.status, 201, role.text);
    assert.deepEqual(role.body.data, { name: 'members', description: 'Signed-up readers', built_in: false });
    assertError(await api.post(`${base}/roles`, { name: 'members' }), 409, 'CONFLICT');
    assertError(await api.post(`${base}/roles`, { name: 'public' }), 409, 'CONFLICT');
    assertError(await api.post(`${base}/roles`, { name: 'Bad Name' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.delete(`${base}/roles/authenticated`), 409, 'CONFLICT');
    const roles = await api.get(`${base}/roles`);
    assert.deepEqual(roles.body.data.map((r: { name: string }) => r.name), ['public', 'authenticated', 'members']);

    const good = { role: 'members', collection: 'posts', action: 'read' };
    const refused: Array<[object, string]> = [
      [{ ...good, role: 'ghosts' }, 'role'],
      [{ ...good, collection: 'nowhere' }, 'collection'],
      [{ ...good, action: 'publish' }, 'action'],
      [{ ...good, presets: { title: '$SOMEBODY' } }, 'presets.title'],
      [{ ...good, presets: { created_by: 'x' } }, 'presets.created_by'],
      [{ ...good, validation: { title: { min_length: -1 } } }, 'validation.title.min_length'],
      [{ ...good, fields: ['title', 'nope'] }, 'fields'],
      [{ ...good, fields: [] }, 'fields'],
      [{ ...good, presets: { nope: 1 } }, 'presets.nope'],
      [{ ...good, extra: true }, 'extra'],
      [{ ...good, verified_email: 'yes' }, 'verified_email'],
      [{ ...good, name: '' }, 'name'],
      [{ ...good, name: 'x'.repeat(101) }, 'name'],
      [{ ...good, name: 7 }, 'name'],
    ];
    for (const [body, field] of refused) {
      const response = await api.post(`${base}/policies`, body);
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, response.text);
    }
    assertError(await api.post(`${base}/policies`, { ...good, filter: { nope: { _eq: 1 } } }), 400, 'INVALID_QUERY');
    const polluted = '{"role":"members","collection":"posts","action":"read","filter":{"title":{"__proto__":{"_eq":1}}}}';
    assertError(await api.request('POST', `${base}/policies`, { raw: { content: polluted, contentType: 'application/json' } }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/policies`, { ...good, filter: '{"title":{"_eq":"x"}}' }), 400, 'INVALID_PAYLOAD');
    const created = await policy({ ...good, filter: { author: { _eq: '$CURRENT_USER' } } });
    assertError(await api.post(`${base}/policies`, good), 409, 'CONFLICT');
    const listed = await api.get(`${base}/policies`);
    assert.ok(listed.body.data.some((p: { id: string }) => p.id === created.id));
    const read = await api.get(`${base}/policies/${created.id}`);
    assert.deepEqual(read.body.data, { id: created.id, name: null, role: 'members', collection: 'posts', action: 'read', filter: { author: { _eq: '$CURRENT_USER' } }, fields: ['*'], validation: null, presets: null, verified_email: false });
    const named = await api.patch(`${base}/policies/${created.id}`, { name: '  own posts  ' });
    assert.equal(named.body.data.name, 'own posts', named.text);
    assert.equal((await api.patch(`${base}/policies/${created.id}`, { name: null })).body.data.name, null);
    assertError(await api.patch(`${base}/policies/${created.id}`, { collection: 'notes' }), 400, 'INVALID_PAYLOAD');

    assert.equal((await api.delete(`${base}/roles/members`)).status, 204);
    assertError(await api.get(`${base}/policies/${created.id}`), 404, 'NOT_FOUND');
    assert.deepEqual((await api.get(`${base}/roles`)).body.data.map((r: { name: string }) => r.name), ['public', 'authenticated']);
  });
});
