import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { prepareSqliteConnection, type SqliteConnection } from '../../src/common/database/sqlite-connection';
import type { DatabaseKind } from '../../src/config/app-config';
import type { ItemsQuery, NestedRead, QueryContext } from '../../src/engine/query/query.ast';
import { aggregateItems, aggregateValue, countItems, readItems, type RunSql } from '../../src/engine/read/read.runner';
import { dialectFor, type SqlDialect } from '../../src/engine/sql/dialect';
import { toDatabase } from '../../src/engine/sql/value-codec';
import { findCollection, findField } from '../../src/modules/schema/schema.lookup';
import type { FieldDef, FieldTypeName } from '../../src/modules/schema/schema.types';
import { createTestDatabase, selectedDatabases, type TestDatabase } from '../support/databases';
import { blogSchema } from '../support/schema-fixture';
import { compare, nested, query } from '../support/ast-builders';

const schema = blogSchema();
const USER = '6f1c2a9e-8d44-4b7a-9a57-0c1d2e3f4a5b';
const ctx: QueryContext = { now: new Date('2024-06-01T00:00:00.000Z'), userId: USER, role: null };

/** The part of better-sqlite3 these tests use (the package ships no types, and none are installed). */
interface SqliteDatabase extends SqliteConnection {
  prepare(sql: string): ReturnType<SqliteConnection['prepare']> & { run(...params: unknown[]): unknown };
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sqlite = require('better-sqlite3') as new (path: string) => SqliteDatabase;

/** A connection that runs compiled SQL. */
interface Connection {
  run: RunSql;
  close(): Promise<void>;
}

async function connect(database: TestDatabase): Promise<Connection> {
  switch (database.kind) {
    case 'sqlite': {
      // As Cairn connects: exact integers, and the function that folds Unicode case.
      const db = new Sqlite(database.url.slice('sqlite:'.length));
      prepareSqliteConnection(db);
      return {
        run: async (sql, params) => {
          const statement = db.prepare(sql);
          if (!statement.reader) {
            statement.run(...params);
            return [];
          }
          return statement.all(...params) as Record<string, unknown>[];
        },
        close: async () => void db.close(),
      };
    }
    case 'postgres': {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      return { run: async (sql, params) => (await client.query(sql, params)).rows, close: () => client.end() };
    }
    case 'mysql': {
      // As Cairn connects: UTC, utf8mb4, big numbers as numbers when safe.
      const connection = await mysql.createConnection({ uri: database.url, timezone: 'Z', charset: 'utf8mb4_unicode_ci', supportBigNumbers: true, bigNumberStrings: false });
      return {
        run: async (sql, params) => {
          const [rows] = await connection.query(sql, params);
          return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
        },
        close: () => connection.end(),
      };
    }
  }
}

/** Column types of each field type on each database, as the schema's field types choose them. */
const COLUMN_TYPES: Record<FieldTypeName, Record<DatabaseKind, string>> = {
  string: { sqlite: 'VARCHAR(255)', postgres: 'VARCHAR(255)', mysql: 'VARCHAR(255)' },
  text: { sqlite: 'TEXT', postgres: 'TEXT', mysql: 'LONGTEXT' },
  enum: { sqlite: 'VARCHAR(255)', postgres: 'VARCHAR(255)', mysql: 'VARCHAR(255)' },
  autocode: { sqlite: 'VARCHAR(64)', postgres: 'VARCHAR(64)', mysql: 'VARCHAR(64)' },
  uuid: { sqlite: 'VARCHAR(36)', postgres: 'VARCHAR(36)', mysql: 'VARCHAR(36)' },
  file: { sqlite: 'VARCHAR(36)', postgres: 'VARCHAR(36)', mysql: 'VARCHAR(36)' },
  app_user: { sqlite: 'VARCHAR(36)', postgres: 'VARCHAR(36)', mysql: 'VARCHAR(36)' },
  member: { sqlite: 'VARCHAR(36)', postgres: 'VARCHAR(36)', mysql: 'VARCHAR(36)' },
  integer: { sqlite: 'INTEGER', postgres: 'INTEGER', mysql: 'INT' },
  bigint: { sqlite: 'INTEGER', postgres: 'BIGINT', mysql: 'BIGINT' },
  float: { sqlite: 'REAL', postgres: 'DOUBLE PRECISION', mysql: 'DOUBLE' },
  decimal: { sqlite: 'DECIMAL(10, 2)', postgres: 'DECIMAL(10, 2)', mysql: 'DECIMAL(10, 2)' },
  boolean: { sqlite: 'BOOLEAN', postgres: 'BOOLEAN', mysql: 'BOOLEAN' },
  date: { sqlite: 'DATE', postgres: 'DATE', mysql: 'DATE' },
  datetime: { sqlite: 'DATETIME', postgres: 'TIMESTAMPTZ(3)', mysql: 'DATETIME(3)' },
  time: { sqlite: 'TIME', postgres: 'TIME', mysql: 'TIME' },
  json: { sqlite: 'TEXT', postgres: 'JSONB', mysql: 'JSON' },
};

function columnDefinition(field: FieldDef, dialect: SqlDialect): string {
  const type = COLUMN_TYPES[field.type][dialect.kind];
  return `${dialect.quote(field.field)} ${type}${field.primaryKey ? ' PRIMARY KEY' : ''}`;
}

async function createTables(run: RunSql, dialect: SqlDialect): Promise<void> {
  for (const collection of schema.collections.values()) {
    await run(`CREATE TABLE ${dialect.quote(collection.table)} (${collection.fields.map((field) => columnDefinition(field, dialect)).join(', ')})`, []);
  }
}

/** Inserts rows of a collection, each value through the codec as the items service will. */
async function seed(run: RunSql, dialect: SqlDialect, collectionName: string, rows: Record<string, unknown>[]): Promise<void> {
  const collection = findCollection(schema, collectionName)!;
  for (const row of rows) {
    const fields = Object.keys(row).map((name) => findField(collection, name)!);
    const placeholders = fields.map((_, index) => dialect.placeholder(index + 1)).join(', ');
    const sql = `INSERT INTO ${dialect.quote(collection.table)} (${fields.map((field) => dialect.quote(field.field)).join(', ')}) VALUES (${placeholders})`;
    await run(
      sql,
      fields.map((field) => toDatabase(field, row[field.field], dialect.kind)),
    );
  }
}

async function seedBlog(run: RunSql, dialect: SqlDialect): Promise<void> {
  await seed(run, dialect, 'authors', [
    { id: 1, name: 'Ann', age: 34, created_by: USER },
    { id: 2, name: 'Bob', age: null },
    { id: 3, name: 'Zoë 日本', age: 51 },
  ]);
  await seed(run, dialect, 'articles', [
    {
      id: 1,
      title: 'Hello world',
      status: 'published',
      rating: 5,
      price: '12.50',
      featured: true,
      published_at: '2024-01-02T03:04:05.678Z',
      metadata: { tags: ['a'], nested: { x: 1 } },
      author: 1,
      created_by: USER,
    },
    { id: 2, title: 'Second post', status: 'draft', rating: 3, price: '7.25', featured: false, published_at: null, metadata: null, author: 1 },
    {
      id: 3,
      title: 'Ünïcödé 🎉 title',
      status: 'published',
      rating: 4,
      price: 0.25,
      featured: 'true',
      published_at: new Date('2024-02-01T10:00:00+02:00'),
      metadata: [1, 'două'],
      author: 3,
    },
    { id: 4, title: 'Orphan', status: 'archived', rating: null, price: null, featured: false, published_at: '2023-12-31 23:59:59', metadata: 'just text', author: null },
  ]);
  await seed(run, dialect, 'comments', [
    { id: 1, text: 'Nice', article: 1, likes: 5 },
    { id: 2, text: 'Great', article: 1, likes: 9 },
    { id: 3, text: 'Meh', article: 1, likes: 1 },
    { id: 4, text: 'Ça va 👍', article: 3, likes: 2 },
    { id: 5, text: 'Wow', article: 3, likes: 7 },
  ]);
  await seed(run, dialect, 'tags', [
    { id: 1, label: 'news' },
    { id: 2, label: 'tech' },
    { id: 3, label: 'life' },
  ]);
  await seed(run, dialect, 'articles_tags', [
    { id: 1, articles_id: 1, tags_id: 2 },
    { id: 2, articles_id: 1, tags_id: 1 },
    { id: 3, articles_id: 3, tags_id: 1 },
    { id: 4, articles_id: 2, tags_id: 3 },
  ]);
}


/** Wraps a runner to record the statements it runs. */
function counting(run: RunSql): { run: RunSql; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    run: (sql, params) => {
      statements.push(sql);
      return run(sql, params);
    },
  };
}

