import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PreparedStatementNames } from '../../src/common/database/database.service';
import { RunningApp, startApp } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { Account, newCollection, newOwnedWorkspace } from '../support/factories';

describe('PreparedStatementNames', () => {
  it('names a text from its second run, once, differently from every other text, up to its bound', () => {
    const names = new PreparedStatementNames(2);
    const a = 'INSERT INTO "a" ("x") VALUES ($1)';
    assert.equal(names.nameOf(a), null, 'a text met once runs unprepared');
    const first = names.nameOf(a);
    assert.ok(first && first.length <= 63, 'a name PostgreSQL keeps whole');
    assert.equal(names.nameOf(a), first);
    names.nameOf('INSERT INTO "b" ("x") VALUES ($1)');
    const second = names.nameOf('INSERT INTO "b" ("x") VALUES ($1)');
    assert.ok(second && second !== first);
    names.nameOf('INSERT INTO "c" ("x") VALUES ($1)');
    assert.equal(names.nameOf('INSERT INTO "c" ("x") VALUES ($1)'), null, 'past the bound a text runs unprepared');
    assert.equal(names.nameOf(a), first);
  });

  it('names the same text apart for each shape of its table, so that a table that changed gets a new statement', () => {
    const names = new PreparedStatementNames(10);
    const text = 'INSERT INTO "a" ("x") VALUES ($1) RETURNING *';
    for (const shape of ['x:string', 'x:string,y:integer']) names.nameOf(text, shape);
    const before = names.nameOf(text, 'x:string');
    const after = names.nameOf(text, 'x:string,y:integer');
    assert.ok(before && after && before !== after);
    assert.equal(names.nameOf(text, 'x:string'), before);
  });
});

/**
 * PostgreSQL creates run as prepared statements. Two instances without a bus between them: the second
 * keeps its schema from before the first added a field, so it runs the statement it prepared before
 * the table changed, which PostgreSQL refuses to run as it was prepared.
 */
if (selectedDatabases().includes('postgres')) {
  describe('prepared creates [postgres]', () => {
    let db: TestDatabase;
    let first: RunningApp;
    let second: RunningApp;
    let owner: Account;
    let base: string;

    before(async () => {
      db = await createTestDatabase('postgres');
      // One connection each, so that the second instance's statement is prepared where it runs again.
      first = await startApp(db.url, { DATABASE_POOL_SIZE: '1' });
      second = await startApp(db.url, { DATABASE_POOL_SIZE: '1' });
      ({ owner, base } = await newOwnedWorkspace(first.api));
      await newCollection(first.api.as(owner.accessToken), base, { collection: 'notes', fields: [{ field: 'text', type: 'string' }] });
    });

    after(async () => {
      await second?.close();
      await first?.close();
      await db?.drop();
    });

    it('creates through an instance whose prepared statement predates a change of the table', async () => {
      const stale = second.api.as(owner.accessToken);
      for (const text of ['one', 'two']) assert.equal((await stale.post(`${base}/items/notes`, { text })).status, 200);
      const added = await first.api.as(owner.accessToken).post(`${base}/fields/notes`, { field: 'extra', type: 'string' });
      assert.equal(added.status, 201, JSON.stringify(added.body));

      const created = await stale.post(`${base}/items/notes`, { text: 'three' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const read = await first.api.as(owner.accessToken).get(`${base}/items/notes/${created.body.data.id}`);
      assert.equal(read.body.data.text, 'three');
      assert.equal(read.body.data.extra, null);
      const fresh = await first.api.as(owner.accessToken).post(`${base}/items/notes`, { text: 'four', extra: 'more' });
      assert.equal(fresh.body.data.extra, 'more');
    });

    it('creates an item with its related items (one unit of work, its statements prepared) before and after a field of the related table is retyped', async () => {
      const api = first.api.as(owner.accessToken);
      await newCollection(api, base, { collection: 'labels', fields: [{ field: 'name', type: 'string' }, { field: 'weight', type: 'integer' }] });
      assert.equal((await api.post(`${base}/relations`, { collection: 'notes', field: 'labels', related_collection: 'labels', junction: true })).status, 201);
      const nested = (text: string, weight: number) => api.post(`${base}/items/notes?fields=text,labels.name,labels.weight`, { text, labels: [{ name: `${text}-a`, weight }, { name: `${text}-b`, weight }] });
      for (const text of ['n1', 'n2', 'n3']) {
        const created = await nested(text, 1);
        assert.equal(created.status, 200, JSON.stringify(created.body));
      }
      // The same statement text, whose answer (the row, RETURNING *) now holds a bigint where it held an integer.
      assert.equal((await api.patch(`${base}/fields/labels/weight`, { type: 'bigint' })).status, 200);

      const created = await nested('n4', 2 ** 40);
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.deepEqual(
        created.body.data.labels.map(({ name, weight }: { name: string; weight: number | string }) => [name, String(weight)]).sort(),
        [['n4-a', String(2 ** 40)], ['n4-b', String(2 ** 40)]],
      );
    });

    it('reads through an instance whose prepared reads predate a change of the table', async () => {
      const stale = second.api.as(owner.accessToken);
      const list = `${base}/items/notes?filter[text][_eq]=one&fields=id,text`;
      for (let run = 0; run < 3; run += 1) assert.deepEqual((await stale.get(list)).body.data.map((row: { text: string }) => row.text), ['one']);
      const added = await first.api.as(owner.accessToken).post(`${base}/fields/notes`, { field: 'later', type: 'integer' });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      await first.api.as(owner.accessToken).post(`${base}/items/notes`, { text: 'one', later: 7 });
      const read = await stale.get(list);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.deepEqual(read.body.data.map((row: { text: string }) => row.text), ['one', 'one']);
    });
  });
}
