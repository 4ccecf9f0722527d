import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { Account, addMember, assertError, newAccount, newCollection, newWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';

/**
 * The query language over HTTP, table-driven, with exact answers: every case names the query string
 * and the ids (in order) or the data it must answer. One table for the three databases: where they
 * could differ (collations, NULL ordering, decimal arithmetic, averages), Cairn must make them agree.
 *
 * Text is compared and ordered by code point (binary) on every database: 'ALPHA' < 'Alpha' < 'Zeta' <
 * 'alpha' < 'Éclair', '' < ' ', 'ok' < 'ok ', and neither case nor accents are folded by `_eq`, `_in`,
 * `<`, sort, groupBy, countDistinct, min or max. The case-insensitive operators and `search` fold case,
 * and nothing else (no accents, no ß → ss); how they fold letters beyond ASCII, alike on every database,
 * is the table of case-folding.test.ts.
 *
 * The seed (ids are those the rows get, in insertion order):
 *
 * authors  id name    country born
 *          1  Ann     UK      1970-01-01
 *          2  bob     US      1985-06-15
 *          3  Chloé   FR      1990-12-31
 *          4  Dmitri  null    null         (no articles)
 *          5  Émile   FR      1975-03-03
 *
 * articles id title             body                             status    rating price  featured published_at        tags          author
 *          1  Alpha             First post about cats            published 5      19.99  true     2024-01-10T10:00Z   ["pets"]      1
 *          2  alpha             100% pure joy                    published 3      5      false    2024-02-20T08:30Z   []            1
 *          3  ALPHA             snake_case and under_scores      draft     null   0.10   false    null                null          2
 *          4  Beta              ''                               archived  1      100    true     2023-12-31T23:59:59.999Z ["x","y"] 2
 *          5  Café crème        Straße nach 東京 🚀              published 4      12.50  true     now - 2 hours       {"lang":"fr"} 3
 *          6  ''                wildcards * and ? and [x] and \  draft     2      7.25   false    now + 10 days       null          null
 *          7  50% off           Deals of the day                 published 3      null   false    now - 3 days        ["deals"]     3
 *          8  under_score       null                             draft     null   3.30   null     null                null          5
 *          9  star*glob?[x]     GLOB chars                       archived  5      42     true     2024-03-01T00:00Z   null          5
 *          10 emoji 🚀 launch   ROCKET science                   published 4      0.05   false    2024-04-01T12:00Z   ["space"]     2
 *          11 Éclair            ÉCOLE des chefs                  null      null   1.01   false    null                null          3
 *          12 Zeta              by the editor                    draft     1      2      false    null                null          1
 *          (1–11 created by the owner, 12 by an editor)
 *
 * comments id text       likes article      topics id label    articles_topics (in link order)
 *          1  Great      10    1                   1  cats     (1,cats) (1,tech) (2,cats) (5,travel)
 *          2  meh        2     1                   2  travel   (10,tech) (10,travel) (7,travel)
 *          3  GREAT!     10    1                   3  tech
 *          4  ok         0     2                   4  unused
 *          5  Très bien  7     5
 *          6  nice 東京  null  5
 *          7  spam       -1    9
 *          8  orphan     3     null
 *          9  'ok '      1     2
 *          10 ' '        0     10
 *          11 ''         5     10
 *          12 null       4     7
 */

interface IdsCase {
  /** The query string as written by hand; encodeQuery percent-encodes it. */
  query: string;
  ids: number[];
  collection?: string;
}

interface DataCase {
  query: string;
  data: unknown;
  collection?: string;
}

interface ErrorCase {
  query: string;
  /** A text the error message must contain: the field, operator, parameter or value at fault. */
  culprit: string;
  collection?: string;
}

/**
 * Percent-encodes a hand-written query string: each `key=value` pair split at `&`, then at its first
 * `=`, so `%`, `?`, `#`, `+`, spaces and non-ASCII text travel as written (values can not hold `&`).
 */
function encodeQuery(raw: string): string {
  if (raw === '') return '';
  return raw
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 0) return encodeURIComponent(pair);
      return `${encodeURIComponent(pair.slice(0, at))}=${encodeURIComponent(pair.slice(at + 1))}`;
    })
    .join('&');
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ALL_ARTICLES = range(1, 12);

// ---------------------------------------------------------------------------------------------------
// Comparison operators, per type

const OPERATOR_CASES: IdsCase[] = [
  // integer, nullable
  { query: 'filter[rating][_eq]=3', ids: [2, 7] },
  { query: 'filter[rating][_neq]=3', ids: [1, 4, 5, 6, 9, 10, 12] }, // NULL ratings are left out: NULL <> 3 is not true
  { query: 'filter[rating][_lt]=3', ids: [4, 6, 12] },
  { query: 'filter[rating][_lte]=3', ids: [2, 4, 6, 7, 12] },
  { query: 'filter[rating][_gt]=4', ids: [1, 9] },
  { query: 'filter[rating][_gte]=4', ids: [1, 5, 9, 10] },
  { query: 'filter[rating][_in]=1,5', ids: [1, 4, 9, 12] },
  { query: 'filter[rating][_nin]=1,5', ids: [2, 5, 6, 7, 10] }, // NULL ratings are left out, as with _neq
  { query: 'filter[rating][_between]=2,4', ids: [2, 5, 6, 7, 10] },
  { query: 'filter[rating][_nbetween]=2,4', ids: [1, 4, 9, 12] },
  { query: 'filter[rating][_null]=true', ids: [3, 8, 11] },
  { query: 'filter[rating][_null]=false', ids: [1, 2, 4, 5, 6, 7, 9, 10, 12] },
  { query: 'filter[rating][_nnull]=true', ids: [1, 2, 4, 5, 6, 7, 9, 10, 12] },
  { query: 'filter={"rating":{"_eq":null}}', ids: [3, 8, 11] },
  { query: 'filter={"rating":{"_neq":null}}', ids: [1, 2, 4, 5, 6, 7, 9, 10, 12] },
  { query: 'filter={"_or":[{"rating":{"_in":[1]}},{"rating":{"_null":true}}]}', ids: [3, 4, 8, 11, 12] },
  { query: 'filter={"rating":{"_nin":[]}}', ids: ALL_ARTICLES },
  { query: 'filter={"rating":{"_in":[]}}', ids: [] },
  { query: 'filter[id][_in]=12,3,7', ids: [3, 7, 12] },
  // decimal: exact comparisons even where SQLite stores a REAL
  { query: 'filter[price][_eq]=7.25', ids: [6] },
  { query: 'filter[price][_gt]=19.99', ids: [4, 9] },
  { query: 'filter[price][_gte]=19.99', ids: [1, 4, 9] },
  { query: 'filter[price][_lt]=1', ids: [3, 10] },
  { query: 'filter[price][_lte]=1.01', ids: [3, 10, 11] },
  { query: 'filter[price][_between]=0.05,5', ids: [2, 3, 8, 10, 11, 12] },
  { query: 'filter[price][_null]=true', ids: [7] },
  // boolean, nullable
  { query: 'filter[featured][_eq]=true', ids: [1, 4, 5, 9] },
  { query: 'filter[featured][_eq]=false', ids: [2, 3, 6, 7, 10, 11, 12] },
  { query: 'filter[featured][_eq]=0', ids: [2, 3, 6, 7, 10, 11, 12] },
  { query: 'filter[featured][_neq]=true', ids: [2, 3, 6, 7, 10, 11, 12] },
  { query: 'filter[featured][_null]=true', ids: [8] },
  // enum, nullable
  { query: 'filter[status][_eq]=published', ids: [1, 2, 5, 7, 10] },
  { query: 'filter[status][_neq]=draft', ids: [1, 2, 4, 5, 7, 9, 10] },
  { query: 'filter[status][_in]=draft,archived', ids: [3, 4, 6, 8, 9, 12] },
  { query: 'filter[status][_nin]=draft,archived', ids: [1, 2, 5, 7, 10] },
  { query: 'filter={"_or":[{"status":{"_eq":"draft"}},{"status":{"_null":true}}]}', ids: [3, 6, 8, 11, 12] },
  { query: 'filter[status][_null]=true', ids: [11] },
  // datetime: compared as moments, to the millisecond, whatever the offset the value is written in
  { query: 'filter[published_at][_gt]=2024-01-01T00:00:00Z', ids: [1, 2, 5, 6, 7, 9, 10] },
  { query: 'filter[published_at][_lt]=2024-01-01', ids: [4] },
  { query: 'filter[published_at][_eq]=2023-12-31T23:59:59.999Z', ids: [4] },
  { query: 'filter[published_at][_eq]=2024-01-01T00:59:59.999+01:00', ids: [4] },
  { query: 'filter[published_at][_lte]=2023-12-31T23:59:59.998Z', ids: [] },
  { query: 'filter[published_at][_between]=2024-02-20T08:30:00.000Z,2024-03-01T00:00:00.000Z', ids: [2, 9] },
  { query: 'filter[published_at][_null]=true', ids: [3, 8, 11, 12] },
  // json
  { query: 'filter[tags][_null]=true', ids: [3, 6, 8, 9, 11, 12] },
  { query: 'filter[tags][_nnull]=true', ids: [1, 2, 4, 5, 7, 10] },
  // date (authors)
  { collection: 'authors', query: 'filter[born][_lt]=1980-01-01', ids: [1, 5] },
  { collection: 'authors', query: 'filter[born][_between]=1975-03-03,1985-06-15', ids: [2, 5] },
  { collection: 'authors', query: 'filter[born][_nbetween]=1975-03-03,1985-06-15', ids: [1, 3] },
  { collection: 'authors', query: 'filter[born][_null]=true', ids: [4] },
  { collection: 'authors', query: 'filter[country][_neq]=FR', ids: [1, 2] },
  // integer on comments, with negatives and zero
  { collection: 'comments', query: 'filter[likes][_lt]=1', ids: [4, 7, 10] },
  { collection: 'comments', query: 'filter[likes][_gte]=-1&filter[likes][_lte]=0', ids: [4, 7, 10] },
];

