import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Database } from '../../src/common/database/database.service';
import { toDatabase } from '../../src/engine/sql/value-codec';
import { tableNameFor } from '../../src/modules/schema/names';
import { describeEachDatabase, Suite } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { fieldDef } from '../support/schema-fixture';

/**
 * The plans the databases choose for the SQL Cairn sends, read from EXPLAIN: for the common query
 * shapes, an index serves the filter, the join key and the order, and no whole table is read or sorted.
 * The schema is built through the API as a user builds it; the rows go in by SQL, for speed.
 */
const AUTHORS = 200;
const ARTICLES = 6000;

interface Statement {
  sql: string;
  params: unknown[];
}

/** One step of a plan, the same shape for the three databases. */
interface Step {
  /** What the step does: `Seq Scan`, `Index Scan`, `Sort`, `SCAN t0`, `ALL`, `Using filesort`, … */
  node: string;
  /** The table alias or name the step reads, when it reads one. */
  table: string | null;
  /** True when the step reads a whole table without an index. */
  fullScan: boolean;
  /** True when the step sorts (or groups through a temporary structure) rows that no index ordered. */
  sorts: boolean;
  children: Step[];
}

describeEachDatabase('query plans', {}, (suite) => {
  let api: Api;
  let base: string;
  let articles: string;
  let authors: string;

  before(async () => {
    let workspaceId: string;
    ({ api, base, workspace: { id: workspaceId } } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string', index: true }] });
    await newCollection(api, base, {
      collection: 'articles',
      fields: [
        { field: 'title', type: 'string', index: true },
        { field: 'status', type: 'enum', values: ['draft', 'published', 'archived'], index: true },
        { field: 'published_at', type: 'datetime', index: true },
      ],
    });
    const created = [
      await api.post(`${base}/relations`, { collection: 'articles', field: 'author', related_collection: 'authors', on_delete: 'SET NULL', one_field: 'articles' }),
    ];
    for (const response of created) assert.ok(response.status < 300, response.text);
    authors = tableNameFor(workspaceId, 'authors');
    articles = tableNameFor(workspaceId, 'articles');
    await insertRows(suite, authors, ['name'], AUTHORS, (i) => [`Author ${i}`]);
    // Every tenth article has no publication date, so that where NULLs sort matters.
    const statuses = ['draft', 'published', 'archived'];
    await insertRows(suite, articles, ['title', 'status', 'published_at', 'author'], ARTICLES, (i) => [
      `Title ${(i * 7919) % ARTICLES}`,
      statuses[i % 3],
      i % 10 === 0 ? null : toDatabase(fieldDef('published_at', 'datetime'), new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(), suite.kind),
      (i % AUTHORS) + 1,
    ]);
    await analyze(suite, [authors, articles]);
  });

  it('walks an index for an ascending and a descending sort on an indexed field', async () => {
    for (const sort of ['published_at', '-published_at', 'title', '-title']) {
      const [statement] = await statementsOf(`${base}/items/articles?sort=${sort}&limit=20`);
      assertServedByIndex(await planOf(suite, statement), { table: articles, sorted: true }, sort);
    }
  });

  it('serves an equality filter with a sort from single-column indexes', async () => {
    // The database may sort the rows that match, but never the whole table.
    const [statement] = await statementsOf(`${base}/items/articles?filter[status][_eq]=published&sort=-published_at&limit=20`);
    assertServedByIndex(await planOf(suite, statement), { table: articles, sorted: false }, 'status + sort');
  });

  it('serves an equality filter with a sort from a composite index, sorting nothing', async () => {
    const created = await api.post(`${base}/collections/articles/indexes`, { fields: ['status', '-published_at'] });
    assert.equal(created.status, 201, created.text);
    await analyze(suite, [articles]);
    for (const sort of ['-published_at', 'published_at']) {
      const [statement] = await statementsOf(`${base}/items/articles?filter[status][_eq]=published&sort=${sort}&limit=20`);
      assertServedByIndex(await planOf(suite, statement), { table: articles, sorted: true }, `status + ${sort}`);
    }
    const deleted = await api.delete(`${base}/collections/articles/indexes/${created.body.data.name}`);
    assert.equal(deleted.status, 204, deleted.text);
  });

  it('reads the children of a one-to-many expansion through the foreign key index', async () => {
    const [, children] = await statementsOf(`${base}/items/authors?fields=*,articles.*&limit=20`);
    assert.ok(children, 'the expansion reads the children in a second statement');
    assertServedByIndex(await planOf(suite, children), { table: articles, sorted: false }, 'o2m expansion');
  });

  it('filters through a many-to-one relation without scanning the child table', async () => {
    const [statement] = await statementsOf(`${base}/items/articles?filter[author][name][_eq]=${encodeURIComponent('Author 7')}&limit=20`);
    assertServedByIndex(await planOf(suite, statement), { table: articles, sorted: false }, 'relational filter');
  });

  it('groups by an indexed field in index order', async () => {
    const [statement] = await statementsOf(`${base}/items/articles?aggregate[count]=*&groupBy=status`);
    assertServedByIndex(await planOf(suite, statement), { table: articles, sorted: true }, 'groupBy');
  });

  /** The statements Cairn's read path runs for one request, in order, as the database receives them. */
  async function statementsOf(path: string): Promise<Statement[]> {
    const db = suite.app.nest.get(Database);
    const seen: Statement[] = [];
    const read = db.read.bind(db);
    db.read = (sql, params) => {
      seen.push({ sql, params });
      return read(sql, params);
    };
    try {
      const response = await api.get(path);
      assert.equal(response.status, 200, response.text);
    } finally {
      db.read = read;
    }
    assert.ok(seen.length > 0, `no statement was read for ${path}`);
    return seen;
  }
});

async function insertRows(suite: Suite, table: string, columns: string[], count: number, values: (i: number) => unknown[]): Promise<void> {
  const db = suite.app.nest.get(Database);
  const quote = (name: string) => (suite.kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const now = toDatabase(fieldDef('created_at', 'datetime'), new Date().toISOString(), suite.kind);
  const all = ['created_at', 'updated_at', ...columns];
  const batch = 250;
  for (let start = 1; start <= count; start += batch) {
    const rows: string[] = [];
    const params: unknown[] = [];
    for (let i = start; i < Math.min(start + batch, count + 1); i++) {
      const row = [now, now, ...values(i)];
      rows.push(`(${row.map((value) => {
        params.push(value);
        return suite.kind === 'postgres' ? `$${params.length}` : '?';
      }).join(', ')})`);
    }
    await db.dataSource.query(`INSERT INTO ${quote(table)} (${all.map(quote).join(', ')}) VALUES ${rows.join(', ')}`, params);
  }
}

/** Fresh statistics, as a user's database has them once autovacuum or an ANALYZE ran. */
async function analyze(suite: Suite, tables: string[]): Promise<void> {
  const db = suite.app.nest.get(Database);
  for (const table of tables) {
    switch (suite.kind) {
      case 'postgres':
        await db.dataSource.query(`VACUUM ANALYZE "${table}"`);
        break;
      case 'mysql':
        await db.dataSource.query(`ANALYZE TABLE \`${table}\``);
        break;
      case 'sqlite':
        await db.dataSource.query(`ANALYZE "${table}"`);
        break;
    }
  }
}

/** The plan of a statement, with the statement's own parameters, as steps. */
async function planOf(suite: Suite, statement: Statement): Promise<{ steps: Step[]; text: string; aliases: Map<string, string> }> {
  const db = suite.app.nest.get(Database);
  const aliases = aliasesOf(statement.sql);
  switch (suite.kind) {
    case 'postgres': {
      const [row] = (await db.dataSource.query(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.params)) as Array<{ 'QUERY PLAN': Array<{ Plan: PgNode }> }>;
      const plan = row['QUERY PLAN'][0].Plan;
      return { steps: [postgresStep(plan)], text: JSON.stringify(plan, null, 1), aliases };
    }
    case 'mysql': {
      const rows = (await db.dataSource.query(`EXPLAIN ${statement.sql}`, statement.params)) as MysqlRow[];
      return { steps: rows.map(mysqlStep), text: JSON.stringify(rows, null, 1), aliases };
    }
    case 'sqlite': {
      const rows = (await db.dataSource.query(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params)) as Array<{ detail: string }>;
      return { steps: rows.map((row) => sqliteStep(row.detail)), text: rows.map((row) => row.detail).join('\n'), aliases };
    }
  }
}

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  Plans?: PgNode[];
}

/**
 * A Seq Scan reads the whole table; a Sort sorts what comes in, which is harmless over an aggregate's
 * few groups or a filter's few rows but not over a table scan (checked by the caller). An Incremental
 * Sort only orders the ties of an index's order, and is allowed.
 */
function postgresStep(node: PgNode): Step {
  const type = node['Node Type'];
  return {
    node: type,
    table: node['Relation Name'] ?? null,
    fullScan: type === 'Seq Scan',
    sorts: type === 'Sort',
    children: (node.Plans ?? []).map(postgresStep),
  };
}

interface MysqlRow {
  table: string | null;
  type: string | null;
  key: string | null;
  Extra: string | null;
}

/** A row of MariaDB's EXPLAIN: access type ALL reads the whole table; filesort and temporary sort. */
function mysqlStep(row: MysqlRow): Step {
  const extra = row.Extra ?? '';
  return {
    node: `${row.type ?? ''} ${row.key ?? ''} ${extra}`.trim(),
    table: row.table,
    fullScan: row.type === 'ALL',
    sorts: /Using filesort|Using temporary/.test(extra),
    children: [],
  };
}

/** A line of SQLite's EXPLAIN QUERY PLAN: `SCAN t0` reads the table; a temp B-tree sorts or groups. */
function sqliteStep(detail: string): Step {
  const scan = /^SCAN (\S+)(?: AS (\S+))?(.*)$/.exec(detail);
  return {
    node: detail,
    table: scan ? (scan[2] ?? scan[1]) : (/^SEARCH (\S+)/.exec(detail)?.[1] ?? null),
    fullScan: scan !== null && !/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(scan[3]),
    sorts: /USE TEMP B-TREE FOR (ORDER BY|GROUP BY|RIGHT PART OF ORDER BY)/.test(detail),
    children: [],
  };
}

/** The tables of a statement by alias (`"cw_…_articles" AS t0` → t0 → cw_…_articles). */
function aliasesOf(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const match of sql.matchAll(/[`"]([^`"]+)[`"] AS (t\d+)/g)) aliases.set(match[2], match[1]);
  return aliases;
}

function flatten(steps: Step[]): Step[] {
  return steps.flatMap((step) => [step, ...flatten(step.children)]);
}

/**
 * The plan reads `table` through an index, never whole, and — when `sorted` — takes its order from
 * that index: no step sorts at all (an incremental sort of an index's ties aside). Without `sorted`, a
 * step may sort the few rows an index found, never a whole table, since none is read.
 */
function assertServedByIndex(
  plan: { steps: Step[]; text: string; aliases: Map<string, string> },
  expected: { table: string; sorted: boolean },
  label: string,
): void {
  const isTable = (name: string | null) => name !== null && (name === expected.table || plan.aliases.get(name) === expected.table);
  const steps = flatten(plan.steps);
  const message = `${label}: ${plan.text}`;
  assert.ok(steps.some((step) => isTable(step.table)), `${label}: the plan does not read ${expected.table}: ${plan.text}`);
  assert.ok(!steps.some((step) => isTable(step.table) && step.fullScan), `${label}: reads the whole table: ${message}`);
  if (expected.sorted) assert.ok(!steps.some((step) => step.sorts), `${label}: sorts rows no index ordered: ${message}`);
}
