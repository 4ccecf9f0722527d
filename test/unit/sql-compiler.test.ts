import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/common/errors/app-error';
import type { FilterNode, ItemsQuery, QueryContext } from '../../src/engine/query/query.ast';
import { dialectFor } from '../../src/engine/sql/dialect';
import { compileFilter } from '../../src/engine/sql/filter.compiler';
import { compileImageMatch } from '../../src/engine/sql/image.compiler';
import { compileAggregate, compileCount, compileNestedSelect, compileSelect } from '../../src/engine/sql/select.compiler';
import { fromDatabase, toDatabase } from '../../src/engine/sql/value-codec';
import { findCollection, findField } from '../../src/modules/schema/schema.lookup';
import { blogSchema } from '../support/schema-fixture';
import { DIALECTS, type Expected, ownTables, runCases, type SqlCase } from '../support/sql-cases';
import { compare, nested, query } from '../support/ast-builders';

const schema = blogSchema();

const USER = '6f1c2a9e-8d44-4b7a-9a57-0c1d2e3f4a5b';
const ctx: QueryContext = { now: new Date('2024-05-01T12:00:00.000Z'), userId: USER, role: 'editor' };
/** The LIKE escape clause of SQLite's and PostgreSQL's text matches. */
const ESC = "ESCAPE '\\'";

const and = (...children: FilterNode[]): FilterNode => ({ type: 'and', children });
const or = (...children: FilterNode[]): FilterNode => ({ type: 'or', children });
const some = (field: string, filter: FilterNode): FilterNode => ({ type: 'relation', field, quantifier: 'some', filter });
const none = (field: string, filter: FilterNode): FilterNode => ({ type: 'relation', field, quantifier: 'none', filter });


/** A case for a filter compiled as a condition on t0 of `articles` (or another collection). */
function filterCase(name: string, filter: FilterNode, sqlite: Expected, postgres: Expected, mysql: Expected, options: { collection?: string; ctx?: QueryContext } = {}): SqlCase {
  return { name, compile: (dialect) => compileFilter(filter, options.collection ?? 'articles', schema, dialect, options.ctx ?? ctx), sqlite, postgres, mysql };
}

function assertInvalidQuery(compile: () => unknown): void {
  assert.throws(compile, (error: unknown) => error instanceof AppError && error.code === 'INVALID_QUERY');
}

describe('filter compiler: comparison operators', () => {
  runCases([
    filterCase('_eq compares with =', compare('status', '_eq', 'published'), ['t0."status" = ?', ['published']], ['t0."status" = $1', ['published']], ['t0.`status` = BINARY ?', ['published']]),
    filterCase('_eq null is IS NULL', compare('status', '_eq', null), ['t0."status" IS NULL', []], ['t0."status" IS NULL', []], ['t0.`status` IS NULL', []]),
    filterCase('_neq compares with <>', compare('status', '_neq', 'draft'), ['t0."status" <> ?', ['draft']], ['t0."status" <> $1', ['draft']], ['t0.`status` <> BINARY ?', ['draft']]),
    filterCase('_neq null is IS NOT NULL', compare('status', '_neq', null), ['t0."status" IS NOT NULL', []], ['t0."status" IS NOT NULL', []], ['t0.`status` IS NOT NULL', []]),
    filterCase(
      '_lt, _lte, _gt and _gte compare in order, numbered across the condition',
      and(compare('rating', '_lt', 1), compare('rating', '_lte', 2), compare('rating', '_gt', 3), compare('rating', '_gte', 4)),
      ['(t0."rating" < ? AND t0."rating" <= ? AND t0."rating" > ? AND t0."rating" >= ?)', [1, 2, 3, 4]],
      ['(t0."rating" < $1 AND t0."rating" <= $2 AND t0."rating" > $3 AND t0."rating" >= $4)', [1, 2, 3, 4]],
      ['(t0.`rating` < ? AND t0.`rating` <= ? AND t0.`rating` > ? AND t0.`rating` >= ?)', [1, 2, 3, 4]],
    ),
    filterCase('_lt against null matches nothing', compare('rating', '_lt', null), ['1 = 0', []], ['1 = 0', []], ['1 = 0', []]),
    filterCase(
      '_in lists one parameter per value',
      compare('status', '_in', ['draft', 'published']),
      ['t0."status" IN (?, ?)', ['draft', 'published']],
      ['t0."status" IN ($1, $2)', ['draft', 'published']],
      ['t0.`status` IN (BINARY ?, BINARY ?)', ['draft', 'published']],
    ),
    filterCase(
      '_in with null also matches NULL rows',
      compare('status', '_in', ['draft', null]),
      ['(t0."status" IN (?) OR t0."status" IS NULL)', ['draft']],
      ['(t0."status" IN ($1) OR t0."status" IS NULL)', ['draft']],
      ['(t0.`status` IN (BINARY ?) OR t0.`status` IS NULL)', ['draft']],
    ),
    filterCase('an empty _in matches nothing', compare('status', '_in', []), ['1 = 0', []], ['1 = 0', []], ['1 = 0', []]),
    filterCase(
      '_nin is NOT IN',
      compare('rating', '_nin', [1, 2]),
      ['t0."rating" NOT IN (?, ?)', [1, 2]],
      ['t0."rating" NOT IN ($1, $2)', [1, 2]],
      ['t0.`rating` NOT IN (?, ?)', [1, 2]],
    ),
    filterCase('an empty _nin matches everything', compare('rating', '_nin', []), ['1 = 1', []], ['1 = 1', []], ['1 = 1', []]),
    filterCase(
      '_between is BETWEEN with two parameters',
      compare('rating', '_between', [2, 4]),
      ['t0."rating" BETWEEN ? AND ?', [2, 4]],
      ['t0."rating" BETWEEN $1 AND $2', [2, 4]],
      ['t0.`rating` BETWEEN ? AND ?', [2, 4]],
    ),
    filterCase(
      '_nbetween is NOT BETWEEN',
      compare('rating', '_nbetween', [2, 4]),
      ['t0."rating" NOT BETWEEN ? AND ?', [2, 4]],
      ['t0."rating" NOT BETWEEN $1 AND $2', [2, 4]],
      ['t0.`rating` NOT BETWEEN ? AND ?', [2, 4]],
    ),
    // rating is an integer column: 32 bits, whose bounds PostgreSQL would refuse to go beyond as a parameter.
    filterCase(
      '_eq and _neq with an integer beyond the column match nothing and every value',
      and(compare('rating', '_eq', 2147483648), compare('rating', '_neq', -1e20)),
      ['(1 = 0 AND t0."rating" IS NOT NULL)', []],
      ['(1 = 0 AND t0."rating" IS NOT NULL)', []],
      ['(1 = 0 AND t0.`rating` IS NOT NULL)', []],
    ),
    filterCase(
      'orderings with an integer beyond the column match nothing or every value',
      and(compare('rating', '_gt', 1e20), compare('rating', '_lt', 1e20), compare('rating', '_gte', '-99999999999999999999'), compare('rating', '_lte', -1e20)),
      ['(1 = 0 AND t0."rating" IS NOT NULL AND t0."rating" IS NOT NULL AND 1 = 0)', []],
      ['(1 = 0 AND t0."rating" IS NOT NULL AND t0."rating" IS NOT NULL AND 1 = 0)', []],
      ['(1 = 0 AND t0.`rating` IS NOT NULL AND t0.`rating` IS NOT NULL AND 1 = 0)', []],
    ),
    filterCase(
      '_in leaves out integers beyond the column; _nin of nothing but those is every value',
      and(compare('rating', '_in', [3, 3000000000]), compare('rating', '_nin', [-3000000000])),
      ['(t0."rating" IN (?) AND t0."rating" IS NOT NULL)', [3]],
      ['(t0."rating" IN ($1) AND t0."rating" IS NOT NULL)', [3]],
      ['(t0.`rating` IN (?) AND t0.`rating` IS NOT NULL)', [3]],
    ),
    filterCase(
      '_between bounds beyond the column are brought to its range, or match nothing',
      and(compare('rating', '_between', [-1e20, 5]), compare('rating', '_between', [1e20, 2e20]), compare('rating', '_nbetween', [-2e20, -1e20])),
      ['(t0."rating" BETWEEN ? AND ? AND 1 = 0 AND t0."rating" IS NOT NULL)', [-2147483648, 5]],
      ['(t0."rating" BETWEEN $1 AND $2 AND 1 = 0 AND t0."rating" IS NOT NULL)', [-2147483648, 5]],
      ['(t0.`rating` BETWEEN ? AND ? AND 1 = 0 AND t0.`rating` IS NOT NULL)', [-2147483648, 5]],
    ),
    filterCase(
      '_null true and false, _nnull true',
      and(compare('body', '_null', true), compare('rating', '_null', false), compare('author', '_nnull', true)),
      ['(t0."body" IS NULL AND t0."rating" IS NOT NULL AND t0."author" IS NOT NULL)', []],
      ['(t0."body" IS NULL AND t0."rating" IS NOT NULL AND t0."author" IS NOT NULL)', []],
      ['(t0.`body` IS NULL AND t0.`rating` IS NOT NULL AND t0.`author` IS NOT NULL)', []],
    ),
    filterCase(
      "_empty on text is NULL or '', on other types NULL",
      and(compare('title', '_empty', true), compare('rating', '_empty', true)),
      [`((t0."title" IS NULL OR t0."title" = '') AND t0."rating" IS NULL)`, []],
      [`((t0."title" IS NULL OR t0."title" = '') AND t0."rating" IS NULL)`, []],
      ["((t0.`title` IS NULL OR t0.`title` = BINARY '') AND t0.`rating` IS NULL)", []],
    ),
    filterCase(
      "_nempty on text is neither NULL nor ''",
      compare('title', '_nempty', true),
      [`(t0."title" IS NOT NULL AND t0."title" <> '')`, []],
      [`(t0."title" IS NOT NULL AND t0."title" <> '')`, []],
      ["(t0.`title` IS NOT NULL AND t0.`title` <> BINARY '')", []],
    ),
    // MySQL's default collations take 'alpha' = 'ALPHA ' = 'álpha' and order case-insensitively, and a
    // PostgreSQL database may have a linguistic collation: text compares exactly and orders by code point.
    filterCase(
      'text _eq, _neq and _in compare exactly (binary on MySQL, with the value side binary so an index still serves)',
      and(compare('title', '_eq', 'Alpha'), compare('title', '_neq', 'alpha'), compare('status', '_in', ['draft', 'published']), compare('rating', '_eq', 3)),
      ['(t0."title" = ? AND t0."title" <> ? AND t0."status" IN (?, ?) AND t0."rating" = ?)', ['Alpha', 'alpha', 'draft', 'published', 3]],
      ['(t0."title" = $1 AND t0."title" <> $2 AND t0."status" IN ($3, $4) AND t0."rating" = $5)', ['Alpha', 'alpha', 'draft', 'published', 3]],
      ['(t0.`title` = BINARY ? AND t0.`title` <> BINARY ? AND t0.`status` IN (BINARY ?, BINARY ?) AND t0.`rating` = ?)', ['Alpha', 'alpha', 'draft', 'published', 3]],
    ),
    filterCase(
      'text _lt, _gte, _between and _nbetween order by code point; numbers as they are',
      and(compare('title', '_lt', 'B'), compare('title', '_gte', 'A'), compare('status', '_between', ['a', 'q']), compare('title', '_nbetween', ['x', 'y']), compare('rating', '_gt', 1)),
      ['(t0."title" < ? AND t0."title" >= ? AND t0."status" BETWEEN ? AND ? AND t0."title" NOT BETWEEN ? AND ? AND t0."rating" > ?)', ['B', 'A', 'a', 'q', 'x', 'y', 1]],
      [
        '(t0."title" COLLATE "C" < $1 AND t0."title" COLLATE "C" >= $2 AND t0."status" COLLATE "C" BETWEEN $3 AND $4 AND t0."title" COLLATE "C" NOT BETWEEN $5 AND $6 AND t0."rating" > $7)',
        ['B', 'A', 'a', 'q', 'x', 'y', 1],
      ],
      [
        '(BINARY t0.`title` < ? AND BINARY t0.`title` >= ? AND BINARY t0.`status` BETWEEN ? AND ? AND BINARY t0.`title` NOT BETWEEN ? AND ? AND t0.`rating` > ?)',
        ['B', 'A', 'a', 'q', 'x', 'y', 1],
      ],
    ),
  ]);
});

