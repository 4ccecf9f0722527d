import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';

describeEachDatabase('items', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, {
      collection: 'products',
      fields: [
        { field: 'name', type: 'string', required: true, validation: { min_length: { value: 2, message: 'Name too short' } } },
        { field: 'price', type: 'decimal', precision: 8, scale: 2, validation: { min: 0 } },
        { field: 'stock', type: 'integer', default: 0 },
        { field: 'active', type: 'boolean', default: true },
        { field: 'email', type: 'string', validation: { email: true } },
        { field: 'kind', type: 'enum', values: ['tool', 'toy'] },
        { field: 'details', type: 'json' },
        { field: 'released', type: 'date' },
        { field: 'sku', type: 'autocode', autocode: { prefix: 'SKU-', padding: 4 } },
      ],
    });
  });

  it('creates an item with defaults, generated code and system fields, and reads it back', async () => {
    const created = await api.post(`${base}/items/products`, { name: 'Hammer', price: 12.5, kind: 'tool', details: { weight: 1.2, tags: ['steel'] }, released: '2024-02-29' });
    assert.equal(created.status, 200, created.text);
    const item = created.body.data;
    assert.equal(item.name, 'Hammer');
    assert.equal(item.price, 12.5);
    assert.equal(item.stock, 0);
    assert.equal(item.active, true);
    assert.deepEqual(item.details, { weight: 1.2, tags: ['steel'] });
    assert.equal(item.released, '2024-02-29');
    assert.match(item.sku, /^SKU-\d{4}$/);
    assert.equal(item.created_by, owner.id);
    assert.match(item.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    const read = await api.get(`${base}/items/products/${item.id}`);
    assert.deepEqual(read.body.data, item);
  });

  it('answers a wrong type with 400 naming the field and failed rules with 422 per field', async () => {
    const wrongType = await api.post(`${base}/items/products`, { name: 'Saw', stock: 'many' });
    assertError(wrongType, 400, 'INVALID_PAYLOAD');
    assert.equal(wrongType.body.errors[0].extensions.field, 'stock');
    const invalid = await api.post(`${base}/items/products`, { name: 'X', price: -1, email: 'not-an-email' });
    assertError(invalid, 422, 'VALIDATION_FAILED');
    const failures = invalid.body.errors.map((e: { message: string; extensions: { field: string; rule: string } }) => [e.extensions.field, e.extensions.rule, e.message]);
    assert.deepEqual(failures, [
      ['name', 'min_length', 'Name too short'],
      ['price', 'min', '"price" must be at least 0.'],
      ['email', 'email', '"email" must be an email address.'],
    ]);
    assertError(await api.post(`${base}/items/products`, { price: 3 }), 422, 'VALIDATION_FAILED');
    assertError(await api.post(`${base}/items/products`, { name: 'Kite', kind: 'food' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/items/products`, { name: 'Kite', colour: 'red' }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/items/products`, { name: 'Kite', created_by: owner.id }), 400, 'INVALID_PAYLOAD');
    assertError(await api.post(`${base}/items/products`, { name: 'Kite', sku: 'SKU-9999' }), 400, 'INVALID_PAYLOAD');
    const kite = (await api.post(`${base}/items/products`, { name: 'Kite' })).body.data;
    assertError(await api.patch(`${base}/items/products/${kite.id}`, { sku: null }), 400, 'INVALID_PAYLOAD');
  });

  it('writes a batch all or nothing: one invalid item writes nothing and logs nothing', async () => {
    const before = (await api.get(`${base}/items/products?meta=total_count&limit=1`)).body.meta.total_count;
    const activityBefore = await activityCount();
    const batch = await api.post(`${base}/items/products`, [{ name: 'Glue' }, { name: 'Tape' }, { name: 'T' }]);
    assertError(batch, 422, 'VALIDATION_FAILED');
    assert.equal(batch.body.errors[0].extensions.field, '2.name');
    assert.equal((await api.get(`${base}/items/products?meta=total_count&limit=1`)).body.meta.total_count, before);
    assert.equal(await activityCount(), activityBefore);
    const ok = await api.post(`${base}/items/products`, [{ name: 'Glue' }, { name: 'Tape' }]);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.data.map((p: { name: string }) => p.name), ['Glue', 'Tape']);
  });

  it('updates one item, many by keys and many by an array, and deletes them', async () => {
    const created = (await api.post(`${base}/items/products`, [{ name: 'Aa' }, { name: 'Bb' }, { name: 'Cc' }])).body.data as Array<{ id: number }>;
    const [a, b, c] = created.map((p) => p.id);
    const one = await api.patch(`${base}/items/products/${a}`, { stock: 5 });
    assert.equal(one.body.data.stock, 5);
    assert.notEqual(one.body.data.updated_at, undefined);
    const byKeys = await api.patch(`${base}/items/products`, { keys: [a, b], data: { active: false } });
    assert.deepEqual(byKeys.body.data.map((p: { active: boolean }) => p.active), [false, false]);
    const byArray = await api.patch(`${base}/items/products`, [{ id: b, stock: 7 }, { id: c, stock: 8 }]);
    assert.deepEqual(byArray.body.data.map((p: { stock: number }) => p.stock), [7, 8]);
    assertError(await api.patch(`${base}/items/products/999999`, { stock: 1 }), 404, 'NOT_FOUND');
    assert.equal((await api.delete(`${base}/items/products/${a}`)).status, 204);
    assertError(await api.get(`${base}/items/products/${a}`), 404, 'NOT_FOUND');
    assert.equal((await api.delete(`${base}/items/products`, { keys: [b, c] })).status, 204);
    assertError(await api.get(`${base}/items/products/${c}`), 404, 'NOT_FOUND');
    assertError(await api.get(`${base}/items/products/not-a-key`), 404, 'NOT_FOUND');
  });

  it('treats values of a unique text field that differ only in case or spacing as different', async () => {
    await newCollection(api, base, { collection: 'handles', fields: [{ field: 'handle', type: 'string', unique: true }] });
    for (const handle of ['Alpha', 'alpha', 'Alpha ', 'Älpha']) {
      const created = await api.post(`${base}/items/handles`, { handle });
      assert.equal(created.status, 200, `${JSON.stringify(handle)}: ${created.text}`);
    }
    assertError(await api.post(`${base}/items/handles`, { handle: 'alpha' }), 409, 'CONFLICT');
  });

  it('gives 50 concurrent inserts 50 distinct, consecutive codes', async () => {
    await newCollection(api, base, { collection: 'tickets', fields: [{ field: 'code', type: 'autocode', autocode: { prefix: 'T-', padding: 4 } }, { field: 'n', type: 'integer' }] });
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => api.post(`${base}/items/tickets`, { n })));
    for (const result of results) assert.equal(result.status, 200, result.text);
    const codes = results.map((r) => r.body.data.code as string).sort();
    assert.deepEqual(codes, Array.from({ length: 50 }, (_, i) => `T-${String(i + 1).padStart(4, '0')}`));
  });

  it('records who created, updated and deleted what in the activity log', async () => {
    const item = (await api.post(`${base}/items/products`, { name: 'Logged' })).body.data;
    await api.patch(`${base}/items/products/${item.id}`, { stock: 2 });
    await api.delete(`${base}/items/products/${item.id}`);
    const actions = await suite.api.get(`/api/v1/w/${workspace.slug}/activity?filter[item][_eq]=${item.id}&filter[collection][_eq]=products&sort=created_at`, { token: owner.accessToken });
    assert.equal(actions.status, 200, actions.text);
    assert.deepEqual(actions.body.data.map((a: { action: string }) => a.action).sort(), ['create', 'delete', 'update']);
    assert.ok(actions.body.data.every((a: { actor_id: string }) => a.actor_id === owner.id));
    // Time-ordered ids (UUIDv7): the log's ids sort in the order it was written.
    const ids = actions.body.data.map((a: { id: string }) => a.id);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
  });

  it('logs each single create with its key, integer or uuid, and logs nothing for a refused one', async () => {
    await newCollection(api, base, { collection: 'memos', fields: [{ field: 'slug', type: 'string', unique: true }] });
    await newCollection(api, base, { collection: 'tags', primary_key: 'uuid', fields: [{ field: 'label', type: 'string' }] });
    const memo = (await api.post(`${base}/items/memos`, { slug: 'first' })).body.data;
    const tag = (await api.post(`${base}/items/tags`, { label: 'red' })).body.data;
    assert.equal(typeof memo.id, 'number');
    assert.match(tag.id, /^[0-9a-f-]{36}$/);
    for (const [collection, key] of [['memos', memo.id], ['tags', tag.id]]) {
      const logged = await api.get(`${base}/activity?filter[collection][_eq]=${collection}&fields=action,item,actor_id`);
      assert.deepEqual(
        logged.body.data.map(({ action, item, actor_id }: Record<string, unknown>) => ({ action, item, actor_id })),
        [{ action: 'create', item: String(key), actor_id: owner.id }],
        collection,
      );
    }
    const before = await activityCount();
    assertError(await api.post(`${base}/items/memos`, { slug: 'first' }), 409, 'CONFLICT');
    assert.equal(await activityCount(), before);
    assert.equal((await api.get(`${base}/items/memos?meta=total_count&limit=1`)).body.meta.total_count, 1);
  });

  it('lets concurrent batch updates name the same items in any order, without a deadlock', async () => {
    await newCollection(api, base, { collection: 'counters', fields: [{ field: 'n', type: 'integer' }] });
    const keys = (await api.post(`${base}/items/counters`, Array.from({ length: 10 }, (_, n) => ({ n })))).body.data.map((c: { id: number }) => c.id);
    const batches = Array.from({ length: 30 }, (_, round) => (round % 2 === 0 ? keys : [...keys].reverse()).map((id: number) => ({ id, n: round })));
    const answers = await Promise.all(batches.map((batch) => api.patch(`${base}/items/counters`, batch)));
    assert.deepEqual(answers.filter((answer) => answer.status !== 200).map((answer) => answer.text), []);
    // Each batch applied whole: all items hold the n of the same batch, the last one to commit.
    const values = new Set((await api.get(`${base}/items/counters?fields=n`)).body.data.map((c: { n: number }) => c.n));
    assert.equal(values.size, 1);
  });

  it('lets viewers read but not write, and editors write but not change the schema', async () => {
    const viewer = await newAccount(suite.api, 'viewer');
    const editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, workspace, owner, viewer, 'viewer');
    await addMember(suite.api, workspace, owner, editor, 'editor');
    assert.equal((await suite.api.get(`${base}/items/products`, { token: viewer.accessToken })).status, 200);
    assertError(await suite.api.post(`${base}/items/products`, { name: 'Nope' }, { token: viewer.accessToken }), 403, 'FORBIDDEN');
    assert.equal((await suite.api.post(`${base}/items/products`, { name: 'Yes' }, { token: editor.accessToken })).status, 200);
    assertError(await suite.api.post(`${base}/fields/products`, { field: 'x', type: 'string' }, { token: editor.accessToken }), 403, 'FORBIDDEN');
    assertError(await api.get(`${base}/items/nowhere`), 404, 'NOT_FOUND');
  });

  it('keeps the rows through adding, renaming, widening and dropping fields', async () => {
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }, { field: 'stars', type: 'integer' }] });
    await api.post(`${base}/items/notes`, [{ body: 'first', stars: 1 }, { body: 'second', stars: 2 }]);
    assert.equal((await api.post(`${base}/fields/notes`, { field: 'pinned', type: 'boolean', default: false })).status, 201);
    assert.equal((await api.patch(`${base}/fields/notes/stars`, { field: 'rating' })).status, 200);
    assert.equal((await api.patch(`${base}/fields/notes/rating`, { type: 'bigint' })).status, 200);
    assert.equal((await api.patch(`${base}/fields/notes/body`, { type: 'text' })).status, 200);
    assertError(await api.patch(`${base}/fields/notes/body`, { type: 'integer' }), 409, 'CONFLICT');
    const rows = (await api.get(`${base}/items/notes?fields=body,rating,pinned&sort=rating`)).body.data;
    assert.deepEqual(rows, [
      { id: 1, body: 'first', rating: 1, pinned: false },
      { id: 2, body: 'second', rating: 2, pinned: false },
    ]);
    assert.equal((await api.delete(`${base}/fields/notes/pinned`)).status, 204);
    const forced = await api.patch(`${base}/fields/notes/rating?force=true`, { type: 'string' });
    assert.equal(forced.status, 200, forced.text);
    assert.deepEqual((await api.get(`${base}/items/notes?fields=rating&sort=id`)).body.data.map((r: { rating: string }) => r.rating), ['1', '2']);
  });

  it('keeps child rows when a referenced collection changes, and cascades deletes as declared', async () => {
    await newCollection(api, base, { collection: 'shelves', fields: [{ field: 'label', type: 'string' }] });
    await newCollection(api, base, { collection: 'volumes', fields: [{ field: 'title', type: 'string' }] });
    await api.post(`${base}/relations`, { collection: 'volumes', field: 'shelf', related_collection: 'shelves', on_delete: 'CASCADE', one_field: 'volumes' });
    const shelf = (await api.post(`${base}/items/shelves`, { label: 'A' })).body.data;
    await api.post(`${base}/items/volumes`, [{ title: 'V1', shelf: shelf.id }, { title: 'V2', shelf: shelf.id }]);
    // A change that rebuilds the parent table on SQLite must not touch its children.
    assert.equal((await api.patch(`${base}/fields/shelves/label`, { field: 'name' })).status, 200);
    assert.equal((await api.post(`${base}/fields/shelves`, { field: 'floor', type: 'integer' })).status, 201);
    const nested = await api.get(`${base}/items/shelves/${shelf.id}?fields=name,volumes.title`);
    assert.deepEqual(nested.body.data.volumes.map((v: { title: string }) => v.title).sort(), ['V1', 'V2']);
    assertError(await api.post(`${base}/items/volumes`, { title: 'Orphan', shelf: 424242 }), 409, 'CONFLICT');
    assert.equal((await api.delete(`${base}/items/shelves/${shelf.id}`)).status, 204);
    assert.equal((await api.get(`${base}/items/volumes?meta=total_count&limit=1`)).body.meta.total_count, 0);
  });

  async function activityCount(): Promise<number> {
    const response = await api.get(`${base}/activity?limit=1&meta=total_count`);
    assert.equal(response.status, 200, response.text);
    return response.body.meta.total_count;
  }
});
