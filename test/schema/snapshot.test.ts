import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { DatabaseKind } from '../../src/config/app-config';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { assertError, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** Another selected database than this one, so a snapshot travels between databases when it can. */
function otherThan(kind: DatabaseKind): DatabaseKind {
  const kinds = selectedDatabases();
  return kinds[(kinds.indexOf(kind) + 1) % kinds.length];
}

describeEachDatabase('schema snapshots', {}, (suite) => {
  let source: { api: Api; base: string };
  let targetDb: TestDatabase;
  let targetApp: RunningApp;
  let target: { api: Api; base: string };

  before(async () => {
    source = await newOwnedWorkspace(suite.api);
    targetDb = await createTestDatabase(otherThan(suite.kind));
    targetApp = await startApp(targetDb.url);
    target = await newOwnedWorkspace(targetApp.api);
    const { api, base } = source;
    const ok = async (promise: Promise<{ status: number; text: string }>) => {
      const response = await promise;
      assert.ok(response.status < 300, response.text);
    };
    await ok(api.post(`${base}/collections`, { collection: 'authors', note: 'People who write', fields: [{ field: 'name', type: 'string', required: true, validation: { min_length: 2 } }, { field: 'email', type: 'string', unique: true, validation: { email: { value: true, message: 'Bad email' } } }] }));
    await ok(api.post(`${base}/collections`, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string', length: 200, index: true },
        { field: 'body', type: 'text' },
        { field: 'status', type: 'enum', values: ['draft', 'published'], default: 'draft' },
        { field: 'price', type: 'decimal', precision: 12, scale: 3 },
        { field: 'views', type: 'bigint' },
        { field: 'score', type: 'float' },
        { field: 'live', type: 'boolean', default: false },
        { field: 'day', type: 'date' },
        { field: 'at', type: 'datetime' },
        { field: 'opens', type: 'time' },
        { field: 'extra', type: 'json' },
        { field: 'ref', type: 'uuid' },
        { field: 'code', type: 'autocode', autocode: { prefix: 'P-', padding: 5 } },
      ],
    }));
    await ok(api.post(`${base}/collections`, { collection: 'tags', primary_key: 'uuid', fields: [{ field: 'label', type: 'string' }] }));
    await ok(api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'CASCADE', one_field: 'posts' }));
    await ok(api.post(`${base}/relations`, { collection: 'posts', field: 'tags', related_collection: 'tags', junction: true, one_field: 'posts' }));
  });
  after(async () => {
    await targetApp?.close();
    await targetDb?.drop();
  });

  it('applies to an empty workspace on another database and gives the same schema', async () => {
    const snapshot = (await source.api.get(`${source.base}/schema/snapshot`)).body.data;
    assert.equal(snapshot.collections.length, 4);
    const applied = await target.api.post(`${target.base}/schema/apply`, { snapshot });
    assert.equal(applied.status, 200, applied.text);
    const copy = (await target.api.get(`${target.base}/schema/snapshot`)).body.data;
    assert.deepEqual(copy, snapshot);
    const planAgain = await target.api.post(`${target.base}/schema/diff`, { snapshot });
    assert.deepEqual(planAgain.body.data, []);
    // The copy is a working schema: items and relations behave on the other database.
    const author = (await target.api.post(`${target.base}/items/authors`, { name: 'Ann', email: 'ann@example.com' })).body.data;
    const post = await target.api.post(`${target.base}/items/posts?fields=code,status,author.name`, { title: 'Hello', author: author.id });
    assert.deepEqual(post.body.data, { id: 1, code: 'P-00001', status: 'draft', author: { id: author.id, name: 'Ann' } });
  });

  it('plans and applies changes: dry run first, lossy changes only when forced', async () => {
    const snapshot = (await source.api.get(`${source.base}/schema/snapshot`)).body.data;
    const posts = snapshot.collections.find((c: { collection: string }) => c.collection === 'posts');
    posts.fields = posts.fields.filter((f: { field: string }) => f.field !== 'opens');
    posts.fields.push({ field: 'subtitle', type: 'string', length: 80 });
    posts.fields.find((f: { field: string }) => f.field === 'views').type = 'decimal';
    snapshot.collections.find((c: { collection: string }) => c.collection === 'authors').note = 'Writers';

    const before = (await source.api.get(`${source.base}/schema/migrations`)).body.data.length;
    const dry = await source.api.post(`${source.base}/schema/apply`, { snapshot, dry_run: true });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(dry.body.data.map((step: { action: string }) => step.action).sort(), ['create_field', 'delete_field', 'update_collection', 'update_field']);
    assert.equal((await source.api.get(`${source.base}/schema/migrations`)).body.data.length, before);

    const lossy = structuredClone(snapshot);
    lossy.collections.find((c: { collection: string }) => c.collection === 'posts').fields.find((f: { field: string }) => f.field === 'title').type = 'integer';
    assertError(await source.api.post(`${source.base}/schema/apply`, { snapshot: lossy }), 409, 'CONFLICT');
    const unchanged = (await source.api.get(`${source.base}/fields/posts`)).body.data.map((f: { field: string }) => f.field);
    assert.ok(unchanged.includes('opens') && !unchanged.includes('subtitle'), 'a refused plan changes nothing');

    assert.equal((await source.api.post(`${source.base}/schema/apply`, { snapshot })).status, 200);
    assert.deepEqual((await source.api.post(`${source.base}/schema/diff`, { snapshot })).body.data, []);
    const fields = (await source.api.get(`${source.base}/fields/posts`)).body.data;
    assert.equal(fields.find((f: { field: string }) => f.field === 'views').type, 'decimal');
    assert.equal(fields.some((f: { field: string }) => f.field === 'opens'), false);
    const history = (await source.api.get(`${source.base}/schema/migrations`)).body.data;
    assert.equal(history.length, before + 1);
    assert.equal(history.at(-1).action, 'apply_snapshot');
    assert.equal(history.at(-1).actor_type, 'user');
  });

  it('refuses a malformed snapshot', async () => {
    assertError(await source.api.post(`${source.base}/schema/apply`, { snapshot: { version: 2 } }), 400, 'INVALID_PAYLOAD');
    assertError(await source.api.post(`${source.base}/schema/apply`, { snapshot: { version: 1, collections: [{ collection: 'Bad Name', primary_key: 'integer', fields: [] }], relations: [] } }), 400, 'INVALID_PAYLOAD');
  });
});