describe('filter compiler: text matches', () => {
  runCases([
    filterCase(
      '_contains matches case-sensitively, wildcards in the value escaped',
      compare('title', '_contains', '50%_off*'),
      ['t0."title" GLOB ?', ['*50%_off[*]*']],
      [`t0."title" LIKE $1 ${ESC}`, ['%50\\%\\_off*%']],
      ['t0.`title` LIKE BINARY ?', ['%50\\%\\_off*%']],
    ),
    filterCase(
      '_ncontains is the negated case-sensitive match',
      compare('title', '_ncontains', 'Draft'),
      ['t0."title" NOT GLOB ?', ['*Draft*']],
      [`t0."title" NOT LIKE $1 ${ESC}`, ['%Draft%']],
      ['t0.`title` NOT LIKE BINARY ?', ['%Draft%']],
    ),
    filterCase(
      '_icontains ignores case',
      compare('title', '_icontains', 'Ann'),
      [`cairn_lower(t0."title") LIKE cairn_lower(?) ${ESC}`, ['%Ann%']],
      [`t0."title" COLLATE "default" ILIKE $1 ${ESC}`, ['%Ann%']],
      ['LOWER(t0.`title`) LIKE BINARY LOWER(?)', ['%Ann%']],
    ),
    filterCase(
      '_starts_with and _istarts_with anchor at the start',
      and(compare('title', '_starts_with', 'Ab'), compare('title', '_istarts_with', 'ab')),
      [`(t0."title" GLOB ? AND cairn_lower(t0."title") LIKE cairn_lower(?) ${ESC})`, ['Ab*', 'ab%']],
      [`(t0."title" LIKE $1 ${ESC} AND t0."title" COLLATE "default" ILIKE $2 ${ESC})`, ['Ab%', 'ab%']],
      ['(t0.`title` LIKE BINARY ? AND LOWER(t0.`title`) LIKE BINARY LOWER(?))', ['Ab%', 'ab%']],
    ),
    filterCase(
      '_ends_with and _iends_with anchor at the end',
      and(compare('title', '_ends_with', 'Ab'), compare('title', '_iends_with', 'ab')),
      [`(t0."title" GLOB ? AND cairn_lower(t0."title") LIKE cairn_lower(?) ${ESC})`, ['*Ab', '%ab']],
      [`(t0."title" LIKE $1 ${ESC} AND t0."title" COLLATE "default" ILIKE $2 ${ESC})`, ['%Ab', '%ab']],
      ['(t0.`title` LIKE BINARY ? AND LOWER(t0.`title`) LIKE BINARY LOWER(?))', ['%Ab', '%ab']],
    ),
    filterCase(
      'a text match on a number field matches its text',
      compare('rating', '_contains', 4),
      ['CAST(t0."rating" AS TEXT) GLOB ?', ['*4*']],
      [`CAST(t0."rating" AS TEXT) LIKE $1 ${ESC}`, ['%4%']],
      ['CAST(t0.`rating` AS CHAR) LIKE BINARY ?', ['%4%']],
    ),
  ]);
});

