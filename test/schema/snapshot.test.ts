import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { DatabaseKind } from '../../src/config/app-config';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** Nothing is sent or run: the webhooks' targets are made up, and flows are only defined here. */
const SNAPSHOT_ENV = { WEBHOOK_DISPATCH: 'false', FLOWS_RUN: 'false' };

/** The other selected databases (this one when it is the only one), so a snapshot travels between kinds. */
function othersThan(kind: DatabaseKind): DatabaseKind[] {
  const others = selectedDatabases().filter((other) => other !== kind);
  return others.length > 0 ? others : [kind];
}

interface Target {
  kind: DatabaseKind;
  db: TestDatabase;
  app: RunningApp;
  api: Api;
  base: string;
}

type Step = { action: string } & Record<string, unknown>;

const ok = async (promise: Promise<{ status: number; text: string; body: any }>) => {
  const response = await promise;
  assert.ok(response.status < 300, response.text);
  return response.body?.data;
};

describeEachDatabase('schema snapshots', { env: SNAPSHOT_ENV }, (suite) => {
  let source: { api: Api; base: string };
  const targets: Target[] = [];
  let summaryHandlerId: string;
  let webhookSecret: string;

  before(async () => {
    source = await newOwnedWorkspace(suite.api);
    for (const kind of othersThan(suite.kind)) {
      const db = await createTestDatabase(kind);
      const app = await startApp(db.url, SNAPSHOT_ENV);
      targets.push({ kind, db, app, ...(await newOwnedWorkspace(app.api)) });
    }
    const { api, base } = source;
    await newCollection(api, base, { collection: 'authors', note: 'People who write', fields: [{ field: 'name', type: 'string', required: true, validation: { min_length: 2 } }, { field: 'email', type: 'string', unique: true, validation: { email: { value: true, message: 'Bad email' } } }] });
    await newCollection(api, base, {
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
    });
    await newCollection(api, base, { collection: 'tags', primary_key: 'uuid', fields: [{ field: 'label', type: 'string' }] });
    await ok(api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'CASCADE', one_field: 'posts' }));
    await ok(api.post(`${base}/relations`, { collection: 'posts', field: 'tags', related_collection: 'tags', junction: true, one_field: 'posts' }));

    await ok(api.post(`${base}/roles`, { name: 'editor_app', description: 'Edits posts' }));
    await ok(api.post(`${base}/roles`, { name: 'reviewer' }));
    await ok(api.post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['id', 'title', 'status', 'author'] }));
    await ok(api.post(`${base}/policies`, { name: 'editors retitle', role: 'editor_app', collection: 'posts', action: 'update', fields: ['title', 'body'], validation: { title: { min_length: 3 } }, presets: { status: 'draft' }, verified_email: true }));
    await ok(api.post(`${base}/policies`, { role: 'reviewer', collection: 'authors', action: 'read' }));

    await ok(api.post(`${base}/handlers`, { name: 'Refuse long titles', kind: 'before', collection: 'posts', events: ['create', 'update'], enabled: false, code: 'module.exports = async () => undefined;' }));
    summaryHandlerId = (await ok(api.post(`${base}/handlers`, { name: 'Summary', kind: 'endpoint', method: 'GET', path: '/summary', code: 'module.exports = async () => ({ ok: true });', timeout_ms: 1000 }))).id;

    await ok(api.post(`${base}/flows`, { name: 'Announce posts', trigger: { type: 'event', collections: ['posts'], events: ['create'], filter: { status: { _eq: 'published' } } }, operations: [{ key: 'say', type: 'log', options: { message: 'New post {{ $trigger.keys[0] }}' } }], first: 'say' }));
    await ok(api.post(`${base}/flows`, { name: 'Run summary', trigger: { type: 'manual' }, operations: [{ key: 'sum', type: 'handler', options: { handler: summaryHandlerId, input: { day: 1 } } }], first: 'sum' }));
    await ok(api.post(`${base}/flows`, { name: 'Nightly', enabled: false, trigger: { type: 'schedule', cron: '0 3 * * *' }, operations: [{ key: 'say', type: 'log', options: { message: 'night' } }], first: 'say' }));

    webhookSecret = (await ok(api.post(`${base}/webhooks`, { name: 'Post sync', url: 'https://example.com/hooks/posts', events: ['create'], collections: ['posts'], headers: { 'X-Team': 'blue' } }))).secret;
    await ok(api.post(`${base}/webhooks`, { name: 'Everything', url: 'https://example.com/hooks/all', enabled: false }));

    await ok(api.post(`${base}/views`, { name: 'published_posts', source: 'posts', fields: ['id', 'title', 'author.name'], filter: { status: { _eq: 'published' } }, sort: ['-id'] }));
    await ok(api.post(`${base}/views`, { name: 'priced_posts', source: 'posts', fields: ['id', 'title'], computed: { double_price: 'price * 2' } }));
    await ok(api.post(`${base}/views`, { name: 'posts_per_status', source: 'posts', groupBy: ['status'], aggregate: { count: ['*'] }, public: true }));
  });
  after(async () => {
    for (const target of targets) {
      await target.app.close();
      await target.db.drop();
    }
  });

  it('holds every section by natural keys, without ids, timestamps or secrets', async () => {
    const snapshot = await ok(source.api.get(`${source.base}/schema/snapshot`));
    assert.equal(snapshot.version, 2);
    assert.deepEqual(snapshot.roles, [{ name: 'editor_app', description: 'Edits posts' }, { name: 'reviewer', description: null }]);
    assert.deepEqual(snapshot.policies.map((p: any) => `${p.role} ${p.action} ${p.collection}`), ['editor_app update posts', 'public read posts', 'reviewer read authors']);
    assert.deepEqual(snapshot.policies[0], { name: 'editors retitle', role: 'editor_app', collection: 'posts', action: 'update', filter: null, fields: ['title', 'body'], validation: { title: { min_length: 3 } }, presets: { status: 'draft' }, verified_email: true });
    assert.deepEqual(snapshot.handlers.map((h: any) => h.name), ['Refuse long titles', 'Summary']);
    assert.deepEqual(snapshot.flows.map((f: any) => f.name), ['Announce posts', 'Nightly', 'Run summary']);
    // A handler step names its handler by name: ids differ from one workspace to another.
    assert.equal(snapshot.flows[2].operations[0].options.handler, 'Summary');
    assert.deepEqual(snapshot.webhooks[1], { name: 'Post sync', url: 'https://example.com/hooks/posts', events: ['create'], collections: ['posts'], headers: { 'X-Team': 'blue' }, enabled: true });
    assert.deepEqual(snapshot.views.map((v: any) => v.name), ['posts_per_status', 'priced_posts', 'published_posts']);
    const text = JSON.stringify(snapshot);
    assert.ok(!text.includes(webhookSecret) && !text.includes('whsec_'), 'no webhook secret');
    assert.ok(!/"(id|created_at|updated_at|secret|previous_secret|disabled_reason)":/.test(text), text);
    assert.ok(!text.includes(summaryHandlerId), 'no handler id');
  });

  it('moves the whole setup to an empty workspace on every other database, and a second apply plans nothing', async () => {
    const snapshot = await ok(source.api.get(`${source.base}/schema/snapshot`));
    for (const target of targets) {
      const where = `to ${target.kind}`;
      const dry = await ok(target.api.post(`${target.base}/schema/apply`, { snapshot, dry_run: true }));
      assert.equal((await ok(target.api.get(`${target.base}/roles`))).length, 2, `${where}: a dry run changes nothing`);
      const applied: Step[] = await ok(target.api.post(`${target.base}/schema/apply`, { snapshot }));
      assert.deepEqual(applied.map((step) => step.action), dry.map((step: Step) => step.action), where);
      // Collections and roles come before what needs them.
      const order = (action: string) => applied.findIndex((step) => step.action === action);
      assert.ok(order('create_collection') < order('create_role') && order('create_role') < order('create_policy') && order('create_handler') < order('create_flow'), where);
      const created = applied.filter((step) => step.action === 'create_webhook');
      assert.equal(created.length, 2, where);
      for (const step of created) assert.match(String(step.secret), /^whsec_/, where);
      assert.ok(applied.filter((step) => step.action !== 'create_webhook').every((step) => !('secret' in step)), where);

      const copy = await ok(target.api.get(`${target.base}/schema/snapshot`));
      assert.deepEqual(copy, snapshot, where);
      assert.deepEqual(await ok(target.api.post(`${target.base}/schema/diff`, { snapshot })), [], where);
      assert.deepEqual(await ok(target.api.post(`${target.base}/schema/apply`, { snapshot })), [], where);

      // The copy works there: the handler step runs the target's own handler, the policies and views read.
      const flows = await ok(target.api.get(`${target.base}/flows`));
      const handlers = await ok(target.api.get(`${target.base}/handlers`));
      const summary = handlers.find((h: { name: string }) => h.name === 'Summary');
      assert.equal(flows.find((f: { name: string }) => f.name === 'Run summary').operations[0].options.handler, summary.id, where);
      const author = await ok(target.api.post(`${target.base}/items/authors`, { name: 'Ann', email: 'ann@example.com' }));
      const post = await ok(target.api.post(`${target.base}/items/posts?fields=code,status,author.name`, { title: 'Hello', author: author.id, status: 'published', price: 2.5 }));
      assert.deepEqual(post, { id: 1, code: 'P-00001', status: 'published', author: { id: author.id, name: 'Ann' } }, where);
      const published = await ok(target.api.get(`${target.base}/items/published_posts`));
      assert.deepEqual(published.map((row: { title: string; author: { name: string } }) => [row.title, row.author.name]), [['Hello', 'Ann']], where);
      assert.deepEqual(await ok(target.api.get(`${target.base}/items/priced_posts?fields=title,double_price`)), [{ id: 1, title: 'Hello', double_price: 5 }], where);
      const anonymous = await target.api.get(`${target.base}/items/posts?fields=title`, { token: null });
      assert.deepEqual(anonymous.body.data, [{ id: 1, title: 'Hello' }], where);
    }
  });

  it('updates and deletes entries by natural key, and leaves the sections a snapshot leaves out alone', async () => {
    const target = targets[0];
    const snapshot = await ok(target.api.get(`${target.base}/schema/snapshot`));
    snapshot.roles = snapshot.roles.filter((role: { name: string }) => role.name !== 'reviewer');
    snapshot.policies = snapshot.policies.filter((p: { role: string }) => p.role !== 'reviewer');
    snapshot.policies.find((p: { role: string }) => p.role === 'public').fields = ['id', 'title'];
    snapshot.webhooks = snapshot.webhooks.filter((w: { name: string }) => w.name !== 'Everything');
    snapshot.views.find((v: { name: string }) => v.name === 'published_posts').sort = ['title'];
    snapshot.flows.push({ name: 'Weekly', enabled: false, trigger: { type: 'schedule', cron: '0 4 * * 1' }, operations: [{ key: 'say', type: 'log', options: { message: 'week' }, next: null, otherwise: null }], first: 'say' });
    delete snapshot.handlers;

    const history = (await ok(target.api.get(`${target.base}/schema/migrations`))).length;
    const planned: Step[] = await ok(target.api.post(`${target.base}/schema/diff`, { snapshot }));
    assert.deepEqual(
      planned.map((step) => `${step.action} ${String(step[step.action.replace(/^[a-z]+_/, '')])}`),
      ['delete_webhook Everything', 'delete_policy reviewer read authors', 'delete_role reviewer', 'create_flow Weekly', 'update_policy public read posts', 'update_view published_posts'],
    );
    assert.deepEqual((await ok(target.api.post(`${target.base}/schema/apply`, { snapshot, dry_run: true }))).length, planned.length);
    assert.equal((await ok(target.api.get(`${target.base}/schema/migrations`))).length, history, 'a dry run changes nothing');

    const applied: Step[] = await ok(target.api.post(`${target.base}/schema/apply`, { snapshot }));
    assert.equal(applied.length, planned.length);
    const history2 = await ok(target.api.get(`${target.base}/schema/migrations`));
    assert.equal(history2.length, history + 1);
    assert.equal(history2.at(-1).action, 'apply_snapshot');
    assert.deepEqual((await ok(target.api.get(`${target.base}/roles`))).map((r: { name: string }) => r.name), ['public', 'authenticated', 'editor_app']);
    assert.deepEqual((await ok(target.api.get(`${target.base}/webhooks`))).map((w: { name: string }) => w.name), ['Post sync']);
    assert.equal((await ok(target.api.get(`${target.base}/handlers`))).length, 2, 'handlers, left out, stay');
    const after = await ok(target.api.get(`${target.base}/schema/snapshot`));
    assert.deepEqual(after.policies.find((p: { role: string }) => p.role === 'public').fields, ['id', 'title']);
    assert.deepEqual(await ok(target.api.post(`${target.base}/schema/diff`, { snapshot })), []);
  });

  it('refuses to apply a section to a workspace that has two entries under one name', async () => {
    const target = targets[0];
    const snapshot = await ok(target.api.get(`${target.base}/schema/snapshot`));
    const twin = await ok(target.api.post(`${target.base}/webhooks`, { name: 'Post sync', url: 'https://example.com/twin' }));
    const refused = await target.api.post(`${target.base}/schema/apply`, { snapshot });
    assertError(refused, 409, 'CONFLICT');
    assert.match(refused.body.errors[0].message, /two webhooks.*"Post sync"/);
    await ok(target.api.delete(`${target.base}/webhooks/${twin.id}`));
    assert.deepEqual(await ok(target.api.post(`${target.base}/schema/diff`, { snapshot })), []);
  });

  it('refuses a snapshot with an invalid entry, naming it, before changing anything', async () => {
    const snapshot = await ok(source.api.get(`${source.base}/schema/snapshot`));
    snapshot.collections.push({ collection: 'drafts', primary_key: 'integer', note: null, fields: [{ field: 'text', type: 'string' }] });
    snapshot.roles.push({ name: 'newcomer', description: null });
    const history = (await ok(source.api.get(`${source.base}/schema/migrations`))).length;
    const refuse = async (change: (copy: any) => void, field: RegExp, message: RegExp) => {
      const copy = structuredClone(snapshot);
      change(copy);
      const refused = await source.api.post(`${source.base}/schema/apply`, { snapshot: copy });
      assertError(refused, 400, 'INVALID_PAYLOAD');
      assert.match(refused.body.errors[0].extensions.field, field);
      assert.match(refused.body.errors[0].message, message);
    };
    await refuse((copy) => (copy.handlers[1].code = 'module.exports = async () => {'), /^snapshot\.handlers\.1\.code$/, /handler "Summary".*does not compile/);
    await refuse((copy) => (copy.flows[0].operations[0].next = 'say'), /^snapshot\.flows\.0\.operations$/, /flow "Announce posts".*loop/);
    await refuse((copy) => copy.policies.push({ role: 'ghost', collection: 'drafts', action: 'read' }), /^snapshot\.policies\.3\.role$/, /policy "ghost read drafts".*no role "ghost"/);
    await refuse((copy) => (copy.views[0].source = 'nowhere'), /^snapshot\.views\.0\.source$/, /view "posts_per_status"/);
    await refuse((copy) => (copy.webhooks[0].collections = ['nowhere']), /^snapshot\.webhooks\.0\.collections$/, /webhook "Everything"/);
    await refuse((copy) => copy.handlers.push({ ...copy.handlers[1], name: 'Twin' }), /^snapshot\.handlers\.1\.path$/, /handler "Summary".*"Twin" already answers GET/);
    await refuse((copy) => copy.roles.push({ name: 'newcomer' }), /^snapshot\.roles\.3$/, /both the role "newcomer"/);
    await refuse((copy) => (copy.widgets = []), /^snapshot\.widgets$/, /no section "widgets"/);

    assertError(await source.api.get(`${source.base}/collections/drafts`), 404, 'NOT_FOUND');
    assert.ok(!(await ok(source.api.get(`${source.base}/roles`))).some((r: { name: string }) => r.name === 'newcomer'));
    assert.equal((await ok(source.api.get(`${source.base}/schema/migrations`))).length, history);
  });

  it('plans and applies schema changes: dry run first, lossy changes only when forced', async () => {
    const snapshot = await ok(source.api.get(`${source.base}/schema/snapshot`));
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

  it('reads a version 1 snapshot as one that leaves every section alone', async () => {
    const { collections, relations } = await ok(source.api.get(`${source.base}/schema/snapshot`));
    assert.deepEqual(await ok(source.api.post(`${source.base}/schema/diff`, { snapshot: { version: 1, collections, relations } })), []);
  });

  it('refuses a malformed snapshot', async () => {
    assertError(await source.api.post(`${source.base}/schema/apply`, { snapshot: { version: 3, collections: [], relations: [] } }), 400, 'INVALID_PAYLOAD');
    assertError(await source.api.post(`${source.base}/schema/apply`, { snapshot: { version: 1, collections: [{ collection: 'Bad Name', primary_key: 'integer', fields: [] }], relations: [] } }), 400, 'INVALID_PAYLOAD');
    const notAList = await source.api.post(`${source.base}/schema/apply`, { snapshot: { version: 2, collections: [], relations: [], roles: {} } });
    assertError(notAList, 400, 'INVALID_PAYLOAD');
    assert.equal(notAList.body.errors[0].extensions.field, 'snapshot.roles');
  });
});
