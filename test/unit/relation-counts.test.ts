import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/common/errors/app-error';
import type { FilterNode, ItemsQuery, QueryContext } from '../../src/engine/query/query.ast';
import { parseItemsQuery } from '../../src/engine/query/query.parser';
import { compileRelationCounts } from '../../src/engine/sql/count.compiler';
import { compileAggregate, compileSelect } from '../../src/engine/sql/select.compiler';
import { findCollection } from '../../src/modules/schema/schema.lookup';
import { blogSchema } from '../support/schema-fixture';
import { ownTables, runCases } from '../support/sql-cases';
import { compare, query } from '../support/ast-builders';

/** `count(relation)` in fields and sort, and groupBy through many-to-one paths: parsed, then compiled on each database. */

const schema = ownTables(blogSchema());
const ctx: QueryContext = { now: new Date('2024-05-01T12:00:00.000Z'), userId: null, role: null };
const OPTIONS = { defaultLimit: 100, maxLimit: 1000, maxDepth: 3 };
const liked: FilterNode = compare('likes', '_gte', 2);


function parse(collection: string, params: Record<string, unknown>): ItemsQuery {
  return parseItemsQuery(collection, params, schema, OPTIONS);
}

function assertInvalidQuery(run: () => unknown, field: string): void {
  assert.throws(run, (error: unknown) => error instanceof AppError && error.code === 'INVALID_QUERY' && error.extensions.field === field);
}

const counted = (counts: ItemsQuery['selection']['counts'], overrides: Partial<ItemsQuery> = {}) =>
  query('articles', { selection: { fields: ['id', 'title'], relations: [], counts }, limit: 20, ...overrides });

describe('relation counts: parsing', () => {
  it('count(relation) in fields reads a count beside the fields, at the root and in a nested read', () => {
    const parsed = parse('articles', { fields: 'id,count(comments),count(tags),author.count(articles)' });
    assert.deepEqual(parsed.selection.counts, [
      { field: 'comments', filter: null },
      { field: 'tags', filter: null },
    ]);
    assert.deepEqual(parsed.selection.relations[0].selection.counts, [{ field: 'articles', filter: null }]);
  });

  it('sort=-count(relation) sorts by the count', () => {
    assert.deepEqual(parse('articles', { sort: '-count(comments),title' }).sort, [
      { path: ['comments'], direction: 'desc', count: { filter: null } },
      { path: ['title'], direction: 'asc' },
    ]);
  });

  it('refuses a count of a many-to-one, of no relation, followed by a path, or sorting a nested read', () => {
    assertInvalidQuery(() => parse('articles', { fields: 'count(author)' }), 'count(author)');
    assertInvalidQuery(() => parse('articles', { fields: 'count(title)' }), 'count(title)');
    assertInvalidQuery(() => parse('articles', { fields: 'count()' }), 'count()');
    assertInvalidQuery(() => parse('articles', { fields: 'count(comments).id' }), 'count(comments).id');
    assertInvalidQuery(() => parse('articles', { sort: 'count(author)' }), 'count(author)');
    assertInvalidQuery(() => parse('articles', { fields: 'comments.id', deep: { comments: { _sort: ['count(tags)'] } } }), 'count(tags)');
  });

  it('groupBy takes paths through many-to-one relations, not through to-many ones, nor a key and a path through it', () => {
    assert.deepEqual(parse('comments', { groupBy: 'article.title,article.author.name', aggregate: { count: '*' } }).groupBy, ['article.title', 'article.author.name']);
    assertInvalidQuery(() => parse('articles', { groupBy: 'comments.text' }), 'comments');
    assertInvalidQuery(() => parse('comments', { groupBy: 'article.nope' }), 'article.nope');
    assertInvalidQuery(() => parse('comments', { groupBy: 'article,article.title' }), 'article.title');
  });
});