describe('filter compiler: values through the codec', () => {
  runCases([
    filterCase('booleans are 1/0 except on PostgreSQL', compare('featured', '_eq', true), ['t0."featured" = ?', [1]], ['t0."featured" = $1', [true]], ['t0.`featured` = ?', [1]]),
    filterCase(
      'datetimes are UTC in the form each driver expects',
      compare('published_at', '_gte', '2024-01-02T05:04:05+02:00'),
      ['t0."published_at" >= ?', ['2024-01-02T03:04:05.000Z']],
      ['t0."published_at" >= $1', ['2024-01-02T03:04:05.000Z']],
      ['t0.`published_at` >= ?', ['2024-01-02 03:04:05.000']],
    ),
    filterCase(
      'decimals given as text keep their digits, except on SQLite',
      compare('price', '_gte', '10.50'),
      ['t0."price" >= ?', [10.5]],
      ['t0."price" >= $1', ['10.50']],
      ['t0.`price` >= ?', ['10.50']],
    ),
    filterCase(
      'numbers given as text become numbers',
      compare('rating', '_in', ['3', 4]),
      ['t0."rating" IN (?, ?)', [3, 4]],
      ['t0."rating" IN ($1, $2)', [3, 4]],
      ['t0.`rating` IN (?, ?)', [3, 4]],
    ),
  ]);

  it('refuses a value the field can not hold as INVALID_QUERY', () => {
    assertInvalidQuery(() => compileFilter(compare('rating', '_eq', 'many'), 'articles', schema, dialectFor('sqlite'), ctx));
    assertInvalidQuery(() => compileFilter(compare('published_at', '_gt', 'yesterday'), 'articles', schema, dialectFor('postgres'), ctx));
    assertInvalidQuery(() => compileFilter(compare('created_by', '_eq', 'not-a-uuid'), 'articles', schema, dialectFor('postgres'), ctx));
  });

  it('refuses unknown fields, relations that are not, and malformed operands as INVALID_QUERY', () => {
    const sqlite = dialectFor('sqlite');
    assertInvalidQuery(() => compileFilter(compare('nope', '_eq', 1), 'articles', schema, sqlite, ctx));
    assertInvalidQuery(() => compileFilter(compare('comments', '_eq', 1), 'articles', schema, sqlite, ctx));
    assertInvalidQuery(() => compileFilter(some('title', compare('id', '_eq', 1)), 'articles', schema, sqlite, ctx));
    assertInvalidQuery(() => compileFilter(compare('rating', '_between', [1]), 'articles', schema, sqlite, ctx));
    assertInvalidQuery(() => compileFilter(compare('rating', '_eq', [1, 2]), 'articles', schema, sqlite, ctx));
    assertInvalidQuery(() => compileFilter(compare('title', '_contains', null), 'articles', schema, sqlite, ctx));
    assertInvalidQuery(() => compileFilter(compare('title', '_null', 'maybe'), 'articles', schema, sqlite, ctx));
  });
});

describe('filter compiler: _and, _or and variables', () => {
  runCases([
    filterCase(
      '_and and _or nest with parentheses',
      or(and(compare('status', '_eq', 'published'), compare('featured', '_eq', true)), compare('rating', '_gt', 4)),
      ['((t0."status" = ? AND t0."featured" = ?) OR t0."rating" > ?)', ['published', 1, 4]],
      ['((t0."status" = $1 AND t0."featured" = $2) OR t0."rating" > $3)', ['published', true, 4]],
      ['((t0.`status` = BINARY ? AND t0.`featured` = ?) OR t0.`rating` > ?)', ['published', 1, 4]],
    ),
    filterCase('an empty _and is true and an empty _or false', and(and(), or()), ['(1 = 1 AND 1 = 0)', []], ['(1 = 1 AND 1 = 0)', []], ['(1 = 1 AND 1 = 0)', []]),
    filterCase(
      '$NOW with an offset is a datetime of the query context',
      compare('published_at', '_lt', { variable: 'NOW', offsetMs: -86_400_000 }),
      ['t0."published_at" < ?', ['2024-04-30T12:00:00.000Z']],
      ['t0."published_at" < $1', ['2024-04-30T12:00:00.000Z']],
      ['t0.`published_at` < ?', ['2024-04-30 12:00:00.000']],
    ),
    filterCase(
      '$CURRENT_USER and $CURRENT_ROLE come from the query context',
      and(compare('created_by', '_eq', { variable: 'CURRENT_USER' }), compare('title', '_eq', { variable: 'CURRENT_ROLE' })),
      ['(t0."created_by" = ? AND t0."title" = ?)', [USER, 'editor']],
      ['(t0."created_by" = $1 AND t0."title" = $2)', [USER, 'editor']],
      ['(t0.`created_by` = BINARY ? AND t0.`title` = BINARY ?)', [USER, 'editor']],
    ),
    filterCase(
      '$CURRENT_USER of an anonymous request is null',
      compare('created_by', '_eq', { variable: 'CURRENT_USER' }),
      ['t0."created_by" IS NULL', []],
      ['t0."created_by" IS NULL', []],
      ['t0.`created_by` IS NULL', []],
      { ctx: { ...ctx, userId: null } },
    ),
  ]);
});