const ARTICLE_FIELDS = ['id', 'title', 'status', 'rating', 'price', 'featured', 'published_at', 'metadata', 'author'];

for (const kind of selectedDatabases()) {
  describe(`read runner on ${kind}`, () => {
    const dialect = dialectFor(kind);
    let database: TestDatabase;
    let connection: Connection;

    before(async () => {
      database = await createTestDatabase(kind);
      connection = await connect(database);
      await createTables(connection.run, dialect);
      await seedBlog(connection.run, dialect);
    });

    after(async () => {
      await connection?.close();
      await database?.drop();
    });

    it('reads rows with normalized values, a many-to-one, a one-to-many limited per parent and a many-to-many, in one statement per level', async () => {
      const counted = counting(connection.run);
      const rows = await readItems(
        query('articles', {
          selection: {
            fields: ARTICLE_FIELDS,
            relations: [
              nested('author', ['id', 'name']),
              nested('comments', ['id', 'text', 'likes'], { sort: [{ path: ['likes'], direction: 'desc' }], limit: 2 }),
              nested('tags', ['id', 'label']),
            ],
          },
        }),
        schema,
        dialect,
        ctx,
        counted.run,
      );
      assert.deepEqual(rows, [
        {
          id: 1,
          title: 'Hello world',
          status: 'published',
          rating: 5,
          price: 12.5,
          featured: true,
          published_at: '2024-01-02T03:04:05.678Z',
          metadata: { tags: ['a'], nested: { x: 1 } },
          author: { id: 1, name: 'Ann' },
          comments: [
            { id: 2, text: 'Great', likes: 9 },
            { id: 1, text: 'Nice', likes: 5 },
          ],
          tags: [
            { id: 2, label: 'tech' },
            { id: 1, label: 'news' },
          ],
        },
        {
          id: 2,
          title: 'Second post',
          status: 'draft',
          rating: 3,
          price: 7.25,
          featured: false,
          published_at: null,
          metadata: null,
          author: { id: 1, name: 'Ann' },
          comments: [],
          tags: [{ id: 3, label: 'life' }],
        },
        {
          id: 3,
          title: 'Ünïcödé 🎉 title',
          status: 'published',
          rating: 4,
          price: 0.25,
          featured: true,
          published_at: '2024-02-01T08:00:00.000Z',
          metadata: [1, 'două'],
          author: { id: 3, name: 'Zoë 日本' },
          comments: [
            { id: 5, text: 'Wow', likes: 7 },
            { id: 4, text: 'Ça va 👍', likes: 2 },
          ],
          tags: [{ id: 1, label: 'news' }],
        },
        {
          id: 4,
          title: 'Orphan',
          status: 'archived',
          rating: null,
          price: null,
          featured: false,
          published_at: '2023-12-31T23:59:59.000Z',
          metadata: 'just text',
          author: null,
          comments: [],
          tags: [],
        },
      ]);
      assert.equal(counted.statements.length, 1 + 3);
    });

    it('recurses level by level, one statement per nested read whatever the number of parents', async () => {
      const counted = counting(connection.run);
      const comments = nested('comments', ['id', 'likes'], { filter: compare('likes', '_gte', 2), sort: [{ path: ['likes'], direction: 'asc' }], offset: 1 });
      const articles: NestedRead = {
        ...nested('articles', ['id', 'title']),
        selection: { fields: ['id', 'title'], relations: [comments, nested('tags', ['label'])] },
        sort: [{ path: ['title'], direction: 'asc' }],
      };
      const rows = await readItems(query('authors', { selection: { fields: ['name'], relations: [articles] } }), schema, dialect, ctx, counted.run);
      assert.deepEqual(rows, [
        {
          name: 'Ann',
          articles: [
            { id: 1, title: 'Hello world', comments: [{ id: 2, likes: 9 }], tags: [{ label: 'tech' }, { label: 'news' }] },
            { id: 2, title: 'Second post', comments: [], tags: [{ label: 'life' }] },
          ],
        },
        { name: 'Bob', articles: [] },
        { name: 'Zoë 日本', articles: [{ id: 3, title: 'Ünïcödé 🎉 title', comments: [{ id: 5, likes: 7 }], tags: [{ label: 'news' }] }] },
      ]);
      assert.equal(counted.statements.length, 1 + 1 + 2);
    });

    it('reads a many-to-one from the other side and a many-to-many from the tags', async () => {
      const counted = counting(connection.run);
      const rows = await readItems(
        query('comments', {
          selection: { fields: ['id', 'article'], relations: [{ ...nested('article', ['id', 'author']), selection: { fields: ['id', 'author'], relations: [nested('author', ['name'])] } }] },
          filter: compare('likes', '_lt', 3),
        }),
        schema,
        dialect,
        ctx,
        counted.run,
      );
      assert.deepEqual(rows, [
        { id: 3, article: { id: 1, author: { name: 'Ann' } } },
        { id: 4, article: { id: 3, author: { name: 'Zoë 日本' } } },
      ]);
      assert.equal(counted.statements.length, 3);
      const tags = await readItems(
        query('tags', { selection: { fields: ['label'], relations: [nested('articles', ['id'], { sort: [{ path: ['id'], direction: 'desc' }] })] } }),
        schema,
        dialect,
        ctx,
        connection.run,
      );
      assert.deepEqual(tags, [
        { label: 'news', articles: [{ id: 3 }, { id: 1 }] },
        { label: 'tech', articles: [{ id: 1 }] },
        { label: 'life', articles: [{ id: 2 }] },
      ]);
    });

    it('runs no nested statement when the root has no rows', async () => {
      const counted = counting(connection.run);
      const rows = await readItems(
        query('articles', { selection: { fields: ['id'], relations: [nested('comments', ['id'])] }, filter: compare('id', '_gt', 100) }),
        schema,
        dialect,
        ctx,
        counted.run,
      );
      assert.deepEqual(rows, []);
      assert.equal(counted.statements.length, 1);
    });

    it('filters through relations, with variables, search and unicode matches', async () => {
      const ids = async (overrides: Partial<ItemsQuery>) => (await readItems(query('articles', overrides), schema, dialect, ctx, connection.run)).map((row) => row.id);
      assert.deepEqual(
        await ids({
          filter: {
            type: 'and',
            children: [
              { type: 'relation', field: 'author', quantifier: 'some', filter: compare('name', '_eq', 'Ann') },
              { type: 'relation', field: 'comments', quantifier: 'some', filter: compare('likes', '_gt', 8) },
            ],
          },
        }),
        [1],
      );
      assert.deepEqual(await ids({ filter: { type: 'relation', field: 'comments', quantifier: 'none', filter: compare('likes', '_gte', 0) } }), [2, 4]);
      assert.deepEqual(await ids({ filter: { type: 'relation', field: 'tags', quantifier: 'some', filter: compare('label', '_eq', 'news') } }), [1, 3]);
      assert.deepEqual(await ids({ filter: compare('published_at', '_lt', { variable: 'NOW', offsetMs: -125 * 86_400_000 }) }), [1, 4]);
      assert.deepEqual(await ids({ filter: compare('created_by', '_eq', { variable: 'CURRENT_USER' }) }), [1]);
      assert.deepEqual(await ids({ filter: compare('featured', '_eq', true) }), [1, 3]);
      assert.deepEqual(await ids({ filter: compare('price', '_between', ['0.25', 10]) }), [2, 3]);
      assert.deepEqual(await ids({ filter: compare('title', '_contains', 'Ünïcödé 🎉') }), [3]);
      assert.deepEqual(await ids({ filter: compare('title', '_contains', 'hello') }), []);
      assert.deepEqual(await ids({ filter: compare('title', '_icontains', 'HELLO') }), [1]);
      assert.deepEqual(await ids({ filter: compare('title', '_starts_with', 'Se') }), [2]);
      assert.deepEqual(await ids({ filter: compare('rating', '_contains', 4) }), [3]);
      assert.deepEqual(await ids({ filter: compare('status', '_nin', ['draft', 'archived']) }), [1, 3]);
      assert.deepEqual(await ids({ search: 'POST' }), [2]);
      assert.deepEqual(await ids({ search: '🎉' }), [3]);
      assert.deepEqual(await ids({ search: USER }), [1]);
    });

    it('sorts through a many-to-one with NULLs last descending, ties by primary key the same way, and pages', async () => {
      const ids = async (overrides: Partial<ItemsQuery>) => (await readItems(query('articles', overrides), schema, dialect, ctx, connection.run)).map((row) => row.id);
      assert.deepEqual(await ids({ sort: [{ path: ['author', 'name'], direction: 'desc' }] }), [3, 2, 1, 4]);
      assert.deepEqual(await ids({ sort: [{ path: ['author', 'name'], direction: 'asc' }] }), [4, 1, 2, 3]);
      assert.deepEqual(await ids({ sort: [{ path: ['rating'], direction: 'asc' }] }), [4, 2, 3, 1]);
      assert.deepEqual(await ids({ sort: [{ path: ['author', 'name'], direction: 'desc' }], limit: 2, offset: 1 }), [2, 1]);
      assert.deepEqual(await ids({ limit: null, offset: 3 }), [4]);
    });

    it('counts all rows and the filtered ones', async () => {
      const filtered = query('articles', { filter: compare('status', '_eq', 'published'), search: 'lish' });
      assert.equal(await countItems(filtered, schema, dialect, ctx, { applyFilter: false }, connection.run), 4);
      assert.equal(await countItems(filtered, schema, dialect, ctx, { applyFilter: true }, connection.run), 2);
    });

    it('aggregates by group with numbers as numbers', async () => {
      const grouped = await aggregateItems(
        query('articles', {
          aggregate: [
            { fn: 'count', field: '*' },
            { fn: 'sum', field: 'price' },
            { fn: 'avg', field: 'rating' },
            { fn: 'max', field: 'published_at' },
          ],
          groupBy: ['status'],
        }),
        schema,
        dialect,
        ctx,
        connection.run,
      );
      assert.deepEqual(grouped, [
        { status: 'archived', count: 1, sum: { price: null }, avg: { rating: null }, max: { published_at: '2023-12-31T23:59:59.000Z' } },
        { status: 'draft', count: 1, sum: { price: 7.25 }, avg: { rating: 3 }, max: { published_at: null } },
        { status: 'published', count: 2, sum: { price: 12.75 }, avg: { rating: 4.5 }, max: { published_at: '2024-02-01T08:00:00.000Z' } },
      ]);
      const totals = await aggregateItems(
        query('articles', {
          aggregate: [
            { fn: 'count', field: '*' },
            { fn: 'count', field: 'rating' },
            { fn: 'countDistinct', field: 'author' },
            { fn: 'min', field: 'price' },
          ],
          filter: compare('featured', '_eq', false),
        }),
        schema,
        dialect,
        ctx,
        connection.run,
      );
      assert.deepEqual(totals, [{ count: { '*': 2, rating: 1 }, countDistinct: { author: 1 }, min: { price: 7.25 } }]);
      const byArticle = await aggregateItems(
        query('comments', { aggregate: [{ fn: 'sum', field: 'likes' }], groupBy: ['article'], sort: [{ path: ['article'], direction: 'desc' }], limit: 1 }),
        schema,
        dialect,
        ctx,
        connection.run,
      );
      assert.deepEqual(byArticle, [{ article: 3, sum: { likes: 9 } }]);
    });

    it('compares, sorts, groups and averages the same way as the other databases, whatever the collation', async () => {
      const ids = async (collection: string, overrides: Partial<ItemsQuery>) => (await readItems(query(collection, overrides), schema, dialect, ctx, connection.run)).map((row) => row.id);
      // Exact text: no case, accent or trailing-space folding (MySQL's default collations fold all three).
      assert.deepEqual(await ids('articles', { filter: compare('title', '_eq', 'hello world') }), []);
      assert.deepEqual(await ids('articles', { filter: compare('title', '_eq', 'Orphan ') }), []);
      assert.deepEqual(await ids('articles', { filter: compare('title', '_in', ['ORPHAN', 'Orphan']) }), [4]);
      assert.deepEqual(await ids('articles', { filter: compare('title', '_icontains', 'unicode') }), []);
      assert.deepEqual(await ids('comments', { search: 'ca va' }), []);
      // Code point order: 'Ann' < 'Bob' < 'Zoë' < 'ann', 'Wow' < 'Ça va'.
      assert.deepEqual(await ids('authors', { filter: compare('name', '_gt', 'ann') }), []);
      assert.deepEqual(await ids('authors', { filter: compare('name', '_between', ['B', 'a']) }), [2, 3]);
      assert.deepEqual(await ids('comments', { sort: [{ path: ['text'], direction: 'asc' }] }), [2, 3, 1, 5, 4]);
      assert.deepEqual(await ids('comments', { sort: [{ path: ['text'], direction: 'desc' }], limit: 2 }), [4, 5]);
      const text = await aggregateItems(
        query('comments', {
          aggregate: [
            { fn: 'min', field: 'text' },
            { fn: 'max', field: 'text' },
            { fn: 'countDistinct', field: 'text' },
          ],
        }),
        schema,
        dialect,
        ctx,
        connection.run,
      );
      assert.deepEqual(text, [{ min: { text: 'Great' }, max: { text: 'Ça va 👍' }, countDistinct: { text: 5 } }]);
      const grouped = await aggregateItems(query('comments', { aggregate: [{ fn: 'count', field: '*' }], groupBy: ['text'], limit: 2 }), schema, dialect, ctx, connection.run);
      assert.deepEqual(grouped, [
        { text: 'Great', count: 1 },
        { text: 'Meh', count: 1 },
      ]);
      // An average divided once in JavaScript: MySQL's AVG would answer 5.3333, PostgreSQL's a 16-place numeric.
      const averages = await aggregateItems(
        query('comments', { aggregate: [{ fn: 'avg', field: 'likes' }], filter: compare('likes', '_in', [5, 9, 2]) }),
        schema,
        dialect,
        ctx,
        connection.run,
      );
      assert.deepEqual(averages, [{ avg: { likes: 16 / 3 } }]);
      const prices = await aggregateItems(query('articles', { aggregate: [{ fn: 'avg', field: 'price' }, { fn: 'sum', field: 'price' }] }), schema, dialect, ctx, connection.run);
      assert.deepEqual(prices, [{ avg: { price: 20 / 3 }, sum: { price: 20 } }]);
    });
  });
}