describe('relation counts: SQL', () => {
  runCases([
    {
      name: "a one-to-many's counts of a level's rows are one grouped statement, with the count's filter",
      compile: (dialect) => compileRelationCounts(findCollection(schema, 'articles')!, { field: 'comments', filter: liked }, [5, 7], schema, dialect, ctx),
      sqlite: [
        'SELECT t0."article" AS "__parent", COUNT(*) AS "count" FROM "cw_test_comments" AS t0 WHERE t0."article" IN (?, ?) AND t0."likes" >= ? GROUP BY t0."article"',
        [5, 7, 2],
      ],
      postgres: [
        'SELECT t0."article" AS "__parent", COUNT(*) AS "count" FROM "cw_test_comments" AS t0 WHERE t0."article" IN ($1, $2) AND t0."likes" >= $3 GROUP BY t0."article"',
        [5, 7, 2],
      ],
      mysql: [
        'SELECT t0.`article` AS `__parent`, COUNT(*) AS `count` FROM `cw_test_comments` AS t0 WHERE t0.`article` IN (?, ?) AND t0.`likes` >= ? GROUP BY t0.`article`',
        [5, 7, 2],
      ],
    },
    {
      name: "a many-to-many's counts go through the junction to the related rows",
      compile: (dialect) => compileRelationCounts(findCollection(schema, 'articles')!, { field: 'tags', filter: compare('label', '_neq', 'secret') }, [5], schema, dialect, ctx),
      sqlite: [
        'SELECT t0."articles_id" AS "__parent", COUNT(*) AS "count" FROM "cw_test_articles_tags" AS t0 INNER JOIN "cw_test_tags" AS t1 ON t1."id" = t0."tags_id" WHERE t0."articles_id" IN (?) AND t1."label" <> ? GROUP BY t0."articles_id"',
        [5, 'secret'],
      ],
      postgres: [
        'SELECT t0."articles_id" AS "__parent", COUNT(*) AS "count" FROM "cw_test_articles_tags" AS t0 INNER JOIN "cw_test_tags" AS t1 ON t1."id" = t0."tags_id" WHERE t0."articles_id" IN ($1) AND t1."label" <> $2 GROUP BY t0."articles_id"',
        [5, 'secret'],
      ],
      mysql: [
        'SELECT t0.`articles_id` AS `__parent`, COUNT(*) AS `count` FROM `cw_test_articles_tags` AS t0 INNER JOIN `cw_test_tags` AS t1 ON t1.`id` = t0.`tags_id` WHERE t0.`articles_id` IN (?) AND t1.`label` <> BINARY ? GROUP BY t0.`articles_id`',
        [5, 'secret'],
      ],
    },
    {
      name: 'a page selects no count: sorting by counts selects them for the sort alone, before the WHERE, and orders by their aliases',
      compile: (dialect) =>
        compileSelect(
          counted([{ field: 'comments', filter: null }], {
            filter: compare('status', '_eq', 'published'),
            sort: [
              { path: ['comments'], direction: 'desc', count: { filter: liked } },
              { path: ['tags'], direction: 'asc', count: { filter: null } },
            ],
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT t0."id", t0."title", (SELECT COUNT(*) FROM "cw_test_comments" AS t1 WHERE t1."article" = t0."id" AND t1."likes" >= ?) AS "__s0", (SELECT COUNT(*) FROM "cw_test_articles_tags" AS t2 INNER JOIN "cw_test_tags" AS t3 ON t3."id" = t2."tags_id" WHERE t2."articles_id" = t0."id") AS "__s1" FROM "cw_test_articles" AS t0 WHERE t0."status" = ? ORDER BY "__s0" DESC, "__s1" ASC, t0."id" ASC LIMIT 20',
        [2, 'published'],
      ],
      postgres: [
        'SELECT t0."id", t0."title", (SELECT COUNT(*) FROM "cw_test_comments" AS t1 WHERE t1."article" = t0."id" AND t1."likes" >= $1) AS "__s0", (SELECT COUNT(*) FROM "cw_test_articles_tags" AS t2 INNER JOIN "cw_test_tags" AS t3 ON t3."id" = t2."tags_id" WHERE t2."articles_id" = t0."id") AS "__s1" FROM "cw_test_articles" AS t0 WHERE t0."status" = $2 ORDER BY "__s0" DESC, "__s1" ASC, t0."id" ASC LIMIT 20',
        [2, 'published'],
      ],
      mysql: [
        'SELECT t0.`id`, t0.`title`, (SELECT COUNT(*) FROM `cw_test_comments` AS t1 WHERE t1.`article` = t0.`id` AND t1.`likes` >= ?) AS `__s0`, (SELECT COUNT(*) FROM `cw_test_articles_tags` AS t2 INNER JOIN `cw_test_tags` AS t3 ON t3.`id` = t2.`tags_id` WHERE t2.`articles_id` = t0.`id`) AS `__s1` FROM `cw_test_articles` AS t0 WHERE t0.`status` = BINARY ? ORDER BY `__s0` DESC, `__s1` ASC, t0.`id` ASC LIMIT 20',
        [2, 'published'],
      ],
    },
    {
      name: 'groupBy through a many-to-one is a LEFT JOIN with the related read filter, grouped and sorted by the joined column',
      compile: (dialect) =>
        compileAggregate(
          query('comments', {
            selection: { fields: ['id'], relations: [] },
            groupBy: ['article.title'],
            aggregate: [{ fn: 'count', field: '*' }, { fn: 'sum', field: 'likes' }],
            joinFilters: { article: compare('status', '_eq', 'published') },
            filter: compare('likes', '_gt', 0),
            sort: [{ path: ['article', 'title'], direction: 'desc' }],
            limit: 10,
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT t1."title" AS "__g0", COUNT(*) AS "__a0", SUM(t0."likes") AS "__a1" FROM "cw_test_comments" AS t0 LEFT JOIN "cw_test_articles" AS t1 ON t1."id" = t0."article" AND t1."status" = ? WHERE t0."likes" > ? GROUP BY t1."title" ORDER BY t1."title" DESC LIMIT 10',
        ['published', 0],
      ],
      postgres: [
        'SELECT t1."title" AS "__g0", COUNT(*) AS "__a0", SUM(t0."likes") AS "__a1" FROM "cw_test_comments" AS t0 LEFT JOIN "cw_test_articles" AS t1 ON t1."id" = t0."article" AND t1."status" = $1 WHERE t0."likes" > $2 GROUP BY t1."title" ORDER BY t1."title" DESC NULLS LAST LIMIT 10',
        ['published', 0],
      ],
      mysql: [
        'SELECT t1.`title` AS `__g0`, COUNT(*) AS `__a0`, SUM(t0.`likes`) AS `__a1` FROM `cw_test_comments` AS t0 LEFT JOIN `cw_test_articles` AS t1 ON t1.`id` = t0.`article` AND t1.`status` = BINARY ? WHERE t0.`likes` > ? GROUP BY t1.`title` ORDER BY t1.`title` DESC LIMIT 10',
        ['published', 0],
      ],
    },
    {
      name: 'an aggregate through a many-to-one shares the LEFT JOIN of a group through the same relation',
      compile: (dialect) =>
        compileAggregate(
          query('comments', {
            selection: { fields: ['id'], relations: [] },
            groupBy: ['article.author.name'],
            aggregate: [{ fn: 'sum', field: 'article.rating' }, { fn: 'max', field: 'article.author.name' }],
            joinFilters: { article: compare('status', '_eq', 'published') },
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT t2."name" AS "__g0", SUM(t1."rating") AS "__a0", MAX(t2."name") AS "__a1" FROM "cw_test_comments" AS t0 LEFT JOIN "cw_test_articles" AS t1 ON t1."id" = t0."article" AND t1."status" = ? LEFT JOIN "cw_test_authors" AS t2 ON t2."id" = t1."author" GROUP BY t2."name" ORDER BY t2."name" ASC',
        ['published'],
      ],
      postgres: [
        'SELECT t2."name" AS "__g0", SUM(t1."rating") AS "__a0", MAX(t2."name") AS "__a1" FROM "cw_test_comments" AS t0 LEFT JOIN "cw_test_articles" AS t1 ON t1."id" = t0."article" AND t1."status" = $1 LEFT JOIN "cw_test_authors" AS t2 ON t2."id" = t1."author" GROUP BY t2."name" ORDER BY t2."name" ASC NULLS FIRST',
        ['published'],
      ],
      mysql: [
        'SELECT t2.`name` AS `__g0`, SUM(t1.`rating`) AS `__a0`, MAX(t2.`name`) AS `__a1` FROM `cw_test_comments` AS t0 LEFT JOIN `cw_test_articles` AS t1 ON t1.`id` = t0.`article` AND t1.`status` = BINARY ? LEFT JOIN `cw_test_authors` AS t2 ON t2.`id` = t1.`author` GROUP BY t2.`name` ORDER BY t2.`name` ASC',
        ['published'],
      ],
    },
  ]);
});