describe('filter compiler: relation filters', () => {
  runCases([
    filterCase(
      'a many-to-one filter is its key IN the keys of the related rows that match',
      some('author', compare('name', '_eq', 'Ann')),
      ['t0."author" IN (SELECT t1."id" FROM "cw_test_authors" AS t1 WHERE t1."name" = ?)', ['Ann']],
      ['t0."author" IN (SELECT t1."id" FROM "cw_test_authors" AS t1 WHERE t1."name" = $1)', ['Ann']],
      ['t0.`author` IN (SELECT t1.`id` FROM `cw_test_authors` AS t1 WHERE t1.`name` = BINARY ?)', ['Ann']],
    ),
    filterCase(
      'a many-to-one _none is a NOT EXISTS',
      none('author', compare('age', '_gt', 40)),
      ['NOT EXISTS (SELECT 1 FROM "cw_test_authors" AS t1 WHERE t1."id" = t0."author" AND t1."age" > ?)', [40]],
      ['NOT EXISTS (SELECT 1 FROM "cw_test_authors" AS t1 WHERE t1."id" = t0."author" AND t1."age" > $1)', [40]],
      ['NOT EXISTS (SELECT 1 FROM `cw_test_authors` AS t1 WHERE t1.`id` = t0.`author` AND t1.`age` > ?)', [40]],
    ),
    filterCase(
      'a one-to-many _some is an EXISTS on the children',
      some('comments', compare('likes', '_gt', 5)),
      ['EXISTS (SELECT 1 FROM "cw_test_comments" AS t1 WHERE t1."article" = t0."id" AND t1."likes" > ?)', [5]],
      ['EXISTS (SELECT 1 FROM "cw_test_comments" AS t1 WHERE t1."article" = t0."id" AND t1."likes" > $1)', [5]],
      ['EXISTS (SELECT 1 FROM `cw_test_comments` AS t1 WHERE t1.`article` = t0.`id` AND t1.`likes` > ?)', [5]],
    ),
    filterCase(
      'a one-to-many _none is a NOT EXISTS on the children',
      none('comments', compare('likes', '_eq', 0)),
      ['NOT EXISTS (SELECT 1 FROM "cw_test_comments" AS t1 WHERE t1."article" = t0."id" AND t1."likes" = ?)', [0]],
      ['NOT EXISTS (SELECT 1 FROM "cw_test_comments" AS t1 WHERE t1."article" = t0."id" AND t1."likes" = $1)', [0]],
      ['NOT EXISTS (SELECT 1 FROM `cw_test_comments` AS t1 WHERE t1.`article` = t0.`id` AND t1.`likes` = ?)', [0]],
    ),
    filterCase(
      'a many-to-many _some goes through the junction',
      some('tags', compare('label', '_eq', 'news')),
      [
        'EXISTS (SELECT 1 FROM "cw_test_articles_tags" AS t1 INNER JOIN "cw_test_tags" AS t2 ON t2."id" = t1."tags_id" WHERE t1."articles_id" = t0."id" AND t2."label" = ?)',
        ['news'],
      ],
      [
        'EXISTS (SELECT 1 FROM "cw_test_articles_tags" AS t1 INNER JOIN "cw_test_tags" AS t2 ON t2."id" = t1."tags_id" WHERE t1."articles_id" = t0."id" AND t2."label" = $1)',
        ['news'],
      ],
      [
        'EXISTS (SELECT 1 FROM `cw_test_articles_tags` AS t1 INNER JOIN `cw_test_tags` AS t2 ON t2.`id` = t1.`tags_id` WHERE t1.`articles_id` = t0.`id` AND t2.`label` = BINARY ?)',
        ['news'],
      ],
    ),
    filterCase(
      'a many-to-many _none from the other side of the junction',
      none('articles', compare('status', '_eq', 'archived')),
      [
        'NOT EXISTS (SELECT 1 FROM "cw_test_articles_tags" AS t1 INNER JOIN "cw_test_articles" AS t2 ON t2."id" = t1."articles_id" WHERE t1."tags_id" = t0."id" AND t2."status" = ?)',
        ['archived'],
      ],
      [
        'NOT EXISTS (SELECT 1 FROM "cw_test_articles_tags" AS t1 INNER JOIN "cw_test_articles" AS t2 ON t2."id" = t1."articles_id" WHERE t1."tags_id" = t0."id" AND t2."status" = $1)',
        ['archived'],
      ],
      [
        'NOT EXISTS (SELECT 1 FROM `cw_test_articles_tags` AS t1 INNER JOIN `cw_test_articles` AS t2 ON t2.`id` = t1.`articles_id` WHERE t1.`tags_id` = t0.`id` AND t2.`status` = BINARY ?)',
        ['archived'],
      ],
      { collection: 'tags' },
    ),
    filterCase(
      'relation filters nest with new aliases and parameters in order',
      and(compare('age', '_gte', 18), some('articles', and(compare('status', '_eq', 'published'), some('tags', compare('label', '_eq', 'news'))))),
      [
        '(t0."age" >= ? AND EXISTS (SELECT 1 FROM "cw_test_articles" AS t1 WHERE t1."author" = t0."id" AND (t1."status" = ? AND EXISTS (SELECT 1 FROM "cw_test_articles_tags" AS t2 INNER JOIN "cw_test_tags" AS t3 ON t3."id" = t2."tags_id" WHERE t2."articles_id" = t1."id" AND t3."label" = ?))))',
        [18, 'published', 'news'],
      ],
      [
        '(t0."age" >= $1 AND EXISTS (SELECT 1 FROM "cw_test_articles" AS t1 WHERE t1."author" = t0."id" AND (t1."status" = $2 AND EXISTS (SELECT 1 FROM "cw_test_articles_tags" AS t2 INNER JOIN "cw_test_tags" AS t3 ON t3."id" = t2."tags_id" WHERE t2."articles_id" = t1."id" AND t3."label" = $3))))',
        [18, 'published', 'news'],
      ],
      [
        '(t0.`age` >= ? AND EXISTS (SELECT 1 FROM `cw_test_articles` AS t1 WHERE t1.`author` = t0.`id` AND (t1.`status` = BINARY ? AND EXISTS (SELECT 1 FROM `cw_test_articles_tags` AS t2 INNER JOIN `cw_test_tags` AS t3 ON t3.`id` = t2.`tags_id` WHERE t2.`articles_id` = t1.`id` AND t3.`label` = BINARY ?))))',
        [18, 'published', 'news'],
      ],
      { collection: 'authors' },
    ),
  ]);
});