describe('read runner: aggregate values', () => {
  const decimal = findField(findCollection(schema, 'articles')!, 'price')!;
  const integer = findField(findCollection(schema, 'articles')!, 'rating')!;
  const sqlite = dialectFor('sqlite');

  it('rounds a decimal sum to the scale, which a floating-point sum on SQLite can miss', () => {
    assert.equal(aggregateValue({ fn: 'sum', field: decimal.field }, decimal, 0.1 + 0.2, undefined, sqlite), 0.3);
    assert.equal(aggregateValue({ fn: 'sum', field: decimal.field }, decimal, '193.20', undefined, sqlite), 193.2);
    assert.equal(aggregateValue({ fn: 'sum', field: decimal.field }, decimal, null, undefined, sqlite), null);
    assert.equal(aggregateValue({ fn: 'sum', field: integer.field }, integer, '28', undefined, sqlite), 28);
  });

  it('divides an average once, from its sum and count as any driver answers them', () => {
    assert.equal(aggregateValue({ fn: 'avg', field: integer.field }, integer, '41', '11', sqlite), 41 / 11);
    assert.equal(aggregateValue({ fn: 'avg', field: integer.field }, integer, 41, 11, sqlite), 41 / 11);
    assert.equal(aggregateValue({ fn: 'avg', field: decimal.field }, decimal, 0.1 + 0.2, 3, sqlite), 0.3 / 3);
    assert.equal(aggregateValue({ fn: 'avg', field: integer.field }, integer, null, 0, sqlite), null);
    assert.equal(aggregateValue({ fn: 'avg', field: integer.field }, integer, null, '0', sqlite), null);
  });
});
