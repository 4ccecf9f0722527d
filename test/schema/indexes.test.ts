import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { DataSource } from 'typeorm';
import { compositeIndexName } from '../../src/modules/schema/schema.ddl';
import { tableNameFor } from '../../src/modules/schema/names';
import { describeEachDatabase, Suite } from '../support/app';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';

/** An index as the database's catalogue shows it: its columns in order, each with its direction. */
interface CatalogueIndex {
  columns: string[];
  descending: boolean[];
  unique: boolean;
  /** The statement or definition, where the database keeps one (PostgreSQL, SQLite). */
  definition: string | null;
}

/** Reads an index from the catalogue by its database name, or null when the database has none of that name. */
async function catalogueIndex(suite: Suite, table: string, name: string): Promise<CatalogueIndex | null> {
  const db = suite.app.nest.get(DataSource);
  switch (suite.kind) {
    case 'postgres': {
      const rows = (await db.query('SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname = $2', [table, name])) as Array<{ indexdef: string }>;
      if (rows.length === 0) return null;
      const definition = rows[0].indexdef;
      const terms = definition.slice(definition.indexOf('(') + 1, definition.lastIndexOf(')')).split(', ');
      return { columns: terms.map((term) => term.split(' ')[0].replace(/"/g, '')), descending: terms.map((term) => / DESC/.test(term)), unique: /^CREATE UNIQUE/.test(definition), definition };
    }
    case 'mysql': {
      const rows = (await db.query(
        'SELECT column_name AS col, collation AS dir, non_unique AS nu FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? ORDER BY seq_in_index',
        [table, name],
      )) as Array<{ col: string; dir: string; nu: number | string }>;
      if (rows.length === 0) return null;
      return { columns: rows.map((row) => row.col), descending: rows.map((row) => row.dir === 'D'), unique: Number(rows[0].nu) === 0, definition: null };
    }
    case 'sqlite': {
      const rows = (await db.query(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?`, [table, name])) as Array<{ sql: string }>;
      if (rows.length === 0) return null;
      const definition = rows[0].sql;
      const terms = definition.slice(definition.indexOf('(') + 1, definition.lastIndexOf(')')).split(', ');
      return { columns: terms.map((term) => term.split(' ')[0].replace(/"/g, '')), descending: terms.map((term) => / DESC/.test(term)), unique: /^CREATE UNIQUE/.test(definition), definition };
    }
  }
}

describeEachDatabase('composite indexes', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let base: string;
  let api: Api;
  const physical = (collection: string, name: string) => compositeIndexName(tableNameFor(workspace.id, collection), name);
  const inCatalogue = (collection: string, name: string) => catalogueIndex(suite, tableNameFor(workspace.id, collection), physical(collection, name));

  before(async () => {
    ({ owner, workspace, base, api } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'articles',
      fields: [
        { field: 'title', type: 'string', required: true },
        { field: 'status', type: 'string' },
        { field: 'published_at', type: 'datetime' },
        { field: 'body', type: 'text' },
        { field: 'code', type: 'string' },
      ],
    });
    const relation = await api.post(`${base}/relations`, { collection: 'articles', field: 'author', related_collection: 'authors', one_field: 'articles' });
    assert.equal(relation.status, 201, relation.text);
  });

  it('creates an index in the database in the order Cairn sorts, lists it and deletes it', async () => {
    const created = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-published_at'] });
    assert.equal(created.status, 201, created.text);
    const { name } = created.body.data;
    assert.deepEqual(created.body.data, { name, fields: ['status', '-published_at'], unique: false });
    assert.match(name, /^ix_articles_[0-9a-f]{24}$/);

    const listed = await api.get(`${base}/collections/articles/indexes`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.data, [created.body.data]);

    const built = await inCatalogue('articles', name);
    assert.ok(built, 'the index is in the catalogue');
    assert.deepEqual(built.columns, ['status', 'published_at']);
    assert.deepEqual(built.descending, [false, true]);
    assert.equal(built.unique, false);
    // PostgreSQL is told where NULLs go (nullable columns), so the index walks in Cairn's order.
    if (suite.kind === 'postgres') assert.match(built.definition!, /\(status NULLS FIRST, published_at DESC NULLS LAST\)/);

    const deleted = await api.delete(`${base}/collections/articles/indexes/${name}`);
    assert.equal(deleted.status, 204, deleted.text);
    assert.deepEqual((await api.get(`${base}/collections/articles/indexes`)).body.data, []);
    assert.equal(await inCatalogue('articles', name), null);
  });

  it('gives the same default name to the same columns, and takes a name given', async () => {
    const named = await api.post(`${base}/collections/articles/indexes`, { fields: ['author', 'published_at'], name: 'by_author_date' });
    assert.equal(named.status, 201, named.text);
    assert.equal(named.body.data.name, 'by_author_date');
    const first = await api.post(`${base}/collections/articles/indexes`, { fields: ['-published_at'] });
    assert.equal(first.status, 201, first.text);
    assert.ok(first.body.data.name.length <= 63);
    assert.equal((await api.delete(`${base}/collections/articles/indexes/${first.body.data.name}`)).status, 204);
    const again = await api.post(`${base}/collections/articles/indexes`, { fields: ['-published_at'] });
    assert.equal(again.body.data.name, first.body.data.name);
    assert.ok(await inCatalogue('articles', 'by_author_date'));
    for (const index of [named.body.data.name, again.body.data.name]) assert.equal((await api.delete(`${base}/collections/articles/indexes/${index}`)).status, 204);
  });

  it('refuses bad index requests with 400 naming the offending part', async () => {
    const cases: Array<[unknown, string]> = [
      [{ fields: ['nope'] }, 'fields.0'],
      [{ fields: ['status', '-missing'] }, 'fields.1'],
      [{ fields: [] }, 'fields'],
      [{}, 'fields'],
      [{ fields: 'status' }, 'fields'],
      [{ fields: ['status', '-status'] }, 'fields'],
      [{ fields: ['status', 'status'] }, 'fields'],
      [{ fields: [''] }, 'fields.0'],
      [{ fields: [3] }, 'fields.0'],
      [{ fields: ['body'] }, 'fields.0'],
      [{ fields: ['status'], name: 'Bad-Name' }, 'name'],
      [{ fields: ['status'], name: 'x'.repeat(64) }, 'name'],
      [{ fields: ['status'], unique: 'yes' }, 'unique'],
      [{ fields: ['status'], sparse: true }, 'sparse'],
    ];
    for (const [body, field] of cases) {
      const response = await api.post(`${base}/collections/articles/indexes`, body);
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, `${JSON.stringify(body)}: ${response.text}`);
    }
    // A one-to-many alias has no column of its own.
    const alias = await api.post(`${base}/collections/authors/indexes`, { fields: ['articles'] });
    assertError(alias, 400, 'INVALID_PAYLOAD');
    assert.match(alias.body.errors[0].message, /alias/);
    assertError(await api.post(`${base}/collections/articles/indexes`, ['status']), 400, 'INVALID_PAYLOAD');
    assert.deepEqual((await api.get(`${base}/collections/articles/indexes`)).body.data, []);
  });

  it('refuses the same index twice: the same name, or the same fields in the same directions', async () => {
    const created = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-published_at'], name: 'feed' });
    assert.equal(created.status, 201, created.text);
    assertError(await api.post(`${base}/collections/articles/indexes`, { fields: ['title'], name: 'feed' }), 409, 'CONFLICT');
    const same = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-published_at'], name: 'feed_again' });
    assertError(same, 409, 'CONFLICT');
    assert.match(same.body.errors[0].message, /"feed"/);
    assertError(await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-published_at'], unique: true }), 409, 'CONFLICT');
    // Another direction is another index.
    const other = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', 'published_at'], name: 'feed_oldest' });
    assert.equal(other.status, 201, other.text);
    for (const name of ['feed', 'feed_oldest']) assert.equal((await api.delete(`${base}/collections/articles/indexes/${name}`)).status, 204);
  });

  it('refuses a unique index over rows that share their values, with their count, and builds it once they differ', async () => {
    const rows = [
      { title: 'a', code: 'x', status: 'draft' },
      { title: 'b', code: 'x', status: 'draft' },
      { title: 'c', code: 'x', status: 'draft' },
      { title: 'd', code: 'y', status: 'draft' },
      { title: 'e', code: null, status: 'draft' },
      { title: 'f', code: null, status: 'draft' },
    ];
    const inserted = await api.post(`${base}/items/articles`, rows);
    assert.equal(inserted.status < 300, true, inserted.text);
    const refused = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', 'code'], unique: true, name: 'one_code' });
    assertError(refused, 409, 'CONFLICT');
    assert.equal(refused.body.errors[0].extensions.rows, 3);
    assert.match(refused.body.errors[0].message, /3 rows/);
    assert.doesNotMatch(refused.text, /SQLITE|ER_DUP|duplicate key|violates/i);
    assert.equal(await inCatalogue('articles', 'one_code'), null);
    assert.deepEqual((await api.get(`${base}/collections/articles/indexes`)).body.data, []);

    // NULLs never clash in a unique index, on any of the three.
    const ids = (inserted.body.data as Array<{ id: number; title: string }>).filter((row) => row.title === 'b' || row.title === 'c').map((row) => row.id);
    for (const [position, id] of ids.entries()) assert.equal((await api.patch(`${base}/items/articles/${id}`, { code: `z${position}` })).status, 200);
    const built = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', 'code'], unique: true, name: 'one_code' });
    assert.equal(built.status, 201, built.text);
    assert.equal((await inCatalogue('articles', 'one_code'))?.unique, true);
    assertError(await api.post(`${base}/items/articles`, { title: 'g', code: 'x', status: 'draft' }), 409, 'CONFLICT');
    assert.equal((await api.delete(`${base}/collections/articles/indexes/one_code`)).status, 204);
    assert.equal((await api.delete(`${base}/items/articles`, { keys: (inserted.body.data as Array<{ id: number }>).map((row) => row.id) })).status < 300, true);
  });

  it('answers 404 for an unknown collection or index', async () => {
    assertError(await api.get(`${base}/collections/nope/indexes`), 404, 'NOT_FOUND');
    assertError(await api.post(`${base}/collections/nope/indexes`, { fields: ['status'] }), 404, 'NOT_FOUND');
    assertError(await api.delete(`${base}/collections/articles/indexes/nope`), 404, 'NOT_FOUND');
    assertError(await api.delete(`${base}/collections/nope/indexes/nope`), 404, 'NOT_FOUND');
  });

  it('lets viewers list indexes and refuses editors and viewers changing them (403)', async () => {
    const created = await api.post(`${base}/collections/articles/indexes`, { fields: ['status'], name: 'by_status' });
    assert.equal(created.status, 201, created.text);
    for (const role of ['viewer', 'editor']) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, workspace, owner, member, role);
      const as = suite.api.as(member.accessToken);
      assert.equal((await as.get(`${base}/collections/articles/indexes`)).status, 200);
      assertError(await as.post(`${base}/collections/articles/indexes`, { fields: ['title'] }), 403, 'FORBIDDEN');
      assertError(await as.delete(`${base}/collections/articles/indexes/by_status`), 403, 'FORBIDDEN');
    }
    assert.equal((await api.delete(`${base}/collections/articles/indexes/by_status`)).status, 204);
  });

  it('keeps an index in its order through later changes of its table', async () => {
    const created = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-published_at'], name: 'kept' });
    assert.equal(created.status, 201, created.text);
    // On SQLite each of these rebuilds the table.
    assert.equal((await api.post(`${base}/fields/articles`, { field: 'extra', type: 'integer' })).status, 201);
    assert.equal((await api.patch(`${base}/fields/articles/extra`, { type: 'bigint' })).status, 200);
    assert.equal((await api.delete(`${base}/fields/articles/extra`)).status, 204);
    const built = await inCatalogue('articles', 'kept');
    assert.deepEqual(built?.columns, ['status', 'published_at']);
    assert.deepEqual(built?.descending, [false, true]);
    assert.equal((await api.delete(`${base}/collections/articles/indexes/kept`)).status, 204);
  });

  it('follows a renamed field, and drops an index with a field it uses', async () => {
    await api.post(`${base}/fields/articles`, { field: 'rank', type: 'integer' });
    const created = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-rank'], name: 'ranked' });
    assert.equal(created.status, 201, created.text);
    const renamed = await api.patch(`${base}/fields/articles/rank`, { field: 'position' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual((await api.get(`${base}/collections/articles/indexes`)).body.data, [{ name: 'ranked', fields: ['status', '-position'], unique: false }]);
    assert.deepEqual((await inCatalogue('articles', 'ranked'))?.columns, ['status', 'position']);
    // A change to a type that cannot be indexed is refused while the index stands.
    assertError(await api.patch(`${base}/fields/articles/position`, { type: 'text' }), 409, 'CONFLICT');

    assert.equal((await api.delete(`${base}/fields/articles/position`)).status, 204);
    assert.deepEqual((await api.get(`${base}/collections/articles/indexes`)).body.data, []);
    assert.equal(await inCatalogue('articles', 'ranked'), null);
  });

  it('drops the indexes of a deleted collection from the registry', async () => {
    await newCollection(api, base, { collection: 'scratch', fields: [{ field: 'a', type: 'integer' }, { field: 'b', type: 'integer' }] });
    assert.equal((await api.post(`${base}/collections/scratch/indexes`, { fields: ['a', '-b'], name: 'ab' })).status, 201);
    assert.equal((await api.delete(`${base}/collections/scratch`)).status, 204);
    await newCollection(api, base, { collection: 'scratch', fields: [{ field: 'a', type: 'integer' }] });
    assert.deepEqual((await api.get(`${base}/collections/scratch/indexes`)).body.data, []);
    assert.equal((await api.post(`${base}/collections/scratch/indexes`, { fields: ['a'], name: 'ab' })).status, 201);
  });
});

describeEachDatabase('composite indexes in snapshots', {}, (suite) => {
  type Owned = { workspace: Workspace; base: string; api: Api };
  let source: Owned;
  const steps = (data: Array<{ action: string }>) => data.filter((step) => step.action.endsWith('_index'));

  before(async () => {
    source = await newOwnedWorkspace(suite.api);
    const { api, base } = source;
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'status', type: 'string' }, { field: 'published_at', type: 'datetime' }, { field: 'slug', type: 'string' }] });
    for (const body of [{ fields: ['status', '-published_at'], name: 'feed' }, { fields: ['slug'], unique: true, name: 'by_slug' }]) {
      const index = await api.post(`${base}/collections/posts/indexes`, body);
      assert.equal(index.status, 201, index.text);
    }
  });

  const snapshotOf = async (owned: Owned) => {
    const response = await owned.api.get(`${owned.base}/schema/snapshot`);
    assert.equal(response.status, 200, response.text);
    return response.body.data;
  };

  it('exports the indexes, and applying the snapshot builds them in another workspace', async () => {
    const snapshot = await snapshotOf(source);
    assert.deepEqual(snapshot.indexes, [
      { collection: 'posts', name: 'by_slug', fields: ['slug'], unique: true },
      { collection: 'posts', name: 'feed', fields: ['status', '-published_at'], unique: false },
    ]);
    const target = await newOwnedWorkspace(suite.api);
    const applied = await target.api.post(`${target.base}/schema/apply`, { snapshot });
    assert.equal(applied.status, 200, applied.text);
    const actions = (applied.body.data as Array<{ action: string }>).map((step) => step.action);
    assert.deepEqual(actions, ['create_collection', 'create_index', 'create_index']);
    assert.deepEqual((await snapshotOf(target)).indexes, snapshot.indexes);
    const table = tableNameFor(target.workspace.id, 'posts');
    const feed = await catalogueIndex(suite, table, compositeIndexName(table, 'feed'));
    assert.deepEqual(feed?.descending, [false, true]);
    assert.equal((await catalogueIndex(suite, table, compositeIndexName(table, 'by_slug')))?.unique, true);
    // Applied again, nothing is left to do.
    assert.deepEqual((await target.api.post(`${target.base}/schema/diff`, { snapshot })).body.data, []);
  });

  it('diffs a changed, a removed and a new index, and applies them', async () => {
    const target = await newOwnedWorkspace(suite.api);
    const snapshot = await snapshotOf(source);
    assert.equal((await target.api.post(`${target.base}/schema/apply`, { snapshot })).status, 200);
    const posts = snapshot.collections.find((c: { collection: string }) => c.collection === 'posts');
    posts.fields.push({ field: 'rank', type: 'integer' });
    const changed = {
      ...snapshot,
      indexes: [
        { collection: 'posts', name: 'feed', fields: ['status', 'published_at'], unique: false },
        { collection: 'posts', name: 'ranked', fields: ['-rank'], unique: false },
      ],
    };
    const diff = await target.api.post(`${target.base}/schema/diff`, { snapshot: changed });
    assert.equal(diff.status, 200, diff.text);
    assert.deepEqual(diff.body.data.map((step: { action: string }) => step.action), ['delete_index', 'delete_index', 'create_field', 'create_index', 'create_index']);
    assert.deepEqual(steps(diff.body.data), [
      { action: 'delete_index', collection: 'posts', name: 'by_slug' },
      { action: 'delete_index', collection: 'posts', name: 'feed' },
      { action: 'create_index', collection: 'posts', index: { name: 'feed', fields: ['status', 'published_at'], unique: false } },
      { action: 'create_index', collection: 'posts', index: { name: 'ranked', fields: ['-rank'], unique: false } },
    ]);
    assert.equal((await target.api.post(`${target.base}/schema/apply`, { snapshot: changed })).status, 200);
    assert.deepEqual((await snapshotOf(target)).indexes, changed.indexes);
    const table = tableNameFor(target.workspace.id, 'posts');
    assert.equal(await catalogueIndex(suite, table, compositeIndexName(table, 'by_slug')), null);
    assert.deepEqual((await catalogueIndex(suite, table, compositeIndexName(table, 'ranked')))?.descending, [true]);
  });

  it('leaves the indexes alone when a snapshot has no list of them', async () => {
    const { indexes: _indexes, ...older } = await snapshotOf(source);
    assert.deepEqual((await source.api.post(`${source.base}/schema/diff`, { snapshot: older })).body.data, []);
  });

  it('refuses a snapshot index on a field or collection the snapshot lacks, or given twice (400)', async () => {
    const snapshot = await snapshotOf(source);
    const cases: Array<[unknown[], string]> = [
      [[{ collection: 'posts', name: 'x', fields: ['missing'], unique: false }], 'snapshot.indexes.0.fields.0'],
      [[{ collection: 'nope', name: 'x', fields: ['status'], unique: false }], 'snapshot.indexes.0.collection'],
      [[{ collection: 'posts', name: 'Bad', fields: ['status'], unique: false }], 'snapshot.indexes.0.name'],
      [[{ collection: 'posts', name: 'a', fields: ['status'] }, { collection: 'posts', name: 'a', fields: ['slug'] }], 'snapshot.indexes.1'],
      [[{ collection: 'posts', name: 'a', fields: ['status'], extra: 1 }], 'snapshot.indexes.0.extra'],
    ];
    for (const [indexes, field] of cases) {
      const response = await source.api.post(`${source.base}/schema/diff`, { snapshot: { ...snapshot, indexes } });
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, response.text);
    }
    assertError(await source.api.post(`${source.base}/schema/diff`, { snapshot: { ...snapshot, indexes: {} } }), 400, 'INVALID_PAYLOAD');
  });
});
