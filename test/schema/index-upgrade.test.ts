import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Database } from '../../src/common/database/database.service';
import { MIGRATIONS_TABLE } from '../../src/common/database/data-source-options';
import { constraintName } from '../../src/modules/schema/schema.ddl';
import { tableNameFor } from '../../src/modules/schema/names';
import { describeEachDatabase, startApp, Suite } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';

/**
 * A database whose user tables were made by an earlier version — plain indexes (NULLS LAST on
 * PostgreSQL), text in the database's collation, many-to-one columns without an index — is brought to
 * today's indexes when Cairn starts, and starting again changes nothing.
 */
describeEachDatabase('index upgrade at start', {}, (suite) => {
  let posts: string;
  let base: string;
  let token: string;

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const { api, workspace } = owned;
    base = owned.base;
    token = owned.owner.accessToken;
    await newCollection(api, base, { collection: 'writers', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api, base, {
      collection: 'posts',
      fields: [
        { field: 'title', type: 'string', index: true },
        { field: 'slug', type: 'string', unique: true },
        { field: 'published_at', type: 'datetime', index: true },
      ],
    });
    for (const response of [
      await api.post(`${base}/relations`, { collection: 'posts', field: 'writer', related_collection: 'writers', on_delete: 'SET NULL', one_field: 'posts' }),
    ]) {
      assert.ok(response.status < 300, response.text);
    }
    posts = tableNameFor(workspace.id, 'posts');
  });

  it('rebuilds the indexes and collations an earlier version made', async () => {
    const today = await catalogue(suite, posts);
    const key = constraintName('ix', posts, 'writer');
    if (suite.kind === 'mysql') assert.ok(Object.values(today).includes('writer'), 'MySQL indexes the foreign key');
    else assert.ok(today[key], `the many-to-one column is indexed: ${JSON.stringify(today)}`);
    if (suite.kind === 'postgres') {
      assert.equal(today[constraintName('ix', posts, 'published_at')], 'published_at NULLS FIRST');
      assert.equal(today[constraintName('uq', posts, 'slug')], 'slug NULLS FIRST');
      assert.equal(today['collation title'], 'C');
    }

    await makeOldStyle(suite, posts);
    if (suite.kind !== 'mysql') assert.notDeepEqual(await catalogue(suite, posts), today);
    await restart(suite);
    assert.deepEqual(await catalogue(suite, posts), today);

    await restart(suite);
    assert.deepEqual(await catalogue(suite, posts), today, 'a second run changes nothing');
    const listed = await suite.api.as(token).get(`${base}/items/posts?sort=-published_at`);
    assert.equal(listed.status, 200, listed.text);
  });
});

/** Undoes, by SQL, what this version does to a user table, as an earlier version left it. */
async function makeOldStyle(suite: Suite, table: string): Promise<void> {
  const db = suite.app.nest.get(Database);
  const run = (sql: string) => db.dataSource.query(sql);
  switch (suite.kind) {
    case 'postgres':
      for (const column of ['title', 'slug']) await run(`ALTER TABLE "${table}" ALTER COLUMN "${column}" TYPE varchar(255) COLLATE "default"`);
      for (const [prefix, column] of [['ix', 'title'], ['ix', 'published_at'], ['uq', 'slug']] as const) {
        const name = constraintName(prefix, table, column);
        await run(`DROP INDEX "${name}"`);
        await run(`CREATE ${prefix === 'uq' ? 'UNIQUE ' : ''}INDEX "${name}" ON "${table}" ("${column}")`);
      }
      await run(`DROP INDEX "${constraintName('ix', table, 'writer')}"`);
      break;
    case 'sqlite':
      await run(`DROP INDEX "${constraintName('ix', table, 'writer')}"`);
      break;
    case 'mysql':
      // MySQL's tables were made as they are made today.
      break;
  }
}

/** Starts Cairn again on the same database, as an upgrade does, its index upgrade not yet run there. */
async function restart(suite: Suite): Promise<void> {
  await suite.app.nest.get(Database).dataSource.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = 'IndexOrder1733900000000'`);
  await suite.app.close();
  suite.app = await startApp(suite.db.url);
  suite.api = suite.app.api;
}

/** What the catalogue says of the table's indexes (by name, with their columns' order) and text collations. */
async function catalogue(suite: Suite, table: string): Promise<Record<string, string>> {
  const db = suite.app.nest.get(Database);
  const found: Record<string, string> = {};
  switch (suite.kind) {
    case 'postgres': {
      const indexes = (await db.dataSource.query('SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1', [table])) as Array<{ indexname: string; indexdef: string }>;
      for (const index of indexes) found[index.indexname] = /\((.*)\)$/.exec(index.indexdef)![1];
      const columns = (await db.dataSource.query(
        "SELECT column_name, collation_name FROM information_schema.columns WHERE table_name = $1 AND collation_name IS NOT NULL",
        [table],
      )) as Array<{ column_name: string; collation_name: string }>;
      for (const column of columns) found[`collation ${column.column_name}`] = column.collation_name;
      break;
    }
    case 'mysql': {
      const indexes = (await db.dataSource.query(`SHOW INDEX FROM \`${table}\``)) as Array<{ Key_name: string; Column_name: string }>;
      for (const index of indexes) found[index.Key_name] = index.Column_name;
      break;
    }
    case 'sqlite': {
      const indexes = (await db.dataSource.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table])) as Array<{ name: string; sql: string }>;
      for (const index of indexes) found[index.name] = /\((.*)\)\s*$/.exec(index.sql)?.[1] ?? index.sql;
      break;
    }
  }
  return found;
}