describe('select compiler: rows, search, sort and pages', () => {
  const articles = (overrides: Partial<ItemsQuery>) => query('articles', { selection: { fields: ['id', 'title'], relations: [] }, ...overrides });
  runCases([
    {
      name: 'text sorts by code point on every database, other types and the primary key as they are',
      compile: (dialect) =>
        compileSelect(
          articles({
            sort: [
              { path: ['title'], direction: 'asc' },
              { path: ['rating'], direction: 'desc' },
              { path: ['status'], direction: 'desc' },
            ],
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."title" ASC, t0."rating" DESC, t0."status" DESC, t0."id" DESC', []],
      postgres: [
        'SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."title" COLLATE "C" ASC NULLS FIRST, t0."rating" DESC NULLS LAST, t0."status" COLLATE "C" DESC NULLS LAST, t0."id" DESC',
        [],
      ],
      mysql: ['SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 ORDER BY BINARY t0.`title` ASC, t0.`rating` DESC, BINARY t0.`status` DESC, t0.`id` DESC', []],
    },
    {
      // Their columns are code point ordered already (see SchemaDdl), so their indexes serve the order;
      // created_at can not be NULL and gets no NULLS clause, like the primary key.
      name: 'the text of the tables Cairn made sorts and groups bare',
      compile: (dialect) =>
        compileSelect(
          articles({
            sort: [
              { path: ['title'], direction: 'asc' },
              { path: ['created_at'], direction: 'desc' },
            ],
          }),
          ownTables(schema),
          dialect,
          ctx,
        ),
      sqlite: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."title" ASC, t0."created_at" DESC, t0."id" DESC', []],
      postgres: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."title" ASC NULLS FIRST, t0."created_at" DESC, t0."id" DESC', []],
      mysql: ['SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 ORDER BY t0.`title` ASC, t0.`created_at` DESC, t0.`id` DESC', []],
    },
    {
      name: 'selects the selected columns, ordered by the primary key',
      compile: (dialect) => compileSelect(articles({}), schema, dialect, ctx),
      sqlite: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC', []],
      postgres: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC', []],
      mysql: ['SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 ORDER BY t0.`id` ASC', []],
    },
    {
      name: 'limit and offset',
      compile: (dialect) => compileSelect(articles({ limit: 10, offset: 20 }), schema, dialect, ctx),
      sqlite: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC LIMIT 10 OFFSET 20', []],
      postgres: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC LIMIT 10 OFFSET 20', []],
      mysql: ['SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 ORDER BY t0.`id` ASC LIMIT 10 OFFSET 20', []],
    },
    {
      name: 'an offset without a limit, as each database allows it',
      compile: (dialect) => compileSelect(articles({ limit: null, offset: 5 }), schema, dialect, ctx),
      sqlite: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC LIMIT -1 OFFSET 5', []],
      postgres: ['SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC OFFSET 5', []],
      mysql: ['SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 ORDER BY t0.`id` ASC LIMIT 18446744073709551615 OFFSET 5', []],
    },
    {
      name: 'filter and search are ANDed; search matches the text fields without regard to case',
      compile: (dialect) => compileSelect(articles({ filter: compare('status', '_eq', 'published'), search: 'ann', limit: 25 }), schema, dialect, ctx),
      sqlite: [
        `SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 WHERE t0."status" = ? AND (cairn_lower(t0."title") LIKE cairn_lower(?) ${ESC} OR cairn_lower(t0."body") LIKE cairn_lower(?) ${ESC} OR cairn_lower(t0."status") LIKE cairn_lower(?) ${ESC}) ORDER BY t0."id" ASC LIMIT 25`,
        ['published', '%ann%', '%ann%', '%ann%'],
      ],
      postgres: [
        `SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 WHERE t0."status" = $1 AND (t0."title" COLLATE "default" ILIKE $2 ${ESC} OR t0."body" COLLATE "default" ILIKE $3 ${ESC} OR t0."status" COLLATE "default" ILIKE $4 ${ESC}) ORDER BY t0."id" ASC LIMIT 25`,
        ['published', '%ann%', '%ann%', '%ann%'],
      ],
      mysql: [
        'SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 WHERE t0.`status` = BINARY ? AND (LOWER(t0.`title`) LIKE BINARY LOWER(?) OR LOWER(t0.`body`) LIKE BINARY LOWER(?) OR LOWER(t0.`status`) LIKE BINARY LOWER(?)) ORDER BY t0.`id` ASC LIMIT 25',
        ['published', '%ann%', '%ann%', '%ann%'],
      ],
    },
    {
      name: 'a numeric search also matches an integer primary key',
      compile: (dialect) => compileSelect(query('tags', { search: '42' }), schema, dialect, ctx),
      sqlite: [`SELECT t0."id" FROM "cw_test_tags" AS t0 WHERE (t0."id" = ? OR cairn_lower(t0."label") LIKE cairn_lower(?) ${ESC}) ORDER BY t0."id" ASC`, [42, '%42%']],
      postgres: [`SELECT t0."id" FROM "cw_test_tags" AS t0 WHERE (t0."id" = $1 OR t0."label" COLLATE "default" ILIKE $2 ${ESC}) ORDER BY t0."id" ASC`, [42, '%42%']],
      mysql: ['SELECT t0.`id` FROM `cw_test_tags` AS t0 WHERE (t0.`id` = ? OR LOWER(t0.`label`) LIKE BINARY LOWER(?)) ORDER BY t0.`id` ASC', [42, '%42%']],
    },
    {
      name: 'a search that is a UUID matches UUID fields by equality',
      compile: (dialect) => compileSelect(query('articles_tags', { search: USER.toUpperCase() }), schema, dialect, ctx),
      sqlite: ['SELECT t0."id" FROM "cw_test_articles_tags" AS t0 WHERE (t0."created_by" = ? OR t0."updated_by" = ?) ORDER BY t0."id" ASC', [USER, USER]],
      postgres: ['SELECT t0."id" FROM "cw_test_articles_tags" AS t0 WHERE (t0."created_by" = $1 OR t0."updated_by" = $2) ORDER BY t0."id" ASC', [USER, USER]],
      mysql: ['SELECT t0.`id` FROM `cw_test_articles_tags` AS t0 WHERE (t0.`created_by` = ? OR t0.`updated_by` = ?) ORDER BY t0.`id` ASC', [USER, USER]],
    },
    {
      name: 'a search with no field to match matches nothing',
      compile: (dialect) => compileSelect(query('articles_tags', { search: 'news' }), schema, dialect, ctx),
      sqlite: ['SELECT t0."id" FROM "cw_test_articles_tags" AS t0 WHERE 1 = 0 ORDER BY t0."id" ASC', []],
      postgres: ['SELECT t0."id" FROM "cw_test_articles_tags" AS t0 WHERE 1 = 0 ORDER BY t0."id" ASC', []],
      mysql: ['SELECT t0.`id` FROM `cw_test_articles_tags` AS t0 WHERE 1 = 0 ORDER BY t0.`id` ASC', []],
    },
    {
      name: 'sorts through a many-to-one with a LEFT JOIN, NULLs first ascending and last descending, the primary key last',
      compile: (dialect) =>
        compileSelect(articles({ sort: [{ path: ['author', 'name'], direction: 'desc' }, { path: ['title'], direction: 'asc' }] }), schema, dialect, ctx),
      sqlite: [
        'SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 LEFT JOIN "cw_test_authors" AS t1 ON t1."id" = t0."author" ORDER BY t1."name" DESC, t0."title" ASC, t0."id" ASC',
        [],
      ],
      postgres: [
        'SELECT t0."id", t0."title" FROM "cw_test_articles" AS t0 LEFT JOIN "cw_test_authors" AS t1 ON t1."id" = t0."author" ORDER BY t1."name" COLLATE "C" DESC NULLS LAST, t0."title" COLLATE "C" ASC NULLS FIRST, t0."id" ASC',
        [],
      ],
      mysql: [
        'SELECT t0.`id`, t0.`title` FROM `cw_test_articles` AS t0 LEFT JOIN `cw_test_authors` AS t1 ON t1.`id` = t0.`author` ORDER BY BINARY t1.`name` DESC, BINARY t0.`title` ASC, t0.`id` ASC',
        [],
      ],
    },
    {
      name: 'sort paths through the same relation share one join; a sort on the primary key needs no tie-breaker',
      compile: (dialect) =>
        compileSelect(
          query('comments', {
            sort: [
              { path: ['article', 'author', 'age'], direction: 'asc' },
              { path: ['article', 'title'], direction: 'asc' },
              { path: ['id'], direction: 'desc' },
            ],
            filter: compare('likes', '_gt', 0),
            limit: 5,
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT t0."id" FROM "cw_test_comments" AS t0 LEFT JOIN "cw_test_articles" AS t1 ON t1."id" = t0."article" LEFT JOIN "cw_test_authors" AS t2 ON t2."id" = t1."author" WHERE t0."likes" > ? ORDER BY t2."age" ASC, t1."title" ASC, t0."id" DESC LIMIT 5',
        [0],
      ],
      postgres: [
        'SELECT t0."id" FROM "cw_test_comments" AS t0 LEFT JOIN "cw_test_articles" AS t1 ON t1."id" = t0."article" LEFT JOIN "cw_test_authors" AS t2 ON t2."id" = t1."author" WHERE t0."likes" > $1 ORDER BY t2."age" ASC NULLS FIRST, t1."title" COLLATE "C" ASC NULLS FIRST, t0."id" DESC LIMIT 5',
        [0],
      ],
      mysql: [
        'SELECT t0.`id` FROM `cw_test_comments` AS t0 LEFT JOIN `cw_test_articles` AS t1 ON t1.`id` = t0.`article` LEFT JOIN `cw_test_authors` AS t2 ON t2.`id` = t1.`author` WHERE t0.`likes` > ? ORDER BY t2.`age` ASC, BINARY t1.`title` ASC, t0.`id` DESC LIMIT 5',
        [0],
      ],
    },
    {
      name: 'reads the keys that nested reads join on even when the selection lacks them',
      compile: (dialect) =>
        compileSelect(query('articles', { selection: { fields: ['title'], relations: [nested('author', ['name']), nested('comments', ['text'])] } }), schema, dialect, ctx),
      sqlite: ['SELECT t0."title", t0."author", t0."id" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC', []],
      postgres: ['SELECT t0."title", t0."author", t0."id" FROM "cw_test_articles" AS t0 ORDER BY t0."id" ASC', []],
      mysql: ['SELECT t0.`title`, t0.`author`, t0.`id` FROM `cw_test_articles` AS t0 ORDER BY t0.`id` ASC', []],
    },
  ]);

  it('refuses sorts through one-to-many relations, unknown fields and negative pages', () => {
    const sqlite = dialectFor('sqlite');
    assertInvalidQuery(() => compileSelect(articles({ sort: [{ path: ['comments', 'likes'], direction: 'asc' }] }), schema, sqlite, ctx));
    assertInvalidQuery(() => compileSelect(articles({ sort: [{ path: ['nope'], direction: 'asc' }] }), schema, sqlite, ctx));
    assertInvalidQuery(() => compileSelect(articles({ selection: { fields: ['nope'], relations: [] } }), schema, sqlite, ctx));
    assertInvalidQuery(() => compileSelect(articles({ limit: -1 }), schema, sqlite, ctx));
    assertInvalidQuery(() => compileSelect(query('nope'), schema, sqlite, ctx));
  });
});

describe('select compiler: parameters in the order of their placeholders', () => {
  // SQLite's and MySQL's `?` are positional: a computed value's literal (select list) is bound before
  // the filter's value (WHERE), whichever the compiler met first.
  it("binds a computed value's literal before the filter's values", () => {
    const read = query('articles', {
      selection: { fields: ['id'], relations: [] },
      filter: compare('status', '_eq', 'published'),
      computed: [{ alias: 'shout', type: 'string', expression: { kind: 'call', fn: 'concat', args: [{ kind: 'field', field: 'title' }, { kind: 'string', value: '!' }] } }],
    });
    for (const kind of DIALECTS) {
      const { sql, params } = compileSelect(read, schema, dialectFor(kind), ctx);
      assert.deepEqual(params, ['!', 'published'], kind);
      assert.ok(sql.indexOf('WHERE') > sql.indexOf('shout'), kind);
    }
  });
});

describe('select compiler: counts and aggregates', () => {
  const filtered = query('articles', { filter: compare('featured', '_eq', true), search: 'x', limit: 10, offset: 10 });
  runCases([
    {
      name: 'total_count counts every row, ignoring filter, search and page',
      compile: (dialect) => compileCount(filtered, schema, dialect, ctx, { applyFilter: false }),
      sqlite: ['SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0', []],
      postgres: ['SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0', []],
      mysql: ['SELECT COUNT(*) AS `count` FROM `cw_test_articles` AS t0', []],
    },
    {
      name: 'filter_count counts the rows that filter and search keep',
      compile: (dialect) => compileCount(filtered, schema, dialect, ctx, { applyFilter: true }),
      sqlite: [
        `SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0 WHERE t0."featured" = ? AND (cairn_lower(t0."title") LIKE cairn_lower(?) ${ESC} OR cairn_lower(t0."body") LIKE cairn_lower(?) ${ESC} OR cairn_lower(t0."status") LIKE cairn_lower(?) ${ESC})`,
        [1, '%x%', '%x%', '%x%'],
      ],
      postgres: [
        `SELECT COUNT(*) AS "count" FROM "cw_test_articles" AS t0 WHERE t0."featured" = $1 AND (t0."title" COLLATE "default" ILIKE $2 ${ESC} OR t0."body" COLLATE "default" ILIKE $3 ${ESC} OR t0."status" COLLATE "default" ILIKE $4 ${ESC})`,
        [true, '%x%', '%x%', '%x%'],
      ],
      mysql: [
        'SELECT COUNT(*) AS `count` FROM `cw_test_articles` AS t0 WHERE t0.`featured` = ? AND (LOWER(t0.`title`) LIKE BINARY LOWER(?) OR LOWER(t0.`body`) LIKE BINARY LOWER(?) OR LOWER(t0.`status`) LIKE BINARY LOWER(?))',
        [1, '%x%', '%x%', '%x%'],
      ],
    },
    {
      name: 'an aggregate grouped by a field, filtered, sorted by the group and paged',
      compile: (dialect) =>
        compileAggregate(
          query('articles', {
            aggregate: [{ fn: 'count', field: '*' }],
            groupBy: ['status'],
            filter: compare('rating', '_gte', 3),
            sort: [{ path: ['status'], direction: 'desc' }],
            limit: 10,
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: ['SELECT t0."status", COUNT(*) AS "__a0" FROM "cw_test_articles" AS t0 WHERE t0."rating" >= ? GROUP BY t0."status" ORDER BY t0."status" DESC LIMIT 10', [3]],
      postgres: [
        'SELECT t0."status", COUNT(*) AS "__a0" FROM "cw_test_articles" AS t0 WHERE t0."rating" >= $1 GROUP BY t0."status" ORDER BY t0."status" COLLATE "C" DESC NULLS LAST LIMIT 10',
        [3],
      ],
      mysql: ['SELECT BINARY t0.`status` AS `status`, COUNT(*) AS `__a0` FROM `cw_test_articles` AS t0 WHERE t0.`rating` >= ? GROUP BY BINARY t0.`status` ORDER BY BINARY t0.`status` DESC LIMIT 10', [3]],
    },
    {
      name: 'every aggregate function, without groups',
      compile: (dialect) =>
        compileAggregate(
          query('articles', {
            aggregate: [
              { fn: 'count', field: 'id' },
              { fn: 'countDistinct', field: 'author' },
              { fn: 'sum', field: 'price' },
              { fn: 'avg', field: 'rating' },
              { fn: 'min', field: 'published_at' },
              { fn: 'max', field: 'rating' },
            ],
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT COUNT(t0."id") AS "__a0", COUNT(DISTINCT t0."author") AS "__a1", SUM(t0."price") AS "__a2", SUM(t0."rating") AS "__a3", COUNT(t0."rating") AS "__n3", MIN(t0."published_at") AS "__a4", MAX(t0."rating") AS "__a5" FROM "cw_test_articles" AS t0',
        [],
      ],
      postgres: [
        'SELECT COUNT(t0."id") AS "__a0", COUNT(DISTINCT t0."author") AS "__a1", SUM(t0."price") AS "__a2", SUM(t0."rating") AS "__a3", COUNT(t0."rating") AS "__n3", MIN(t0."published_at") AS "__a4", MAX(t0."rating") AS "__a5" FROM "cw_test_articles" AS t0',
        [],
      ],
      mysql: [
        'SELECT COUNT(t0.`id`) AS `__a0`, COUNT(DISTINCT t0.`author`) AS `__a1`, SUM(t0.`price`) AS `__a2`, SUM(t0.`rating`) AS `__a3`, COUNT(t0.`rating`) AS `__n3`, MIN(t0.`published_at`) AS `__a4`, MAX(t0.`rating`) AS `__a5` FROM `cw_test_articles` AS t0',
        [],
      ],
    },
    {
      name: 'groups not sorted on follow the sort, so that groups come in a stable order',
      compile: (dialect) =>
        compileAggregate(
          query('articles', { aggregate: [{ fn: 'sum', field: 'price' }], groupBy: ['status', 'author'], sort: [{ path: ['author'], direction: 'desc' }], search: 'a' }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        `SELECT t0."status", t0."author", SUM(t0."price") AS "__a0" FROM "cw_test_articles" AS t0 WHERE (cairn_lower(t0."title") LIKE cairn_lower(?) ${ESC} OR cairn_lower(t0."body") LIKE cairn_lower(?) ${ESC} OR cairn_lower(t0."status") LIKE cairn_lower(?) ${ESC}) GROUP BY t0."status", t0."author" ORDER BY t0."author" DESC, t0."status" ASC`,
        ['%a%', '%a%', '%a%'],
      ],
      postgres: [
        `SELECT t0."status", t0."author", SUM(t0."price") AS "__a0" FROM "cw_test_articles" AS t0 WHERE (t0."title" COLLATE "default" ILIKE $1 ${ESC} OR t0."body" COLLATE "default" ILIKE $2 ${ESC} OR t0."status" COLLATE "default" ILIKE $3 ${ESC}) GROUP BY t0."status", t0."author" ORDER BY t0."author" DESC NULLS LAST, t0."status" COLLATE "C" ASC NULLS FIRST`,
        ['%a%', '%a%', '%a%'],
      ],
      mysql: [
        'SELECT BINARY t0.`status` AS `status`, t0.`author`, SUM(t0.`price`) AS `__a0` FROM `cw_test_articles` AS t0 WHERE (LOWER(t0.`title`) LIKE BINARY LOWER(?) OR LOWER(t0.`body`) LIKE BINARY LOWER(?) OR LOWER(t0.`status`) LIKE BINARY LOWER(?)) GROUP BY BINARY t0.`status`, t0.`author` ORDER BY t0.`author` DESC, BINARY t0.`status` ASC',
        ['%a%', '%a%', '%a%'],
      ],
    },
  ]);

  runCases([
    {
      name: 'text groups, counts distinct, mins and maxes exactly; an average is a sum and a count, divided by the reader',
      compile: (dialect) =>
        compileAggregate(
          query('articles', {
            aggregate: [
              { fn: 'countDistinct', field: 'title' },
              { fn: 'min', field: 'title' },
              { fn: 'max', field: 'status' },
              { fn: 'avg', field: 'price' },
              { fn: 'max', field: 'rating' },
            ],
            groupBy: ['status', 'featured'],
          }),
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT t0."status", t0."featured", COUNT(DISTINCT t0."title") AS "__a0", MIN(t0."title") AS "__a1", MAX(t0."status") AS "__a2", SUM(t0."price") AS "__a3", COUNT(t0."price") AS "__n3", MAX(t0."rating") AS "__a4" FROM "cw_test_articles" AS t0 GROUP BY t0."status", t0."featured" ORDER BY t0."status" ASC, t0."featured" ASC',
        [],
      ],
      postgres: [
        'SELECT t0."status", t0."featured", COUNT(DISTINCT t0."title") AS "__a0", MIN(t0."title" COLLATE "C") AS "__a1", MAX(t0."status" COLLATE "C") AS "__a2", SUM(t0."price") AS "__a3", COUNT(t0."price") AS "__n3", MAX(t0."rating") AS "__a4" FROM "cw_test_articles" AS t0 GROUP BY t0."status", t0."featured" ORDER BY t0."status" COLLATE "C" ASC NULLS FIRST, t0."featured" ASC NULLS FIRST',
        [],
      ],
      mysql: [
        'SELECT BINARY t0.`status` AS `status`, t0.`featured`, COUNT(DISTINCT BINARY t0.`title`) AS `__a0`, MIN(BINARY t0.`title`) AS `__a1`, MAX(BINARY t0.`status`) AS `__a2`, SUM(t0.`price`) AS `__a3`, COUNT(t0.`price`) AS `__n3`, MAX(t0.`rating`) AS `__a4` FROM `cw_test_articles` AS t0 GROUP BY BINARY t0.`status`, t0.`featured` ORDER BY BINARY t0.`status` ASC, t0.`featured` ASC',
        [],
      ],
    },
  ]);

  it('refuses sums of text, sorts by ungrouped fields and empty aggregates', () => {
    const sqlite = dialectFor('sqlite');
    assertInvalidQuery(() => compileAggregate(query('articles', { aggregate: [{ fn: 'sum', field: 'title' }] }), schema, sqlite, ctx));
    assertInvalidQuery(() => compileAggregate(query('articles', { aggregate: [{ fn: 'avg', field: '*' }] }), schema, sqlite, ctx));
    assertInvalidQuery(() =>
      compileAggregate(query('articles', { aggregate: [{ fn: 'count', field: '*' }], groupBy: ['status'], sort: [{ path: ['rating'], direction: 'asc' }] }), schema, sqlite, ctx),
    );
    assertInvalidQuery(() => compileAggregate(query('articles'), schema, sqlite, ctx));
  });
});

describe('select compiler: nested reads', () => {
  const articles = findCollection(schema, 'articles')!;
  runCases([
    {
      name: 'a many-to-one reads the related rows of all parents by primary key',
      compile: (dialect) => compileNestedSelect(articles, nested('author', ['id', 'name']), [3, 1], schema, dialect, ctx),
      sqlite: ['SELECT t0."id", t0."name", t0."id" AS "__parent" FROM "cw_test_authors" AS t0 WHERE t0."id" IN (?, ?)', [3, 1]],
      postgres: ['SELECT t0."id", t0."name", t0."id" AS "__parent" FROM "cw_test_authors" AS t0 WHERE t0."id" IN ($1, $2)', [3, 1]],
      mysql: ['SELECT t0.`id`, t0.`name`, t0.`id` AS `__parent` FROM `cw_test_authors` AS t0 WHERE t0.`id` IN (?, ?)', [3, 1]],
    },
    {
      name: 'a one-to-many reads the children of all parents with the deep filter and sort',
      compile: (dialect) =>
        compileNestedSelect(
          articles,
          nested('comments', ['id', 'text'], { filter: compare('likes', '_gte', 1), sort: [{ path: ['likes'], direction: 'desc' }] }),
          [1, 2],
          schema,
          dialect,
          ctx,
        ),
      sqlite: [
        'SELECT t0."id", t0."text", t0."article" AS "__parent" FROM "cw_test_comments" AS t0 WHERE t0."article" IN (?, ?) AND t0."likes" >= ? ORDER BY t0."likes" DESC, t0."id" DESC',
        [1, 2, 1],
      ],
      postgres: [
        'SELECT t0."id", t0."text", t0."article" AS "__parent" FROM "cw_test_comments" AS t0 WHERE t0."article" IN ($1, $2) AND t0."likes" >= $3 ORDER BY t0."likes" DESC NULLS LAST, t0."id" DESC',
        [1, 2, 1],
      ],
      mysql: [
        'SELECT t0.`id`, t0.`text`, t0.`article` AS `__parent` FROM `cw_test_comments` AS t0 WHERE t0.`article` IN (?, ?) AND t0.`likes` >= ? ORDER BY t0.`likes` DESC, t0.`id` DESC',
        [1, 2, 1],
      ],
    },
    {
      name: 'a deep limit and offset apply per parent through ROW_NUMBER()',
      compile: (dialect) => compileNestedSelect(articles, nested('comments', ['id'], { limit: 2, offset: 1 }), [1, 2], schema, dialect, ctx),
      sqlite: [
        'SELECT t1."id", t1."__parent" FROM (SELECT t0."id", t0."article" AS "__parent", ROW_NUMBER() OVER (PARTITION BY t0."article" ORDER BY t0."id" ASC) AS "__rn" FROM "cw_test_comments" AS t0 WHERE t0."article" IN (?, ?)) AS t1 WHERE t1."__rn" > ? AND t1."__rn" <= ? ORDER BY t1."__rn"',
        [1, 2, 1, 3],
      ],
      postgres: [
        'SELECT t1."id", t1."__parent" FROM (SELECT t0."id", t0."article" AS "__parent", ROW_NUMBER() OVER (PARTITION BY t0."article" ORDER BY t0."id" ASC) AS "__rn" FROM "cw_test_comments" AS t0 WHERE t0."article" IN ($1, $2)) AS t1 WHERE t1."__rn" > $3 AND t1."__rn" <= $4 ORDER BY t1."__rn"',
        [1, 2, 1, 3],
      ],
      mysql: [
        'SELECT t1.`id`, t1.`__parent` FROM (SELECT t0.`id`, t0.`article` AS `__parent`, ROW_NUMBER() OVER (PARTITION BY t0.`article` ORDER BY t0.`id` ASC) AS `__rn` FROM `cw_test_comments` AS t0 WHERE t0.`article` IN (?, ?)) AS t1 WHERE t1.`__rn` > ? AND t1.`__rn` <= ? ORDER BY t1.`__rn`',
        [1, 2, 1, 3],
      ],
    },
    {
      name: 'a many-to-many joins the junction, in link order unless sorted',
      compile: (dialect) => compileNestedSelect(articles, nested('tags', ['id', 'label']), [5], schema, dialect, ctx),
      sqlite: [
        'SELECT t0."id", t0."label", t1."articles_id" AS "__parent" FROM "cw_test_tags" AS t0 INNER JOIN "cw_test_articles_tags" AS t1 ON t1."tags_id" = t0."id" WHERE t1."articles_id" IN (?) ORDER BY t1."id" ASC',
        [5],
      ],
      postgres: [
        'SELECT t0."id", t0."label", t1."articles_id" AS "__parent" FROM "cw_test_tags" AS t0 INNER JOIN "cw_test_articles_tags" AS t1 ON t1."tags_id" = t0."id" WHERE t1."articles_id" IN ($1) ORDER BY t1."id" ASC',
        [5],
      ],
      mysql: [
        'SELECT t0.`id`, t0.`label`, t1.`articles_id` AS `__parent` FROM `cw_test_tags` AS t0 INNER JOIN `cw_test_articles_tags` AS t1 ON t1.`tags_id` = t0.`id` WHERE t1.`articles_id` IN (?) ORDER BY t1.`id` ASC',
        [5],
      ],
    },
    {
      name: 'a many-to-many with a deep sort and limit partitions by the junction key',
      compile: (dialect) =>
        compileNestedSelect(articles, nested('tags', ['id', 'label'], { sort: [{ path: ['label'], direction: 'asc' }], limit: 1 }), [5, 6], schema, dialect, ctx),
      sqlite: [
        'SELECT t2."id", t2."label", t2."__parent" FROM (SELECT t0."id", t0."label", t1."articles_id" AS "__parent", ROW_NUMBER() OVER (PARTITION BY t1."articles_id" ORDER BY t0."label" ASC, t1."id" ASC) AS "__rn" FROM "cw_test_tags" AS t0 INNER JOIN "cw_test_articles_tags" AS t1 ON t1."tags_id" = t0."id" WHERE t1."articles_id" IN (?, ?)) AS t2 WHERE t2."__rn" <= ? ORDER BY t2."__rn"',
        [5, 6, 1],
      ],
      postgres: [
        'SELECT t2."id", t2."label", t2."__parent" FROM (SELECT t0."id", t0."label", t1."articles_id" AS "__parent", ROW_NUMBER() OVER (PARTITION BY t1."articles_id" ORDER BY t0."label" COLLATE "C" ASC NULLS FIRST, t1."id" ASC) AS "__rn" FROM "cw_test_tags" AS t0 INNER JOIN "cw_test_articles_tags" AS t1 ON t1."tags_id" = t0."id" WHERE t1."articles_id" IN ($1, $2)) AS t2 WHERE t2."__rn" <= $3 ORDER BY t2."__rn"',
        [5, 6, 1],
      ],
      mysql: [
        'SELECT t2.`id`, t2.`label`, t2.`__parent` FROM (SELECT t0.`id`, t0.`label`, t1.`articles_id` AS `__parent`, ROW_NUMBER() OVER (PARTITION BY t1.`articles_id` ORDER BY BINARY t0.`label` ASC, t1.`id` ASC) AS `__rn` FROM `cw_test_tags` AS t0 INNER JOIN `cw_test_articles_tags` AS t1 ON t1.`tags_id` = t0.`id` WHERE t1.`articles_id` IN (?, ?)) AS t2 WHERE t2.`__rn` <= ? ORDER BY t2.`__rn`',
        [5, 6, 1],
      ],
    },
  ]);
});

describe('row image compiler: a filter on the row a write would leave', () => {
  const tags = findCollection(schema, 'tags')!;
  const label = compare('label', '_eq', 'x');
  const image = (from: string, q: (name: string) => string, p: (n: number) => string, on: string, eq: string) =>
    `SELECT 1 AS ${q('matches')} FROM (SELECT ${['id', 'created_at', 'updated_at', 'created_by', 'updated_by'].map((name) => `t2.${q(name)} AS ${q(name)}`).join(', ')}, ` +
    `CASE WHEN 1 = 1 THEN ${p(1)} ELSE t2.${q('label')} END AS ${q('label')} FROM (SELECT 1 AS ${q('one')}) AS t1 LEFT JOIN ${q(from)} AS t2 ON ${on}) AS t0 WHERE t0.${q('label')} = ${eq}`;
  const dq = (name: string) => `"${name}"`;
  const bq = (name: string) => `\`${name}\``;
  runCases([
    {
      name: "an update's image: the stored row by its key, the written values over it, the filter on t0",
      compile: (dialect) => compileImageMatch(tags, { key: 7, values: { label: 'x' } }, label, schema, dialect, ctx),
      sqlite: [image('cw_test_tags', dq, () => '?', 't2."id" = ?', '?'), ['x', 7, 'x']],
      postgres: [image('cw_test_tags', dq, (n) => `$${n}`, 't2."id" = $2', '$3'), ['x', 7, 'x']],
      mysql: [image('cw_test_tags', bq, () => '?', 't2.`id` = ?', 'BINARY ?'), ['x', 7, 'x']],
    },
    {
      name: "a create's image joins no stored row",
      compile: (dialect) => compileImageMatch(tags, { key: null, values: { label: 'x' } }, label, schema, dialect, ctx),
      sqlite: [image('cw_test_tags', dq, () => '?', '1 = 0', '?'), ['x', 'x']],
      postgres: [image('cw_test_tags', dq, (n) => `$${n}`, '1 = 0', '$2'), ['x', 'x']],
      mysql: [image('cw_test_tags', bq, () => '?', '1 = 0', 'BINARY ?'), ['x', 'x']],
    },
  ]);
});

describe('value codec', () => {
  const articles = findCollection(schema, 'articles')!;
  const field = (name: string) => findField(articles, name)!;
  const moment = new Date('2024-03-04T05:06:07.089Z');

  it('writes booleans, datetimes, JSON and big integers as each driver expects', () => {
    assert.deepEqual(DIALECTS.map((kind) => toDatabase(field('featured'), 'false', kind)), [0, false, 0]);
    assert.deepEqual(
      DIALECTS.map((kind) => toDatabase(field('published_at'), moment, kind)),
      ['2024-03-04T05:06:07.089Z', '2024-03-04T05:06:07.089Z', '2024-03-04 05:06:07.089'],
    );
    assert.equal(toDatabase(field('metadata'), { a: [1, 'é'] }, 'postgres'), '{"a":[1,"é"]}');
    assert.equal(toDatabase(field('metadata'), 'text', 'sqlite'), '"text"');
    const big = { ...field('rating'), type: 'bigint' as const };
    assert.equal(toDatabase(big, '9007199254740993', 'mysql'), '9007199254740993');
    assert.equal(toDatabase(big, '42', 'mysql'), 42);
    assert.equal(toDatabase(field('rating'), null, 'postgres'), null);
    assert.throws(() => toDatabase(field('rating'), 1.5, 'sqlite'), (error: unknown) => error instanceof AppError && error.code === 'INVALID_PAYLOAD');
  });

  it('reads what drivers return as JSON-ready values', () => {
    assert.equal(fromDatabase(field('published_at'), '2024-03-04 05:06:07.089', 'mysql'), '2024-03-04T05:06:07.089Z');
    assert.equal(fromDatabase(field('published_at'), moment, 'postgres'), '2024-03-04T05:06:07.089Z');
    assert.equal(fromDatabase(field('published_at'), '2024-03-04T07:06:07.089+02:00', 'sqlite'), '2024-03-04T05:06:07.089Z');
    assert.equal(fromDatabase(field('published_at'), '2024-03-04 07:06:07.089+02', 'postgres'), '2024-03-04T05:06:07.089Z');
    assert.equal(fromDatabase(field('price'), '12.50', 'postgres'), 12.5);
    assert.equal(fromDatabase(field('featured'), '0', 'mysql'), false);
    assert.equal(fromDatabase(field('featured'), 1, 'sqlite'), true);
    assert.deepEqual(fromDatabase(field('metadata'), '{"a":1}', 'mysql'), { a: 1 });
    assert.equal(fromDatabase(field('metadata'), 'plain', 'postgres'), 'plain');
    const big = { ...field('rating'), type: 'bigint' as const };
    assert.equal(fromDatabase(big, '9007199254740993', 'postgres'), '9007199254740993');
    assert.equal(fromDatabase(big, '12', 'postgres'), 12);
    const day = { ...field('rating'), type: 'date' as const };
    assert.equal(fromDatabase(day, new Date(2024, 0, 5), 'postgres'), '2024-01-05');
    assert.equal(fromDatabase(day, new Date(Date.UTC(2024, 0, 5)), 'mysql'), '2024-01-05');
    const time = { ...field('rating'), type: 'time' as const };
    assert.equal(fromDatabase(time, '10:20:30.123', 'postgres'), '10:20:30');
    assert.equal(fromDatabase(field('title'), null, 'postgres'), null);
  });
});