// ---------------------------------------------------------------------------------------------------
// Text: exact and case-insensitive matches, empty strings, wildcards taken literally, unicode

const TEXT_CASES: IdsCase[] = [
  // _eq, _in and ordering comparisons are exact: case, accents and trailing spaces count
  { query: 'filter[title][_eq]=alpha', ids: [2] },
  { query: 'filter[title][_eq]=Alpha', ids: [1] },
  { query: 'filter[title][_neq]=alpha', ids: [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
  { query: 'filter[title][_in]=Alpha,ALPHA', ids: [1, 3] },
  { query: 'filter[title][_nin]=Alpha,ALPHA,', ids: [2, 4, 5, 7, 8, 9, 10, 11, 12] },
  { query: 'filter[title][_eq]=Cafe crème', ids: [] },
  { query: 'filter[title][_eq]=Café crème', ids: [5] },
  { query: 'filter[title][_gt]=Zeta', ids: [2, 8, 9, 10, 11] },
  { query: 'filter[title][_lt]=B', ids: [1, 3, 6, 7] },
  { query: 'filter[title][_between]=A,Z', ids: [1, 3, 4, 5] },
  { collection: 'comments', query: 'filter[text][_eq]=ok', ids: [4] },
  { collection: 'comments', query: 'filter[text][_eq]=ok ', ids: [9] },
  { collection: 'comments', query: 'filter[text][_eq]= ', ids: [10] },
  { collection: 'comments', query: 'filter[text][_eq]=', ids: [11] },
  { collection: 'comments', query: 'filter[text][_in]=ok,GREAT!', ids: [3, 4] },
  { collection: 'comments', query: 'filter[text][_eq]=great!', ids: [] },
  { collection: 'authors', query: 'filter[name][_eq]=Bob', ids: [] },
  { collection: 'authors', query: 'filter[name][_eq]=Emile', ids: [] },
  // _contains and friends respect case; the i-variants fold ASCII case
  { query: 'filter[title][_contains]=lph', ids: [1, 2] },
  { query: 'filter[title][_icontains]=LPH', ids: [1, 2, 3] },
  { query: 'filter[title][_ncontains]=lph', ids: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
  { query: 'filter[title][_starts_with]=A', ids: [1, 3] },
  { query: 'filter[title][_istarts_with]=a', ids: [1, 2, 3] },
  { query: 'filter[title][_ends_with]=a', ids: [1, 2, 4, 12] },
  { query: 'filter[title][_iends_with]=A', ids: [1, 2, 3, 4, 12] },
  { query: 'filter[body][_contains]=o', ids: [1, 2, 3, 7, 12] },
  { query: 'filter[body][_icontains]=o', ids: [1, 2, 3, 7, 9, 10, 11, 12] },
  { query: 'filter[body][_ncontains]=o', ids: [4, 5, 6, 9, 10, 11] }, // a NULL body neither contains nor lacks "o"
  { collection: 'comments', query: 'filter[text][_icontains]=great', ids: [1, 3] },
  { collection: 'comments', query: 'filter[text][_contains]=Great', ids: [1] },
  // empty strings and NULLs
  { query: 'filter[title][_empty]=true', ids: [6] },
  { query: 'filter[title][_nempty]=true', ids: [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12] },
  { query: 'filter[title][_eq]=', ids: [6] },
  { query: 'filter[body][_empty]=true', ids: [4, 8] },
  { query: 'filter[body][_empty]=false', ids: [1, 2, 3, 5, 6, 7, 9, 10, 11, 12] },
  { query: 'filter[body][_nempty]=true', ids: [1, 2, 3, 5, 6, 7, 9, 10, 11, 12] },
  { query: 'filter[body][_null]=true', ids: [8] },
  { query: 'filter[body][_eq]=', ids: [4] },
  { collection: 'comments', query: 'filter[text][_empty]=true', ids: [11, 12] }, // ' ' is not empty
  { collection: 'comments', query: 'filter[text][_nempty]=true', ids: range(1, 10) },
  // LIKE and GLOB wildcards are matched literally
  { query: 'filter[title][_contains]=%', ids: [7] },
  { query: 'filter[title][_icontains]=%', ids: [7] },
  { query: 'filter[title][_contains]=_', ids: [8] },
  { query: 'filter[title][_contains]=*', ids: [9] },
  { query: 'filter[title][_contains]=?', ids: [9] },
  { query: 'filter[title][_contains]=[', ids: [9] },
  { query: 'filter[title][_contains]=[x]', ids: [9] },
  { query: 'filter[title][_icontains]=*GLOB?[X]', ids: [9] },
  { query: 'filter[title][_starts_with]=_', ids: [] },
  { query: 'filter[title][_istarts_with]=5_', ids: [] },
  { query: 'filter[title][_istarts_with]=50%', ids: [7] },
  { query: 'filter[title][_ends_with]=%', ids: [] },
  { query: 'filter[title][_iends_with]=_', ids: [] },
  { query: 'filter[body][_contains]=\\', ids: [6] },
  { query: 'filter[body][_icontains]=\\', ids: [6] },
  { query: 'filter[body][_contains]=%', ids: [2] },
  { query: 'filter[body][_contains]=_', ids: [3] },
  { query: 'filter[body][_contains]=*', ids: [6] },
  { query: 'filter[body][_ends_with]=[x] and \\', ids: [6] },
  // unicode: exact matches of non-ASCII text (case folding beyond ASCII: case-folding.test.ts)
  { query: 'filter[title][_contains]=🚀', ids: [10] },
  { query: 'filter[body][_contains]=🚀', ids: [5] },
  { query: 'filter[body][_contains]=東京', ids: [5] },
  { query: 'filter[body][_icontains]=東京', ids: [5] },
  { query: 'filter[body][_contains]=ß', ids: [5] },
  { query: 'filter[body][_icontains]=SS', ids: [] }, // no database turns ß into ss
  { query: 'filter[title][_contains]=é', ids: [5] },
  { query: 'filter[title][_icontains]=è', ids: [5] },
  { query: 'filter[title][_icontains]=cafe', ids: [] }, // accents are not folded
  { query: 'filter[title][_starts_with]=É', ids: [11] },
  { collection: 'comments', query: 'filter[text][_contains]=東京', ids: [6] },
];

// ---------------------------------------------------------------------------------------------------
// The same filters in their JSON, bracket and shorthand forms; _and / _or

const FORM_CASES: IdsCase[] = [
  { query: 'status=published', ids: [1, 2, 5, 7, 10] },
  { query: 'filter[status][_eq]=published', ids: [1, 2, 5, 7, 10] },
  { query: 'filter={"status":{"_eq":"published"}}', ids: [1, 2, 5, 7, 10] },
  { query: 'rating__gte=3', ids: [1, 2, 5, 7, 9, 10] },
  { query: 'filter[rating][_gte]=3', ids: [1, 2, 5, 7, 9, 10] },
  { query: 'filter={"rating":{"_gte":3}}', ids: [1, 2, 5, 7, 9, 10] },
  { query: 'filter={"rating":{"_gte":"3"}}', ids: [1, 2, 5, 7, 9, 10] },
  { query: 'status__in=draft,archived', ids: [3, 4, 6, 8, 9, 12] },
  { query: 'status__in=draft&status__in=archived', ids: [3, 4, 6, 8, 9, 12] },
  { query: 'filter[status][_in][]=draft&filter[status][_in][]=archived', ids: [3, 4, 6, 8, 9, 12] },
  { query: 'filter[status][_in][0]=draft&filter[status][_in][1]=archived', ids: [3, 4, 6, 8, 9, 12] },
  { query: 'filter={"status":{"_in":["draft","archived"]}}', ids: [3, 4, 6, 8, 9, 12] },
  { query: 'rating__isnull=true', ids: [3, 8, 11] },
  { query: 'filter[rating][_null]=true', ids: [3, 8, 11] },
  { query: 'rating__isnull=false', ids: [1, 2, 4, 5, 6, 7, 9, 10, 12] },
  { query: 'status__neq=draft', ids: [1, 2, 4, 5, 7, 9, 10] },
  { query: 'rating__eq=4', ids: [5, 10] },
  { query: 'rating__lt=2', ids: [4, 12] },
  { query: 'rating__lte=2', ids: [4, 6, 12] },
  { query: 'rating__gt=4', ids: [1, 9] },
  { query: 'rating__notin=3,5', ids: [4, 5, 6, 10, 12] },
  { query: 'title__contains=lph', ids: [1, 2] },
  { query: 'title__startswith=A', ids: [1, 3] },
  { query: 'title__endswith=a', ids: [1, 2, 4, 12] },
  { query: 'featured=false', ids: [2, 3, 6, 7, 10, 11, 12] },
  { query: 'author=2', ids: [3, 4, 10] },
  { query: 'author__isnull=true', ids: [6] },
  // several operators on a field, several sources: all must hold
  { query: 'filter[rating][_gte]=2&filter[rating][_lte]=3', ids: [2, 6, 7] },
  { query: 'filter[status][_eq]=published&rating__gte=4', ids: [1, 5, 10] },
  { query: 'filter={"status":{"_eq":"published"}}&filter[rating][_gte]=4', ids: [1, 5, 10] },
  { query: 'filter={"status":{"_eq":"published"},"rating":{"_gte":4}}', ids: [1, 5, 10] },
  { query: 'filter={}', ids: ALL_ARTICLES },
  // _and / _or, nested
  { query: 'filter[_and][0][status][_eq]=published&filter[_and][1][rating][_gte]=4', ids: [1, 5, 10] },
  { query: 'filter={"_or":[{"status":{"_eq":"archived"}},{"rating":{"_null":true}}]}', ids: [3, 4, 8, 9, 11] },
  {
    query: 'filter={"_or":[{"status":{"_eq":"archived"}},{"_and":[{"rating":{"_gte":4}},{"featured":{"_eq":false}}]}]}',
    ids: [4, 9, 10],
  },
  {
    query: 'filter[_or][0][status][_eq]=archived&filter[_or][1][_and][0][rating][_gte]=4&filter[_or][1][_and][1][featured][_eq]=false',
    ids: [4, 9, 10],
  },
  {
    query: 'filter={"_and":[{"_or":[{"title":{"_icontains":"alpha"}},{"title":{"_eq":"Beta"}}]},{"_or":[{"featured":{"_eq":true}},{"rating":{"_null":true}}]}]}',
    ids: [1, 3, 4],
  },
  { query: 'filter={"_or":[]}', ids: [] },
  { query: 'filter={"_and":[]}', ids: ALL_ARTICLES },
];

// ---------------------------------------------------------------------------------------------------
// Relational filters: many-to-one, one-to-many with _some/_none, many-to-many, nested

const RELATION_CASES: IdsCase[] = [
  // many-to-one: the related row must exist and match (an article without author matches no author.* condition)
  { query: 'filter[author][name][_eq]=Ann', ids: [1, 2, 12] },
  { query: 'filter={"author":{"name":{"_eq":"Ann"}}}', ids: [1, 2, 12] },
  { query: 'filter[author][name][_eq]=bob', ids: [3, 4, 10] },
  { query: 'filter[author][name][_eq]=Bob', ids: [] },
  { query: 'filter[author][country][_eq]=FR', ids: [5, 7, 8, 9, 11] },
  // An article without author has no author whose country is NULL (EXISTS on the related row, where a
  // LEFT JOIN, as Directus uses, would also keep article 6).
  { query: 'filter[author][country][_null]=true', ids: [] },
  { query: 'filter[author][_eq]=2', ids: [3, 4, 10] },
  { query: 'filter[author][_in]=1,5', ids: [1, 2, 8, 9, 12] },
  { query: 'filter[author][_null]=true', ids: [6] },
  { query: 'filter[author][_neq]=1', ids: [3, 4, 5, 7, 8, 9, 10, 11] },
  { query: 'filter[author][born][_lt]=1980-01-01&filter[author][country][_eq]=FR', ids: [8, 9] },
  // one-to-many
  { query: 'filter[comments][_some][likes][_gte]=10', ids: [1] },
  { query: 'filter[comments][likes][_gte]=10', ids: [1] },
  { query: 'filter[comments][_none][likes][_gt]=0', ids: [3, 4, 6, 8, 9, 11, 12] },
  { query: 'filter[comments][_none][id][_nnull]=true', ids: [3, 4, 6, 8, 11, 12] },
  { query: 'filter[comments][_some][id][_nnull]=true', ids: [1, 2, 5, 7, 9, 10] },
  { query: 'filter[comments][_some][text][_icontains]=great', ids: [1] },
  { query: 'filter[comments][_some][text][_empty]=true', ids: [7, 10] },
  { query: 'filter[comments][_some][_or][0][likes][_gte]=10&filter[comments][_some][_or][1][text][_eq]=ok', ids: [1, 2] },
  { query: 'filter={"comments":{"_some":{"likes":{"_gte":5}},"_none":{"likes":{"_lt":0}}}}', ids: [1, 5, 10] },
  { collection: 'authors', query: 'filter[articles][_some][status][_eq]=archived', ids: [2, 5] },
  { collection: 'authors', query: 'filter[articles][status][_eq]=archived', ids: [2, 5] },
  { collection: 'authors', query: 'filter[articles][_none][status][_eq]=archived', ids: [1, 3, 4] },
  { collection: 'authors', query: 'filter[articles][_none][id][_nnull]=true', ids: [4] },
  { collection: 'authors', query: 'filter[articles][_some][comments][_some][likes][_gte]=10', ids: [1] },
  // many-to-many, both ways
  { query: 'filter[topics][_some][label][_eq]=cats', ids: [1, 2] },
  { query: 'filter[topics][label][_eq]=travel', ids: [5, 7, 10] },
  { query: 'filter[topics][_none][label][_eq]=travel', ids: [1, 2, 3, 4, 6, 8, 9, 11, 12] },
  { query: 'filter[topics][_none][id][_nnull]=true', ids: [3, 4, 6, 8, 9, 11, 12] },
  { query: 'filter={"_and":[{"topics":{"_some":{"label":{"_eq":"tech"}}}},{"topics":{"_some":{"label":{"_eq":"travel"}}}}]}', ids: [10] },
  { collection: 'topics', query: 'filter[articles][_some][status][_eq]=published', ids: [1, 2, 3] },
  { collection: 'topics', query: 'filter[articles][_none][id][_nnull]=true', ids: [4] },
  { collection: 'topics', query: 'filter[articles][_some][author][name][_eq]=bob', ids: [2, 3] },
  { collection: 'authors', query: 'filter[articles][topics][label][_eq]=travel', ids: [2, 3] },
  // from the child side, through two many-to-ones
  { collection: 'comments', query: 'filter[article][author][name][_eq]=Ann', ids: [1, 2, 3, 4, 9] },
  { collection: 'comments', query: 'filter[article][_null]=true', ids: [8] },
  { collection: 'comments', query: 'filter[article][topics][_some][label][_eq]=travel', ids: [5, 6, 10, 11, 12] },
];

// ---------------------------------------------------------------------------------------------------
// Sort: several keys, descending, relation paths, NULLs first ascending and last descending, ties by id

const SORT_CASES: IdsCase[] = [
  { query: '', ids: ALL_ARTICLES },
  { query: 'sort=-id', ids: range(1, 12).reverse() },
  { query: 'sort=rating', ids: [3, 8, 11, 4, 12, 6, 2, 7, 5, 10, 1, 9] },
  { query: 'sort=-rating', ids: [9, 1, 10, 5, 7, 2, 6, 12, 4, 11, 8, 3] },
  { query: 'sort=-rating,-id', ids: [9, 1, 10, 5, 7, 2, 6, 12, 4, 11, 8, 3] },
  { query: 'sort[]=-rating&sort[]=-id', ids: [9, 1, 10, 5, 7, 2, 6, 12, 4, 11, 8, 3] },
  { query: 'sort=title', ids: [6, 7, 3, 1, 4, 5, 12, 2, 10, 9, 8, 11] },
  { query: 'sort=-title', ids: [11, 8, 9, 10, 2, 12, 5, 4, 1, 3, 7, 6] },
  { query: 'sort=status,-rating', ids: [11, 9, 4, 6, 12, 8, 3, 1, 10, 5, 7, 2] },
  { query: 'sort=featured,-price', ids: [8, 6, 2, 12, 11, 3, 10, 7, 4, 9, 1, 5] },
  { query: 'sort=price', ids: [7, 10, 3, 11, 12, 8, 2, 6, 5, 1, 9, 4] },
  { query: 'sort=published_at', ids: [3, 8, 11, 12, 4, 1, 2, 9, 10, 7, 5, 6] },
  { query: 'sort=-published_at', ids: [6, 5, 7, 10, 9, 2, 1, 4, 12, 11, 8, 3] },
  { query: 'sort=author.name', ids: [6, 1, 2, 12, 5, 7, 11, 3, 4, 10, 8, 9] },
  { query: 'sort=author.name,-id', ids: [6, 12, 2, 1, 11, 7, 5, 10, 4, 3, 9, 8] },
  { query: 'sort=-author.name', ids: [9, 8, 10, 4, 3, 11, 7, 5, 12, 2, 1, 6] },
  { query: 'sort=author.country,title', ids: [6, 7, 5, 9, 8, 11, 1, 12, 2, 3, 4, 10] },
  { query: 'sort=title&filter[title][_icontains]=alpha', ids: [3, 1, 2] },
  { collection: 'authors', query: 'sort=name', ids: [1, 3, 4, 2, 5] },
  { collection: 'authors', query: 'sort=-name', ids: [5, 2, 4, 3, 1] },
  { collection: 'authors', query: 'sort=-born', ids: [3, 2, 5, 1, 4] },
  { collection: 'authors', query: 'sort=country,-born', ids: [4, 3, 5, 1, 2] },
  { collection: 'comments', query: 'sort=text', ids: [12, 11, 10, 3, 1, 5, 2, 6, 4, 9, 8, 7] },
  { collection: 'comments', query: 'sort=-likes,text', ids: [3, 1, 5, 11, 12, 8, 2, 9, 10, 4, 7, 6] },
  { collection: 'comments', query: 'sort=article.author.name', ids: [8, 1, 2, 3, 4, 9, 5, 6, 12, 10, 11, 7] },
];

// ---------------------------------------------------------------------------------------------------
// Pagination

const PAGE_CASES: IdsCase[] = [
  { query: 'limit=5', ids: [1, 2, 3, 4, 5] },
  { query: 'limit=5&page=1', ids: [1, 2, 3, 4, 5] },
  { query: 'limit=5&page=2', ids: [6, 7, 8, 9, 10] },
  { query: 'limit=5&page=3', ids: [11, 12] },
  { query: 'limit=5&page=4', ids: [] },
  { query: 'offset=10', ids: [11, 12] },
  { query: 'offset=12', ids: [] },
  { query: 'offset=1000', ids: [] },
  { query: 'limit=1000', ids: ALL_ARTICLES },
  { query: 'limit=2&offset=3&sort=-id', ids: [9, 8] },
  // pages over a sort with ties neither overlap nor skip
  { query: 'sort=status&limit=4', ids: [11, 4, 9, 3] },
  { query: 'sort=status&limit=4&page=2', ids: [6, 8, 12, 1] },
  { query: 'sort=status&limit=4&page=3', ids: [2, 5, 7, 10] },
  { query: 'sort=-featured&limit=3&offset=3', ids: [1, 12, 11] },
];

// ---------------------------------------------------------------------------------------------------
// search: case-insensitive, across string, text and enum fields; an integer also matches the id

const SEARCH_CASES: IdsCase[] = [
  { query: 'search=alpha', ids: [1, 2, 3] },
  { query: 'search=ALPHA', ids: [1, 2, 3] },
  { query: 'search=cats', ids: [1] },
  { query: 'search=東京', ids: [5] },
  { query: 'search=🚀', ids: [5, 10] },
  { query: 'search=café', ids: [5] },
  { query: 'search=cafe', ids: [] },
  { query: 'search=archived', ids: [4, 9] },
  { query: 'search=5', ids: [5, 7] },
  { query: 'search=%', ids: [2, 7] },
  { query: 'search=_', ids: [3, 8] },
  { query: 'search=?', ids: [6, 9] },
  { query: 'search=   ', ids: ALL_ARTICLES },
  { query: 'search=alpha&filter[status][_eq]=published', ids: [1, 2] },
  { query: 'search=nothing-like-this', ids: [] },
  { collection: 'comments', query: 'search=great', ids: [1, 3] },
  { collection: 'authors', query: 'search=B', ids: [2] },
];

// ---------------------------------------------------------------------------------------------------
// fields, deep, meta, aggregate: exact data

const FIELD_CASES: DataCase[] = [
  {
    query: 'fields=id,title&filter[id][_in]=1,2',
    data: [
      { id: 1, title: 'Alpha' },
      { id: 2, title: 'alpha' },
    ],
  },
  { query: 'fields[]=id&fields[]=title&filter[id][_eq]=3', data: [{ id: 3, title: 'ALPHA' }] },
  // the primary key is always read, first when not asked for
  { query: 'fields=title&filter[id][_eq]=3', data: [{ id: 3, title: 'ALPHA' }] },
  {
    query: 'fields=id,title,body,status,rating,price,featured,published_at,tags,author&filter[id][_in]=3,4,8,9',
    data: [
      { id: 3, title: 'ALPHA', body: 'snake_case and under_scores', status: 'draft', rating: null, price: 0.1, featured: false, published_at: null, tags: null, author: 2 },
      { id: 4, title: 'Beta', body: '', status: 'archived', rating: 1, price: 100, featured: true, published_at: '2023-12-31T23:59:59.999Z', tags: ['x', 'y'], author: 2 },
      { id: 8, title: 'under_score', body: null, status: 'draft', rating: null, price: 3.3, featured: null, published_at: null, tags: null, author: 5 },
      { id: 9, title: 'star*glob?[x]', body: 'GLOB chars', status: 'archived', rating: 5, price: 42, featured: true, published_at: '2024-03-01T00:00:00.000Z', tags: null, author: 5 },
    ],
  },
  {
    query: 'fields=title,body,tags,price&filter[id][_in]=5,2',
    data: [
      { id: 2, title: 'alpha', body: '100% pure joy', tags: [], price: 5 },
      { id: 5, title: 'Café crème', body: 'Straße nach 東京 🚀', tags: { lang: 'fr' }, price: 12.5 },
    ],
  },
  {
    query: 'fields=title,author.name&filter[id][_in]=1,6',
    data: [
      { id: 1, title: 'Alpha', author: { id: 1, name: 'Ann' } },
      { id: 6, title: '', author: null },
    ],
  },
  {
    query: 'fields=id,author.name,author.articles.id&filter[id][_eq]=8',
    data: [{ id: 8, author: { id: 5, name: 'Émile', articles: [{ id: 8 }, { id: 9 }] } }],
  },
  {
    query: 'fields=id,topics.label&filter[id][_in]=1,3,10',
    data: [
      { id: 1, topics: [{ id: 1, label: 'cats' }, { id: 3, label: 'tech' }] },
      { id: 3, topics: [] },
      // in the order they were linked
      { id: 10, topics: [{ id: 3, label: 'tech' }, { id: 2, label: 'travel' }] },
    ],
  },
  {
    query: 'fields=id,comments.text,comments.likes&filter[id][_in]=2,4',
    data: [
      { id: 2, comments: [{ id: 4, text: 'ok', likes: 0 }, { id: 9, text: 'ok ', likes: 1 }] },
      { id: 4, comments: [] },
    ],
  },
  // A to-many alias alone reads the related keys, as objects holding the key. (Directus answers a list of
  // bare keys, "comments": [1, 2, 3], here.)
  { query: 'fields=id,comments&filter[id][_eq]=1', data: [{ id: 1, comments: [{ id: 1 }, { id: 2 }, { id: 3 }] }] },
  {
    collection: 'authors',
    query: 'fields=name,articles.title&sort=name&filter[id][_in]=4,2',
    data: [
      { id: 4, name: 'Dmitri', articles: [] },
      { id: 2, name: 'bob', articles: [{ id: 3, title: 'ALPHA' }, { id: 4, title: 'Beta' }, { id: 10, title: 'emoji 🚀 launch' }] },
    ],
  },
  {
    collection: 'topics',
    query: 'fields=label,articles.title&filter[id][_in]=2,4',
    data: [
      { id: 2, label: 'travel', articles: [{ id: 5, title: 'Café crème' }, { id: 10, title: 'emoji 🚀 launch' }, { id: 7, title: '50% off' }] },
      { id: 4, label: 'unused', articles: [] },
    ],
  },
  {
    collection: 'comments',
    query: 'fields=text,article.title,article.author.name&filter[id][_in]=7,8',
    data: [
      { id: 7, text: 'spam', article: { id: 9, title: 'star*glob?[x]', author: { id: 5, name: 'Émile' } } },
      { id: 8, text: 'orphan', article: null },
    ],
  },
];

const DEEP_CASES: DataCase[] = [
  {
    query: 'fields=id,comments.id&filter[comments][_some][id][_nnull]=true&deep[comments][_sort]=-likes&deep[comments][_limit]=1',
    // ties (1 and 3 both have 10 likes) go the way of the sort, to the higher id; NULL likes sort last descending
    data: [
      { id: 1, comments: [{ id: 3 }] },
      { id: 2, comments: [{ id: 9 }] },
      { id: 5, comments: [{ id: 5 }] },
      { id: 7, comments: [{ id: 12 }] },
      { id: 9, comments: [{ id: 7 }] },
      { id: 10, comments: [{ id: 11 }] },
    ],
  },
  {
    query: 'fields=id,comments.id&filter[comments][_some][id][_nnull]=true&deep={"comments":{"_sort":["-likes"],"_limit":1}}',
    data: [
      { id: 1, comments: [{ id: 3 }] },
      { id: 2, comments: [{ id: 9 }] },
      { id: 5, comments: [{ id: 5 }] },
      { id: 7, comments: [{ id: 12 }] },
      { id: 9, comments: [{ id: 7 }] },
      { id: 10, comments: [{ id: 11 }] },
    ],
  },
  {
    query: 'fields=id,comments.id&filter[id][_in]=1,2,5,10&deep[comments][_filter][likes][_gte]=5',
    data: [
      { id: 1, comments: [{ id: 1 }, { id: 3 }] },
      { id: 2, comments: [] },
      { id: 5, comments: [{ id: 5 }] },
      { id: 10, comments: [{ id: 11 }] },
    ],
  },
  {
    query: 'fields=id,comments.id,comments.likes&filter[id][_eq]=1&deep[comments][_sort]=likes&deep[comments][_offset]=1&deep[comments][_limit]=1',
    data: [{ id: 1, comments: [{ id: 1, likes: 10 }] }],
  },
  {
    query: 'fields=id,comments.text&filter[id][_in]=1,10&deep[comments][_sort]=text',
    data: [
      { id: 1, comments: [{ id: 3, text: 'GREAT!' }, { id: 1, text: 'Great' }, { id: 2, text: 'meh' }] },
      { id: 10, comments: [{ id: 11, text: '' }, { id: 10, text: ' ' }] },
    ],
  },
  {
    query: 'fields=id,topics.label&filter[id][_eq]=10&deep[topics][_sort]=-label',
    data: [{ id: 10, topics: [{ id: 2, label: 'travel' }, { id: 3, label: 'tech' }] }],
  },
  {
    query: 'fields=id,topics.label&filter[id][_in]=1,10&deep[topics][_limit]=1',
    data: [
      { id: 1, topics: [{ id: 1, label: 'cats' }] },
      { id: 10, topics: [{ id: 3, label: 'tech' }] },
    ],
  },
  {
    query: 'fields=id,topics.label&filter[id][_in]=1,10&deep[topics][_filter][label][_neq]=tech',
    data: [
      { id: 1, topics: [{ id: 1, label: 'cats' }] },
      { id: 10, topics: [{ id: 2, label: 'travel' }] },
    ],
  },
  {
    collection: 'authors',
    query: 'fields=id,articles.id,articles.comments.id&filter[id][_eq]=1&deep[articles][_filter][status][_eq]=published&deep[articles][comments][_sort]=-id&deep[articles][comments][_limit]=2',
    data: [{ id: 1, articles: [{ id: 1, comments: [{ id: 3 }, { id: 2 }] }, { id: 2, comments: [{ id: 9 }, { id: 4 }] }] }],
  },
];

const META_CASES: Array<DataCase & { meta: Record<string, number> }> = [
  { query: 'fields=id&meta=total_count,filter_count&filter[status][_eq]=draft&limit=1', data: [{ id: 3 }], meta: { total_count: 12, filter_count: 4 } },
  { query: 'fields=id&meta=*&search=alpha&limit=1&offset=1', data: [{ id: 2 }], meta: { total_count: 12, filter_count: 3 } },
  { query: 'fields=id&meta=filter_count&filter[comments][_some][likes][_gte]=10', data: [{ id: 1 }], meta: { filter_count: 1 } },
  { query: 'fields=id&meta=total_count&offset=100', data: [], meta: { total_count: 12 } },
];

const RATING_AVG = 28 / 9;
const PRICE_AVG = 193.2 / 11;

const AGGREGATE_CASES: DataCase[] = [
  { query: 'aggregate[count]=*', data: [{ count: 12 }] },
  { query: 'aggregate={"count":"*"}', data: [{ count: 12 }] },
  { query: 'aggregate={"count":["*"]}', data: [{ count: 12 }] },
  { query: 'aggregate[count]=rating', data: [{ count: { rating: 9 } }] },
  { query: 'aggregate[count]=*,rating', data: [{ count: { '*': 12, rating: 9 } }] },
  // decimal sums are exact to their scale on every database, SQLite's REAL columns included
  { query: 'aggregate[sum]=price', data: [{ sum: { price: 193.2 } }] },
  { query: 'aggregate[sum]=rating', data: [{ sum: { rating: 28 } }] },
  { query: 'aggregate[avg]=rating', data: [{ avg: { rating: RATING_AVG } }] },
  { query: 'aggregate[avg]=price', data: [{ avg: { price: PRICE_AVG } }] },
  { query: 'aggregate[min]=rating&aggregate[max]=rating', data: [{ min: { rating: 1 }, max: { rating: 5 } }] },
  { query: 'aggregate[min]=price&aggregate[max]=price', data: [{ min: { price: 0.05 }, max: { price: 100 } }] },
  { query: 'aggregate[min]=published_at&filter[published_at][_lt]=2024-06-01', data: [{ min: { published_at: '2023-12-31T23:59:59.999Z' } }] },
  { query: 'aggregate[max]=published_at&filter[published_at][_lt]=2024-06-01', data: [{ max: { published_at: '2024-04-01T12:00:00.000Z' } }] },
  { query: 'aggregate[min]=title&aggregate[max]=title', data: [{ min: { title: '' }, max: { title: 'Éclair' } }] },
  { query: 'aggregate[countDistinct]=status', data: [{ countDistinct: { status: 3 } }] },
  { query: 'aggregate[countDistinct]=title', data: [{ countDistinct: { title: 12 } }] },
  { query: 'aggregate[count]=*&filter[status][_eq]=draft', data: [{ count: 4 }] },
  { query: 'aggregate[count]=*&search=alpha', data: [{ count: 3 }] },
  { query: 'aggregate[sum]=price&filter[price][_null]=true', data: [{ sum: { price: null } }] },
  {
    query: 'aggregate[count]=*&groupBy=status',
    data: [
      { status: null, count: 1 },
      { status: 'archived', count: 2 },
      { status: 'draft', count: 4 },
      { status: 'published', count: 5 },
    ],
  },
  {
    query: 'aggregate[count]=*&groupBy[]=status&sort=-status',
    data: [
      { status: 'published', count: 5 },
      { status: 'draft', count: 4 },
      { status: 'archived', count: 2 },
      { status: null, count: 1 },
    ],
  },
  {
    query: 'aggregate[count]=*&groupBy=status&limit=2&offset=1',
    data: [
      { status: 'archived', count: 2 },
      { status: 'draft', count: 4 },
    ],
  },
  {
    query: 'aggregate[sum]=price&aggregate[avg]=rating&groupBy=status',
    data: [
      { status: null, sum: { price: 1.01 }, avg: { rating: null } },
      { status: 'archived', sum: { price: 142 }, avg: { rating: 3 } },
      { status: 'draft', sum: { price: 12.65 }, avg: { rating: 1.5 } },
      { status: 'published', sum: { price: 37.54 }, avg: { rating: 3.8 } },
    ],
  },
  {
    query: 'aggregate[countDistinct]=status&groupBy=featured',
    data: [
      { featured: null, countDistinct: { status: 1 } },
      { featured: false, countDistinct: { status: 2 } },
      { featured: true, countDistinct: { status: 2 } },
    ],
  },
  {
    query: 'aggregate[countDistinct]=status&groupBy=status',
    data: [
      { status: null, countDistinct: { status: 0 } },
      { status: 'archived', countDistinct: { status: 1 } },
      { status: 'draft', countDistinct: { status: 1 } },
      { status: 'published', countDistinct: { status: 1 } },
    ],
  },
  {
    query: 'aggregate[count]=*&groupBy=status,featured',
    data: [
      { status: null, featured: false, count: 1 },
      { status: 'archived', featured: true, count: 2 },
      { status: 'draft', featured: null, count: 1 },
      { status: 'draft', featured: false, count: 3 },
      { status: 'published', featured: false, count: 3 },
      { status: 'published', featured: true, count: 2 },
    ],
  },
  {
    query: 'aggregate[count]=*&groupBy=status&filter[featured][_eq]=true',
    data: [
      { status: 'archived', count: 2 },
      { status: 'published', count: 2 },
    ],
  },
  {
    query: 'aggregate[count]=*&groupBy=author',
    data: [
      { author: null, count: 1 },
      { author: 1, count: 3 },
      { author: 2, count: 3 },
      { author: 3, count: 3 },
      { author: 5, count: 2 },
    ],
  },
  { query: 'groupBy=status', data: [{ status: null }, { status: 'archived' }, { status: 'draft' }, { status: 'published' }] },
  {
    query: 'aggregate={"count":"*","max":"price"}&groupBy=featured&filter={"status":{"_neq":"archived"}}',
    data: [
      { featured: null, count: 1, max: { price: 3.3 } },
      { featured: false, count: 6, max: { price: 7.25 } },
      { featured: true, count: 2, max: { price: 19.99 } },
    ],
  },
  // text groups are exact: case, trailing spaces and '' versus ' ' make different groups
  {
    collection: 'comments',
    query: 'aggregate[count]=*&groupBy=text',
    data: [null, '', ' ', 'GREAT!', 'Great', 'Très bien', 'meh', 'nice 東京', 'ok', 'ok ', 'orphan', 'spam'].map((text) => ({ text, count: 1 })),
  },
  {
    query: 'aggregate[count]=*&groupBy=title&filter[title][_icontains]=alpha',
    data: [
      { title: 'ALPHA', count: 1 },
      { title: 'Alpha', count: 1 },
      { title: 'alpha', count: 1 },
    ],
  },
  { collection: 'comments', query: 'aggregate[sum]=likes&aggregate[avg]=likes&aggregate[min]=likes', data: [{ sum: { likes: 41 }, avg: { likes: 41 / 11 }, min: { likes: -1 } }] },
];

// ---------------------------------------------------------------------------------------------------
// Malformed queries: 400 INVALID_QUERY naming the culprit

const ERROR_CASES: ErrorCase[] = [
  { query: 'filter[nope][_eq]=1', culprit: 'nope' },
  { query: 'filter={"nope":{"_eq":1}}', culprit: 'nope' },
  { query: 'filter[author][nope][_eq]=1', culprit: 'author.nope' },
  { query: 'filter[rating][_like]=1', culprit: '_like' },
  { query: 'filter[rating][_regex]=1', culprit: '_regex' },
  { query: 'filter={"rating":{"_gte":3}', culprit: 'filter' },
  { query: 'filter=[1,2]', culprit: 'filter' },
  { query: 'filter[author][_some][name][_eq]=Ann', culprit: '_some' },
  { query: 'filter[author][_none][name][_eq]=Ann', culprit: '_none' },
  { query: 'filter[comments][_eq]=1', culprit: '_eq' },
  { query: 'filter[rating][_contains]=1', culprit: '_contains' },
  { query: 'filter[price][_starts_with]=1', culprit: '_starts_with' },
  { query: 'filter[rating][_eq]=abc', culprit: '"abc"' },
  { query: 'filter[rating][_in]=1,x', culprit: '"x"' },
  { query: 'filter[price][_gt]=cheap', culprit: '"cheap"' },
  { query: 'filter[featured][_eq]=maybe', culprit: '"maybe"' },
  { query: 'filter[published_at][_gt]=yesterday', culprit: 'yesterday' },
  { query: 'filter[rating][_between]=1', culprit: '_between' },
  // null is a value of _eq and _neq only (IS NULL / IS NOT NULL); in a list it is refused
  { query: 'filter={"status":{"_in":["draft",null]}}', culprit: 'null' },
  { query: 'filter={"rating":{"_nin":[1,null]}}', culprit: 'null' },
  { query: 'filter={"rating":{"_gt":null}}', culprit: 'null' },
  { query: 'filter[rating][_null]=perhaps', culprit: '_null' },
  { query: 'filter[published_at][_gte]=$NOW(-1 fortnight)', culprit: '$NOW(-1 fortnight)' },
  { query: 'filter[title]=Alpha', culprit: 'title' },
  { query: 'filter[_or]=x', culprit: '_or' },
  { query: 'filter={"__proto__":{"_eq":1}}', culprit: '__proto__' },
  { query: 'filter[__proto__][_eq]=1', culprit: '__proto__' },
  { query: 'filter={"title":{"__proto__":{"_eq":1}}}', culprit: '__proto__' },
  { query: 'filter[constructor][_eq]=1', culprit: 'constructor' },
  { query: 'deep={"comments":{"__proto__":{}}}&fields=comments.id', culprit: '__proto__' },
  { query: 'sort=comments.likes', culprit: 'comments' },
  { query: 'sort=topics.label', culprit: 'topics' },
  { query: 'sort=nope', culprit: 'nope' },
  { query: 'sort=title.length', culprit: 'title' },
  { query: 'sort=author.nope', culprit: 'author.nope' },
  { query: 'fields=nope', culprit: 'nope' },
  { query: 'fields=author.nope', culprit: 'author.nope' },
  { query: 'fields=comments.article.author.articles.title', culprit: 'comments.article.author.articles.title' },
  { query: 'fields=*.*.*.*.*', culprit: '*.*.*.*.*' },
  { query: 'fields=*.title', culprit: '*.title' },
  { query: 'limt=5', culprit: 'limt' },
  { query: 'rating__like=3', culprit: 'like' },
  { query: 'nope__eq=3', culprit: 'nope__eq' },
  { query: 'search[x]=1', culprit: 'search' },
  { query: 'limit=0', culprit: 'limit' },
  { query: 'limit=-1', culprit: 'limit' },
  { query: 'limit=1001', culprit: 'limit' },
  { query: 'limit=ten', culprit: 'limit' },
  { query: 'offset=-1', culprit: 'offset' },
  { query: 'page=0', culprit: 'page' },
  { query: 'page=2&offset=1', culprit: 'page' },
  { query: 'limit=1&limit=2', culprit: 'limit' },
  { query: 'meta=rows', culprit: 'rows' },
  { query: 'aggregate[median]=rating', culprit: 'median' },
  { query: 'aggregate[sum]=title', culprit: 'title' },
  { query: 'aggregate[avg]=*', culprit: 'avg' },
  { query: 'aggregate[max]=comments', culprit: 'comments' },
  { query: 'aggregate={"count":', culprit: 'aggregate' },
  { query: 'groupBy=nope', culprit: 'nope' },
  // A path through a many-to-one is a group (see relation-counts.test.ts); through a to-many, no single value.
  { query: 'groupBy=comments.text', culprit: 'comments' },
  { query: 'groupBy=author.nope', culprit: 'author.nope' },
  { query: 'fields=count(author)', culprit: 'count(author)' },
  { query: 'aggregate[count]=*&groupBy=status&sort=rating', culprit: 'rating' },
  { query: 'fields=author.name&deep[author][_limit]=1', culprit: '_limit' },
  { query: 'fields=comments.id&deep[comments][_bogus]=1', culprit: '_bogus' },
  { query: 'fields=comments.id&deep[comments][_limit]=0', culprit: '_limit' },
  { query: 'deep[nope][_limit]=1', culprit: 'nope' },
  { query: 'deep={"comments":', culprit: 'deep' },
  { query: 'fields=comments.id&deep[comments][_filter][nope][_eq]=1', culprit: 'nope' },
  { query: 'fields=comments.id&deep[comments][_sort]=article.comments.id', culprit: 'article.comments' },
];

describeEachDatabase('query language', {}, (suite) => {
  let owner: Account;
  let editor: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;

  /** The items answer of a query (status and body), as the owner unless another token is given. */
  async function read(collection: string, query: string, token?: string) {
    const encoded = encodeQuery(query);
    return (token ? suite.api.as(token) : api).get(`${base}/items/${collection}${encoded ? `?${encoded}` : ''}`);
  }

  /** The ids a query answers, in order; `fields=id` is added when the query names no fields. */
  async function idsOf(collection: string, query: string, token?: string): Promise<number[]> {
    const withFields = /(^|&)fields[=[]/.test(query) ? query : [query, 'fields=id'].filter(Boolean).join('&');
    const response = await read(collection, withFields, token);
    assert.equal(response.status, 200, `${query}: ${response.text}`);
    return response.body.data.map((row: { id: number }) => row.id);
  }

  async function post(path: string, body: unknown, token = owner.accessToken): Promise<any> {
    const response = await suite.api.post(`${base}${path}`, body, { token });
    assert.ok(response.status === 200 || response.status === 201, `${path}: ${response.text}`);
    return response.body.data;
  }

  before(async () => {
    owner = await newAccount(suite.api, 'owner');
    editor = await newAccount(suite.api, 'editor');
    workspace = await newWorkspace(suite.api, owner);
    await addMember(suite.api, workspace, owner, editor, 'editor');
    api = suite.api.as(owner.accessToken);
    base = `/api/v1/w/${workspace.slug}`;

    await newCollection(api, base, {
      collection: 'authors',
      fields: [
        { field: 'name', type: 'string' },
        { field: 'country', type: 'string', length: 2 },
        { field: 'born', type: 'date' },
      ],
    });
    await newCollection(api, base, {
      collection: 'articles',
      fields: [
        { field: 'title', type: 'string' },
        { field: 'body', type: 'text' },
        { field: 'status', type: 'enum', values: ['draft', 'published', 'archived'] },
        { field: 'rating', type: 'integer' },
        { field: 'price', type: 'decimal', precision: 8, scale: 2 },
        { field: 'featured', type: 'boolean' },
        { field: 'published_at', type: 'datetime' },
        { field: 'tags', type: 'json' },
      ],
    });
    await newCollection(api, base, { collection: 'comments', fields: [{ field: 'text', type: 'string' }, { field: 'likes', type: 'integer' }] });
    await newCollection(api, base, { collection: 'topics', fields: [{ field: 'label', type: 'string' }] });
    await post('/relations', { collection: 'articles', field: 'author', related_collection: 'authors', one_field: 'articles' });
    await post('/relations', { collection: 'comments', field: 'article', related_collection: 'articles', one_field: 'comments' });
    await post('/relations', { collection: 'articles', field: 'topics', related_collection: 'topics', junction: true, one_field: 'articles' });

    const authors = await post('/items/authors', [
      { name: 'Ann', country: 'UK', born: '1970-01-01' },
      { name: 'bob', country: 'US', born: '1985-06-15' },
      { name: 'Chloé', country: 'FR', born: '1990-12-31' },
      { name: 'Dmitri', country: null, born: null },
      { name: 'Émile', country: 'FR', born: '1975-03-03' },
    ]);
    assert.deepEqual(authors.map((a: { id: number }) => a.id), range(1, 5));

    const now = Date.now();
    const moment = (offsetMs: number) => new Date(now + offsetMs).toISOString();
    const HOUR = 3_600_000;
    const article = (title: string, body: string | null, status: string | null, rating: number | null, price: number | null, featured: boolean | null, published_at: string | null, tags: unknown, author: number | null) => ({
      title,
      body,
      status,
      rating,
      price,
      featured,
      published_at,
      tags,
      author,
    });
    const articles = await post('/items/articles', [
      article('Alpha', 'First post about cats', 'published', 5, 19.99, true, '2024-01-10T10:00:00.000Z', ['pets'], 1),
      article('alpha', '100% pure joy', 'published', 3, 5, false, '2024-02-20T08:30:00.000Z', [], 1),
      article('ALPHA', 'snake_case and under_scores', 'draft', null, 0.1, false, null, null, 2),
      article('Beta', '', 'archived', 1, 100, true, '2023-12-31T23:59:59.999Z', ['x', 'y'], 2),
      article('Café crème', 'Straße nach 東京 🚀', 'published', 4, 12.5, true, moment(-2 * HOUR), { lang: 'fr' }, 3),
      article('', 'wildcards * and ? and [x] and \\', 'draft', 2, 7.25, false, moment(240 * HOUR), null, null),
      article('50% off', 'Deals of the day', 'published', 3, null, false, moment(-72 * HOUR), ['deals'], 3),
      article('under_score', null, 'draft', null, 3.3, null, null, null, 5),
      article('star*glob?[x]', 'GLOB chars', 'archived', 5, 42, true, '2024-03-01T00:00:00.000Z', null, 5),
      article('emoji 🚀 launch', 'ROCKET science', 'published', 4, 0.05, false, '2024-04-01T12:00:00.000Z', ['space'], 2),
      article('Éclair', 'ÉCOLE des chefs', null, null, 1.01, false, null, null, 3),
    ]);
    assert.deepEqual(articles.map((a: { id: number }) => a.id), range(1, 11));
    const byEditor = await post('/items/articles', article('Zeta', 'by the editor', 'draft', 1, 2, false, null, null, 1), editor.accessToken);
    assert.equal(byEditor.id, 12);

    const comments = await post('/items/comments', [
      { text: 'Great', likes: 10, article: 1 },
      { text: 'meh', likes: 2, article: 1 },
      { text: 'GREAT!', likes: 10, article: 1 },
      { text: 'ok', likes: 0, article: 2 },
      { text: 'Très bien', likes: 7, article: 5 },
      { text: 'nice 東京', likes: null, article: 5 },
      { text: 'spam', likes: -1, article: 9 },
      { text: 'orphan', likes: 3, article: null },
      { text: 'ok ', likes: 1, article: 2 },
      { text: ' ', likes: 0, article: 10 },
      { text: '', likes: 5, article: 10 },
      { text: null, likes: 4, article: 7 },
    ]);
    assert.deepEqual(comments.map((c: { id: number }) => c.id), range(1, 12));

    await post('/items/topics', [{ label: 'cats' }, { label: 'travel' }, { label: 'tech' }, { label: 'unused' }]);
    const links: Array<[number, number]> = [
      [1, 1],
      [1, 3],
      [2, 1],
      [5, 2],
      [10, 3],
      [10, 2],
      [7, 2],
    ];
    await post(
      '/items/articles_topics',
      links.map(([articles_id, topics_id]) => ({ articles_id, topics_id })),
    );
  });

  const idCases: Array<[string, IdsCase[]]> = [
    ['operator', OPERATOR_CASES],
    ['text', TEXT_CASES],
    ['form', FORM_CASES],
    ['relation', RELATION_CASES],
    ['sort', SORT_CASES],
    ['page', PAGE_CASES],
    ['search', SEARCH_CASES],
  ];
  for (const [group, cases] of idCases) {
    for (const { query, ids, collection = 'articles' } of cases) {
      it(`${group}: ${collection}?${query} → [${ids.join(', ')}]`, async () => {
        assert.deepEqual(await idsOf(collection, query), ids, query);
      });
    }
  }

  const dataCases: Array<[string, DataCase[]]> = [
    ['fields', FIELD_CASES],
    ['deep', DEEP_CASES],
    ['aggregate', AGGREGATE_CASES],
  ];
  for (const [group, cases] of dataCases) {
    for (const { query, data, collection = 'articles' } of cases) {
      it(`${group}: ${collection}?${query}`, async () => {
        const response = await read(collection, query);
        assert.equal(response.status, 200, response.text);
        assert.deepEqual(response.body.data, data, query);
        assert.equal(response.body.meta, undefined);
      });
    }
  }

  for (const { query, data, meta, collection = 'articles' } of META_CASES) {
    it(`meta: ${collection}?${query}`, async () => {
      const response = await read(collection, query);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { data, meta });
    });
  }

  for (const { query, culprit, collection = 'articles' } of ERROR_CASES) {
    it(`refuses ${collection}?${query} naming ${culprit}`, async () => {
      const response = await read(collection, query);
      assertError(response, 400, 'INVALID_QUERY');
      assert.ok(response.body.errors[0].message.includes(culprit), `"${culprit}" not in: ${response.body.errors[0].message}`);
    });
  }

  it('reads variables: $NOW and $NOW(±n unit) against a datetime', async () => {
    const cases: Array<[string, number[]]> = [
      ['filter[published_at][_gte]=$NOW(-1 day)', [5, 6]],
      ['filter[published_at][_gt]=$NOW', [6]],
      ['filter[published_at][_lte]=$NOW', [1, 2, 4, 5, 7, 9, 10]],
      ['filter[published_at][_between]=$NOW(-1 week),$NOW', [5, 7]],
      ['filter[published_at][_between]=$NOW(-4 days),$NOW(-1 hour)', [5, 7]],
      ['filter[published_at][_lt]=$NOW(+1 days)&filter[published_at][_gt]=$NOW(-3 hours)', [5]],
      ['filter={"published_at":{"_gte":"$NOW(-1 day)"}}', [5, 6]],
      ['filter={"_or":[{"published_at":{"_gt":"$NOW(+1 week)"}},{"published_at":{"_lt":"2024-01-01"}}]}', [4, 6]],
    ];
    for (const [query, ids] of cases) assert.deepEqual(await idsOf('articles', query), ids, query);
  });

  it('reads $CURRENT_USER as the caller, against created_by', async () => {
    const cases: Array<[string, string, number[]]> = [
      [owner.accessToken, 'filter[created_by][_eq]=$CURRENT_USER', range(1, 11)],
      [editor.accessToken, 'filter[created_by][_eq]=$CURRENT_USER', [12]],
      [owner.accessToken, 'filter[created_by][_neq]=$CURRENT_USER', [12]],
      [editor.accessToken, 'filter={"created_by":{"_eq":"$CURRENT_USER"}}', [12]],
      [editor.accessToken, 'filter={"_or":[{"created_by":{"_eq":"$CURRENT_USER"}},{"rating":{"_eq":5}}]}', [1, 9, 12]],
      [editor.accessToken, 'created_by=$CURRENT_USER', [12]],
      // uuid fields: text operators on their text, search by a whole UUID in any case
      [owner.accessToken, `filter[created_by][_starts_with]=${editor.id.slice(0, 13)}`, [12]],
      [owner.accessToken, `search=${editor.id.toUpperCase()}`, [12]],
      [owner.accessToken, `search=${editor.id.slice(0, 13)}`, []],
    ];
    for (const [token, query, ids] of cases) assert.deepEqual(await idsOf('articles', query, token), ids, query);
    const mine = await read('articles', 'fields=id,created_by&filter[created_by][_eq]=$CURRENT_USER', editor.accessToken);
    assert.deepEqual(mine.body.data, [{ id: 12, created_by: editor.id }]);
  });

  it('reads * and *.* with every field and relation', async () => {
    const articleFields = ['author', 'body', 'created_at', 'created_by', 'featured', 'id', 'price', 'published_at', 'rating', 'status', 'tags', 'title', 'updated_at', 'updated_by'];
    const star = (await read('articles', 'fields=*&filter[id][_eq]=1')).body.data;
    assert.equal(star.length, 1);
    assert.deepEqual(Object.keys(star[0]).sort(), articleFields);
    assert.equal(star[0].author, 1);
    assert.equal(star[0].created_by, owner.id);
    assert.match(star[0].created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const byDefault = (await read('articles', 'filter[id][_eq]=1')).body.data;
    assert.deepEqual(byDefault, star);

    const [row] = (await read('articles', 'fields=*.*&filter[id][_eq]=1')).body.data;
    const system = ['created_at', 'created_by', 'id', 'updated_at', 'updated_by'];
    assert.deepEqual(Object.keys(row).sort(), [...articleFields, 'comments', 'topics'].sort());
    assert.deepEqual(Object.keys(row.author).sort(), [...system, 'born', 'country', 'name'].sort());
    assert.equal(row.author.name, 'Ann');
    assert.equal(row.author.born, '1970-01-01');
    assert.deepEqual(row.comments.map((c: { id: number }) => c.id), [1, 2, 3]);
    assert.deepEqual(Object.keys(row.comments[0]).sort(), [...system, 'article', 'likes', 'text'].sort());
    assert.deepEqual(row.comments.map((c: { text: string; likes: number; article: number }) => [c.text, c.likes, c.article]), [
      ['Great', 10, 1],
      ['meh', 2, 1],
      ['GREAT!', 10, 1],
    ]);
    assert.deepEqual(row.topics.map((t: { label: string }) => t.label), ['cats', 'tech']);
    assert.deepEqual(Object.keys(row.topics[0]).sort(), [...system, 'label'].sort());

    const [withComments] = (await read('articles', 'fields=id,comments.*&filter[id][_eq]=2')).body.data;
    assert.deepEqual(withComments.comments.map((c: { id: number; text: string }) => [c.id, c.text]), [
      [4, 'ok'],
      [9, 'ok '],
    ]);
    assert.deepEqual(Object.keys(withComments.comments[0]).sort(), [...system, 'article', 'likes', 'text'].sort());
  });

  it('answers one item with deep: its related lists filtered, sorted and limited', async () => {
    const one = await read('articles/1', 'fields=id,comments.id,comments.likes&deep[comments][_sort]=likes&deep[comments][_offset]=1&deep[comments][_limit]=1');
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body.data, { id: 1, comments: [{ id: 1, likes: 10 }] });
    const sorted = await read('articles/10', 'fields=id,topics.label&deep[topics][_sort]=-label');
    assert.deepEqual(sorted.body.data, { id: 10, topics: [{ id: 2, label: 'travel' }, { id: 3, label: 'tech' }] });
    const refused = await read('articles/1', 'fields=id,comments.id&deep[comments][_sort]=nope');
    assert.equal(refused.status, 400, refused.text);
  });

  it('answers one item with fields through relations', async () => {
    const one = await read('articles/5', 'fields=title,author.name,topics.label,comments.text');
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body.data, {
      id: 5,
      title: 'Café crème',
      author: { id: 3, name: 'Chloé' },
      topics: [{ id: 2, label: 'travel' }],
      comments: [
        { id: 5, text: 'Très bien' },
        { id: 6, text: 'nice 東京' },
      ],
    });
  });
});
