// The baseline server's own tables: what a sensible hand-written server on node:http would have made
// for the same data. The same columns and types as the tables Cairn makes for `authors` and
// `articles` (so that both answer the same JSON), a real foreign key, and the plain indexes such a
// server needs for its queries: (status, published_at) for the filtered list, (author) for the
// foreign key. Nothing here touches Cairn's tables: Cairn gets only what its API makes.

import { dialect } from './db.mjs';

export const BASELINE_TABLES = { authors: 'raw_authors', articles: 'raw_articles', comments: 'raw_comments', tags: 'raw_tags', junction: 'raw_articles_tags' };

/** Column definitions per database, in the order of Cairn's tables (system fields first). */
function columns(kind, text) {
  const id = { postgres: 'serial PRIMARY KEY', mysql: 'int NOT NULL AUTO_INCREMENT PRIMARY KEY', sqlite: 'integer PRIMARY KEY AUTOINCREMENT' }[kind];
  const datetime = { postgres: 'timestamptz(3)', mysql: 'datetime(3)', sqlite: 'datetime' }[kind];
  const longText = kind === 'mysql' ? 'longtext' : 'text';
  const integer = kind === 'sqlite' ? 'integer' : 'int';
  const system = [
    ['id', id],
    ['created_at', `${datetime} NOT NULL`],
    ['updated_at', `${datetime} NOT NULL`],
    ['created_by', text('varchar(36)')],
    ['updated_by', text('varchar(36)')],
  ];
  return {
    authors: [...system, ['name', text('varchar(255)', 'NOT NULL')], ['email', text('varchar(255)')]],
    articles: [
      ...system,
      ['title', text('varchar(255)', 'NOT NULL')],
      ['body', text(longText)],
      ['status', text('varchar(255)', 'NOT NULL')],
      ['rating', integer],
      ['published_at', datetime],
      ['author', integer],
    ],
    comments: [...system, ['body', text('varchar(255)')], ['article', integer]],
    tags: [...system, ['name', text('varchar(255)', 'NOT NULL')]],
    junction: [...system, ['articles_id', `${integer} NOT NULL`], ['tags_id', `${integer} NOT NULL`]],
  };
}

/**
 * Makes the baseline's tables on the bench database and fills them with a copy of Cairn's rows (same
 * ids, same values), so that both servers hold the same data in tables of their own.
 */
export async function createBaselineTables(db, cairnTables) {
  const { quote: q } = dialect(db.kind);
  // On MySQL Cairn compares text byte for byte with a binary collation; the baseline does the same.
  let collation = null;
  if (db.kind === 'mysql') {
    const [{ v }] = await db.query('SELECT VERSION() AS v');
    collation = /mariadb/i.test(v) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
  }
  const text = (type, extra = '') => [type, collation && `COLLATE ${collation}`, extra].filter(Boolean).join(' ');
  const { authors, articles, comments, tags, junction } = columns(db.kind, text);
  const definition = (list) => list.map(([name, type]) => `${q(name)} ${type}`).join(', ');
  const { authors: rawAuthors, articles: rawArticles, comments: rawComments } = BASELINE_TABLES;

  await db.run(`CREATE TABLE ${q(rawAuthors)} (${definition(authors)})`);
  const foreignKey = `FOREIGN KEY (${q('author')}) REFERENCES ${q(rawAuthors)} (${q('id')}) ON DELETE SET NULL`;
  const indexes = [
    ['raw_articles_status_published_at', ['status', 'published_at']],
    ['raw_articles_author', ['author']],
  ];
  const on = (list) => `(${list.map(q).join(', ')})`;
  if (db.kind === 'mysql') {
    // Declared with the table, so that the foreign key uses (author) instead of making its own index.
    const keys = indexes.map(([name, list]) => `KEY ${q(name)} ${on(list)}`).join(', ');
    await db.run(`CREATE TABLE ${q(rawArticles)} (${definition(articles)}, ${keys}, ${foreignKey})`);
  } else {
    await db.run(`CREATE TABLE ${q(rawArticles)} (${definition(articles)}, ${foreignKey})`);
    for (const [name, list] of indexes) await db.run(`CREATE INDEX ${q(name)} ON ${q(rawArticles)} ${on(list)}`);
  }

  // list_counts: comments with a real foreign key and the index on it that counting them by article needs.
  const commentKey = `FOREIGN KEY (${q('article')}) REFERENCES ${q(rawArticles)} (${q('id')}) ON DELETE SET NULL`;
  if (db.kind === 'mysql') {
    await db.run(`CREATE TABLE ${q(rawComments)} (${definition(comments)}, KEY ${q('raw_comments_article')} (${q('article')}), ${commentKey})`);
  } else {
    await db.run(`CREATE TABLE ${q(rawComments)} (${definition(comments)}, ${commentKey})`);
    await db.run(`CREATE INDEX ${q('raw_comments_article')} ON ${q(rawComments)} (${q('article')})`);
  }
  // nested_create's tables, empty: tags and the junction that links them to articles, as Cairn's
  // many-to-many makes them (both keys cascade, each indexed).
  const { tags: rawTags, junction: rawJunction } = BASELINE_TABLES;
  await db.run(`CREATE TABLE ${q(rawTags)} (${definition(tags)})`);
  const cascade = (column, table) => `FOREIGN KEY (${q(column)}) REFERENCES ${q(table)} (${q('id')}) ON DELETE CASCADE`;
  await db.run(`CREATE TABLE ${q(rawJunction)} (${definition(junction)}, ${cascade('articles_id', rawArticles)}, ${cascade('tags_id', rawTags)})`);
  for (const column of ['articles_id', 'tags_id']) await db.run(`CREATE INDEX ${q(`${rawJunction}_${column}`)} ON ${q(rawJunction)} (${q(column)})`);

  for (const [raw, cairn, list] of [
    [rawAuthors, cairnTables.authors, authors],
    [rawArticles, cairnTables.articles, articles],
    [rawComments, cairnTables.comments, comments],
  ]) {
    const names = list.map(([name]) => q(name)).join(', ');
    await db.run(`INSERT INTO ${q(raw)} (${names}) SELECT ${names} FROM ${q(cairn)} ORDER BY ${q('id')}`);
    // Ids were copied: the next one made must follow them (MySQL and SQLite move on by themselves).
    if (db.kind === 'postgres') await db.run(`SELECT setval(pg_get_serial_sequence('${raw}', 'id'), (SELECT MAX(${q('id')}) FROM ${q(raw)}))`);
  }
  return BASELINE_TABLES;
}
