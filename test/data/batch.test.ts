import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { MESSAGE_BUS, MessageBus } from '../../src/common/bus/bus';
import { ITEMS_CHANGED, ItemsChanged } from '../../src/common/bus/items-changed';
import { Database } from '../../src/common/database/database.service';
import { ItemsService } from '../../src/modules/data/items.service';
import { WorkspacesService } from '../../src/modules/workspaces/workspaces.service';
import { externalPostgres, ExternalFixture } from '../connections/external-databases';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api, ApiResponse } from '../support/http';
import { RealtimeClient } from '../support/realtime';
import { until } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

type Row = Record<string, any>;

/** A bound small enough for a test to go past it; fast webhook and flow polls; the loopback receiver allowed. */
const MAX_OPERATIONS = 10;
const BATCH_ENV = {
  BATCH_MAX_OPERATIONS: String(MAX_OPERATIONS),
  WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
  WEBHOOK_POLL_INTERVAL: '100ms',
  FLOW_POLL_INTERVAL: '100ms',
  CONNECTIONS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/**
 * `POST /batch`: item operations across collections in one transaction, with `$ref` to earlier results;
 * all or nothing, announced (events, realtime, webhooks, flows) only once committed.
 */
describeEachDatabase('batch', { env: BATCH_ENV }, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;
  let receiver: WebhookReceiver;
  const clients: RealtimeClient[] = [];

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string', required: true }, { field: 'status', type: 'string' }] });
    await newCollection(api, base, { collection: 'comments', fields: [{ field: 'body', type: 'string' }, { field: 'post', type: 'integer' }] });
    const relation = await api.post(`${base}/relations`, { collection: 'comments', field: 'post', related_collection: 'posts', one_field: 'comments' });
    assert.equal(relation.status, 201, relation.text);
    receiver = await WebhookReceiver.start();
  });

  after(async () => {
    for (const client of clients) client.close();
    await receiver.close();
  });

  const batch = (operations: unknown, as: Api = api): Promise<ApiResponse> => as.post(`${base}/batch`, { operations });
  const count = async (collection: string, filter: Row): Promise<number> =>
    (await api.get(`${base}/items/${collection}?aggregate[count]=*&filter=${encodeURIComponent(JSON.stringify(filter))}`)).body.data[0].count as number;

  /** Asserts a batch's failure: its status and code, the operation named, and the field. */
  function assertOperationError(response: ApiResponse, status: number, code: string, operation: number, field?: string): void {
    assertError(response, status, code);
    const [error] = response.body.errors;
    assert.equal(error.extensions.operation, operation, response.text);
    if (field !== undefined) assert.equal(error.extensions.field, field, response.text);
  }

  it('creates a post and its comments pointing at it with $ref, then updates and deletes through references, answering each result in order', async () => {
    const response = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Batched', status: 'draft' } },
      { collection: 'comments', action: 'create', data: { body: 'First', post: { $ref: 0 } } },
      { collection: 'comments', action: 'create', data: { body: { $ref: '0.title' }, post: { $ref: '0.id' } } },
      { collection: 'posts', action: 'update', key: { $ref: 0 }, data: { status: 'published' } },
      { collection: 'comments', action: 'delete', key: { $ref: '2.id' } },
    ]);
    assert.equal(response.status, 200, response.text);
    const [post, first, second, updated, deleted] = response.body.data as Row[];
    assert.equal(post.title, 'Batched');
    assert.equal(post.status, 'draft');
    assert.deepEqual([first.body, first.post], ['First', post.id]);
    assert.deepEqual([second.body, second.post], ['Batched', post.id]);
    assert.deepEqual([updated.id, updated.status], [post.id, 'published']);
    assert.equal(deleted, null);
    const read = await api.get(`${base}/items/posts/${post.id}?fields=title,status,comments.body`);
    assert.deepEqual(read.body.data, { id: post.id, title: 'Batched', status: 'published', comments: [{ id: first.id, body: 'First' }] });
    // Each operation is logged as a single request's write is.
    const activity = await api.get(`${base}/activity?filter[item][_in]=${post.id},${first.id},${second.id}&fields=collection,action,item&sort=created_at&limit=20`);
    const actions = (activity.body.data as Row[]).map((entry) => `${entry.collection} ${entry.action} ${entry.item}`);
    for (const expected of [`posts create ${post.id}`, `comments create ${first.id}`, `comments create ${second.id}`, `posts update ${post.id}`, `comments delete ${second.id}`]) {
      assert.ok(actions.includes(expected), `${expected} in ${JSON.stringify(actions)}`);
    }
  });

  it('runs each operation through the before hooks of a single request, and a hook that refuses fails the batch naming the operation', async () => {
    const hook = await api.post(`${base}/handlers`, {
      name: 'comment rules',
      kind: 'before',
      collection: 'comments',
      events: ['create'],
      code: `module.exports = async ({ event }) => {
        if (event.payload.body === 'spam') throw { status: 422, message: 'No spam' };
        return { ...event.payload, body: event.payload.body + ' (checked)' };
      };`,
    });
    assert.equal(hook.status, 201, hook.text);
    try {
      const accepted = await batch([
        { collection: 'posts', action: 'create', data: { title: 'Hooked' } },
        { collection: 'comments', action: 'create', data: { body: 'Fine', post: { $ref: 0 } } },
      ]);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.data[1].body, 'Fine (checked)');
      const refused = await batch([
        { collection: 'posts', action: 'create', data: { title: 'Refused by a hook' } },
        { collection: 'comments', action: 'create', data: { body: 'spam', post: { $ref: 0 } } },
      ]);
      assertOperationError(refused, 422, 'VALIDATION_FAILED', 1);
      assert.match(refused.body.errors[0].message, /No spam/);
      assert.equal(await count('posts', { title: { _eq: 'Refused by a hook' } }), 0);
    } finally {
      await api.delete(`${base}/handlers/${hook.body.data.id}`);
    }
  });

  it('writes nothing and announces nothing when its 7th operation fails: no event, no realtime message, no webhook delivery, no flow run', async () => {
    const webhook = await api.post(`${base}/webhooks`, { name: 'batch hook', url: receiver.url(), collections: ['posts', 'comments'], events: ['create', 'update', 'delete'] });
    assert.equal(webhook.status, 201, webhook.text);
    const flow = await api.post(`${base}/flows`, {
      name: 'on post',
      trigger: { type: 'event', collections: ['posts', 'comments'], events: ['create'] },
      operations: [{ key: 'note', type: 'log', options: { message: 'created {{ $trigger.keys[0] }}' } }],
      first: 'note',
    });
    assert.equal(flow.status, 201, flow.text);
    const subscriber = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${owned.owner.accessToken}`);
    clients.push(subscriber);
    await subscriber.subscribe('posts', { fields: ['id', 'title'] });
    const deliveries = async (): Promise<Row[]> => (await api.get(`${base}/webhooks/${webhook.body.data.id}/deliveries`)).body.data;
    const runs = async (): Promise<Row[]> => (await api.get(`${base}/flows/${flow.body.data.id}/runs?limit=100`)).body.data;
    const heard: ItemsChanged[] = [];
    const bus = suite.app.nest.get<MessageBus>(MESSAGE_BUS);
    const stopHearing = await bus.subscribe(ITEMS_CHANGED, (change) => void heard.push(change as ItemsChanged));
    try {
      const failed = await batch([
        { collection: 'posts', action: 'create', data: { title: 'Doomed 1' } },
        { collection: 'comments', action: 'create', data: { body: 'doomed', post: { $ref: 0 } } },
        { collection: 'posts', action: 'create', data: { title: 'Doomed 2' } },
        { collection: 'comments', action: 'create', data: { body: 'doomed', post: { $ref: 2 } } },
        { collection: 'posts', action: 'update', key: { $ref: 0 }, data: { status: 'published' } },
        { collection: 'comments', action: 'create', data: { body: 'doomed', post: { $ref: '4.id' } } },
        { collection: 'posts', action: 'create', data: { status: 'no title' } },
      ]);
      assertOperationError(failed, 422, 'VALIDATION_FAILED', 6, 'title');
      assert.equal(await count('posts', { title: { _starts_with: 'Doomed' } }), 0);
      assert.equal(await count('comments', { body: { _eq: 'doomed' } }), 0);
      assert.deepEqual(await deliveries(), []);
      assert.deepEqual(await runs(), []);

      // A write after it is the first thing anyone hears of: the batch's changes were never announced.
      const later = await api.post(`${base}/items/posts`, { title: 'After the batch' });
      assert.equal(later.status, 200, later.text);
      assert.deepEqual(await subscriber.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: later.body.data.id, title: 'After the batch' }] });
      const [delivery] = await until('the later write is delivered', deliveries, (list) => list.length > 0);
      assert.deepEqual(delivery.payload.data.keys, [later.body.data.id]);
      const [run] = await until('the later write runs the flow', runs, (list) => list.length > 0);
      assert.deepEqual(run.trigger.keys, [later.body.data.id]);
      await until('the later write is heard', async () => heard.length, (length) => length > 0);
      assert.deepEqual(heard.filter((change) => change.workspaceId === owned.workspace.id).map((change) => [change.collection, change.action, change.keys]), [['posts', 'create', [later.body.data.id]]]);
      assert.equal((await deliveries()).length, 1);
      assert.equal((await runs()).length, 1);
    } finally {
      await stopHearing();
      await api.delete(`${base}/webhooks/${webhook.body.data.id}`);
      await api.delete(`${base}/flows/${flow.body.data.id}`);
    }
  });

  it('announces a committed batch: each operation is heard once, after the commit, in order', async () => {
    const subscriber = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime?access_token=${owned.owner.accessToken}`);
    clients.push(subscriber);
    await subscriber.subscribe('comments', { fields: ['body'] }, 'comments');
    const response = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Heard' } },
      { collection: 'comments', action: 'create', data: { body: 'heard 1', post: { $ref: 0 } } },
      { collection: 'comments', action: 'create', data: { body: 'heard 2', post: { $ref: 0 } } },
    ]);
    assert.equal(response.status, 200, response.text);
    const [, first, second] = response.body.data as Row[];
    assert.deepEqual((await subscriber.next()).data, [{ id: first.id, body: 'heard 1' }]);
    assert.deepEqual((await subscriber.next()).data, [{ id: second.id, body: 'heard 2' }]);
  });

  it('holds, in Database.together, the events of its writes until it commits, and drops them when it rolls back', async () => {
    const db = suite.app.nest.get(Database);
    const items = suite.app.nest.get(ItemsService);
    const bus = suite.app.nest.get<MessageBus>(MESSAGE_BUS);
    const access = await suite.app.nest.get(WorkspacesService).resolveAccess({ kind: 'user', userId: owned.owner.id, email: owned.owner.email, isSuperadmin: false }, owned.workspace.slug);
    const origin = { ip: null, userAgent: 'test' };
    const heard: ItemsChanged[] = [];
    const stopHearing = await bus.subscribe(ITEMS_CHANGED, (change) => void heard.push(change as ItemsChanged));
    const ours = () => heard.filter((change) => change.workspaceId === owned.workspace.id);
    try {
      const keys = await db.together(async () => {
        const [one] = await items.create(access, { collection: 'posts', items: [{ title: 'Together 1' }], batch: false, origin });
        const [two] = await items.create(access, { collection: 'posts', items: [{ title: 'Together 2' }], batch: false, origin });
        // Written and readable inside the unit, not yet announced.
        assert.equal((await items.get(access, { collection: 'posts', id: String(one.id), params: {} })).title, 'Together 1');
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(ours(), []);
        return [one.id, two.id];
      });
      // Committed: announced once it returns, in order.
      await until('the unit is heard', async () => ours().length, (length) => length >= 2);
      assert.deepEqual(ours().map((change) => change.keys), [[keys[0]], [keys[1]]]);
      assert.equal(await count('posts', { title: { _starts_with: 'Together' } }), 2);

      await assert.rejects(
        db.together(async () => {
          await items.create(access, { collection: 'posts', items: [{ title: 'Undone' }], batch: false, origin });
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal(await count('posts', { title: { _eq: 'Undone' } }), 0);
      const [after] = await items.create(access, { collection: 'posts', items: [{ title: 'Outside' }], batch: false, origin });
      await until('the write outside is heard', async () => ours().length, (length) => length > 2);
      assert.deepEqual(ours().slice(2).map((change) => change.keys), [[after.id]]);
    } finally {
      await stopHearing();
    }
  });

  it('refuses more operations than BATCH_MAX_OPERATIONS, writing nothing', async () => {
    const operations = Array.from({ length: MAX_OPERATIONS + 1 }, (_, index) => ({ collection: 'posts', action: 'create', data: { title: `Too many ${index}` } }));
    const refused = await batch(operations);
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.field, 'operations');
    assert.match(refused.body.errors[0].message, new RegExp(`at most ${MAX_OPERATIONS}`));
    assert.equal(await count('posts', { title: { _starts_with: 'Too many' } }), 0);
    assert.equal((await batch(operations.slice(0, MAX_OPERATIONS))).status, 200);
  });

  it('refuses a malformed batch with 400 naming the operation and where, before anything runs', async () => {
    const valid = { collection: 'posts', action: 'create', data: { title: 'Never written' } };
    const cases: Array<[string, unknown, string | undefined, number | undefined]> = [
      ['not a list', { operations: { not: 'a list' } }, 'operations', undefined],
      ['an unknown property of the batch', { operations: [], atomic: true }, 'atomic', undefined],
      ['empty', [], 'operations', undefined],
      ['an operation that is no object', [valid, 'create'], 'operations.1', 1],
      ['an unknown property', [valid, { ...valid, fields: 'id' }], 'operations.1.fields', 1],
      ['no collection', [valid, { action: 'create', data: {} }], 'operations.1.collection', 1],
      ['an unknown action', [valid, { collection: 'posts', action: 'upsert', data: {} }], 'operations.1.action', 1],
      ['a create with a key', [valid, { ...valid, key: 1 }], 'operations.1.key', 1],
      ['an update without a key', [valid, { collection: 'posts', action: 'update', data: { title: 'x' } }], 'operations.1.key', 1],
      ['an update without data', [valid, { collection: 'posts', action: 'update', key: 1 }], 'operations.1.data', 1],
      ['a delete with data', [valid, { collection: 'posts', action: 'delete', key: 1, data: {} }], 'operations.1.data', 1],
      ['data that is a list', [valid, { collection: 'posts', action: 'create', data: [{ title: 'x' }] }], 'operations.1.data', 1],
      ['a $ref to itself', [valid, { collection: 'comments', action: 'create', data: { post: { $ref: 1 } } }], 'operations.1.data.post', 1],
      ['a $ref to a later operation', [{ collection: 'comments', action: 'create', data: { post: { $ref: 1 } } }, valid], 'operations.0.data.post', 0],
      ['a $ref to no operation', [valid, { collection: 'posts', action: 'update', key: { $ref: '7.id' }, data: { title: 'x' } }], 'operations.1.key', 1],
      ['a $ref that is no index', [valid, { collection: 'comments', action: 'create', data: { post: { $ref: 'first' } } }], 'operations.1.data.post.$ref', 1],
      ['a negative $ref', [valid, { collection: 'comments', action: 'create', data: { post: { $ref: -1 } } }], 'operations.1.data.post.$ref', 1],
      ['a null operation', [null], 'operations.0', 0],
      // Refused as every body this deep is, before the batch reads it.
      ['data nested too deep', [{ collection: 'posts', action: 'create', data: JSON.parse('{"x":'.repeat(80) + '1' + '}'.repeat(80)) }], undefined, undefined],
      ['a key that is no key', [valid, { collection: 'posts', action: 'delete', key: { id: 1 } }], 'operations.1.key', 1],
    ];
    for (const [label, operations, field, operation] of cases) {
      const body = Array.isArray(operations) ? { operations } : operations;
      const refused = await api.post(`${base}/batch`, body);
      assert.equal(refused.status, 400, `${label}: ${refused.text}`);
      assert.equal(refused.body.errors[0].extensions.code, 'INVALID_PAYLOAD', label);
      assert.equal(refused.body.errors[0].extensions.field, field, `${label}: ${refused.text}`);
      assert.equal(refused.body.errors[0].extensions.operation, operation, `${label}: ${refused.text}`);
    }
    assert.equal(await count('posts', { title: { _eq: 'Never written' } }), 0);
  });

  it('refuses, once earlier operations ran, a $ref to a field their result lacks, and an update of an item that does not exist, undoing them', async () => {
    const missingField = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Ref missing' } },
      { collection: 'comments', action: 'create', data: { body: 'x', post: { $ref: '0.author' } } },
    ]);
    assertOperationError(missingField, 400, 'INVALID_PAYLOAD', 1, 'operations.1.data.post');
    const toDelete = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Ref missing' } },
      { collection: 'posts', action: 'delete', key: { $ref: 0 } },
      { collection: 'comments', action: 'create', data: { body: 'x', post: { $ref: 1 } } },
    ]);
    assertOperationError(toDelete, 400, 'INVALID_PAYLOAD', 2, 'operations.2.data.post');
    const missingItem = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Ref missing' } },
      { collection: 'posts', action: 'update', key: 999999, data: { title: 'Nobody' } },
    ]);
    assertOperationError(missingItem, 404, 'NOT_FOUND', 1);
    const unknownCollection = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Ref missing' } },
      { collection: 'nowhere', action: 'create', data: {} },
    ]);
    assert.equal(unknownCollection.body.errors[0].extensions.operation, 1, unknownCollection.text);
    assert.ok([403, 404].includes(unknownCollection.status), unknownCollection.text);
    assert.equal(await count('posts', { title: { _eq: 'Ref missing' } }), 0);
  });

  it('answers a foreign-key conflict as a single request does, with the operation named', async () => {
    const conflict = await batch([
      { collection: 'posts', action: 'create', data: { title: 'Orphan parent' } },
      { collection: 'comments', action: 'create', data: { body: 'orphan', post: 987654 } },
    ]);
    const single = await api.post(`${base}/items/comments`, { body: 'orphan', post: 987654 });
    assert.equal(conflict.status, single.status, conflict.text);
    assert.equal(conflict.body.errors[0].extensions.code, single.body.errors[0].extensions.code);
    assert.equal(conflict.body.errors[0].extensions.field, single.body.errors[0].extensions.field);
    assert.equal(conflict.body.errors[0].extensions.operation, 1);
    assert.equal(await count('posts', { title: { _eq: 'Orphan parent' } }), 0);
  });

  it('runs concurrent batches to completion without deadlock, each whole', async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        batch([
          { collection: 'posts', action: 'create', data: { title: `Concurrent ${index}` } },
          { collection: 'comments', action: 'create', data: { body: `concurrent ${index}`, post: { $ref: 0 } } },
          { collection: 'comments', action: 'create', data: { body: `concurrent ${index}`, post: { $ref: 0 } } },
          { collection: 'posts', action: 'update', key: { $ref: 0 }, data: { status: 'published' } },
        ]),
      ),
    );
    for (const response of responses) assert.equal(response.status, 200, response.text);
    assert.equal(await count('posts', { title: { _starts_with: 'Concurrent' }, status: { _eq: 'published' } }), 6);
    assert.equal(await count('comments', { body: { _starts_with: 'concurrent' } }), 12);
  });

  it("refuses a write to an external connection's table in a batch (400), writing nothing of the batch there or here", async () => {
    const fixture: ExternalFixture = await externalPostgres();
    try {
      const connection = await api.post(`${base}/connections`, { kind: fixture.kind, host: fixture.host, port: fixture.port, database: fixture.database, user: fixture.user, password: fixture.password, name: 'ext', tables: ['customers'] });
      assert.equal(connection.status, 201, connection.text);
      const writable = await api.patch(`${base}/connections/${connection.body.data.id}`, { allow_writes: true });
      assert.equal(writable.status, 200, writable.text);
      const refused = await batch([
        { collection: 'posts', action: 'create', data: { title: 'Beside an external write' } },
        { collection: 'ext__customers', action: 'create', data: { name: 'Eve' } },
      ]);
      assertOperationError(refused, 400, 'INVALID_PAYLOAD', 1);
      assert.match(refused.body.errors[0].message, /cannot be written in one transaction/);
      assert.equal(await count('posts', { title: { _eq: 'Beside an external write' } }), 0);
      assert.deepEqual(await fixture.query("SELECT id FROM customers WHERE name = 'Eve'"), []);
      await api.delete(`${base}/connections/${connection.body.data.id}`);
    } finally {
      await fixture.drop();
    }
  });
});
