// The baseline of the benchmark: a minimal node:http server with a connection pool, answering the
// benchmark requests with hand-written SQL and the same JSON shape as Cairn, on tables of its own
// (bench/baseline-schema.mjs: the same columns and rows as Cairn's, and the plain indexes a hand-written
// server would make: (status, published_at) and (author)).
// It is what the stack (Node + the database driver + the database) can do with no framework, no
// query compiler and no real auth: the practical limit Cairn's numbers are divided by.
//
// Started by bench/run.mjs as a child process (fork) with its settings in the environment; it tells
// the parent its port over IPC once it listens.

import { createServer } from 'node:http';
import { datetimeParam, dialect, openDatabase } from './db.mjs';
import { baselineThumbnail } from './thumbnail.mjs';

const env = process.env;
const kind = env.BASELINE_DB_KIND;
const { quote: q, placeholder: p } = dialect(kind);
const articles = q(env.BASELINE_ARTICLES_TABLE);
const authors = q(env.BASELINE_AUTHORS_TABLE);
const comments = q(env.BASELINE_COMMENTS_TABLE);
const tags = q(env.BASELINE_TAGS_TABLE);
const junction = q(env.BASELINE_JUNCTION_TABLE);
const base = `/api/v1/w/${env.BASELINE_WORKSPACE}/items/articles`;
const graphqlPath = `/api/v1/w/${env.BASELINE_WORKSPACE}/graphql`;
// handler_endpoint: Cairn runs a sandboxed handler that reads the article; here it is get_by_id's read.
const customArticles = `/api/v1/w/${env.BASELINE_WORKSPACE}/custom/articles`;
const STATUSES = new Set(['draft', 'published', 'archived']);
const MAX_LIMIT = 1000;
const MAX_BODY = 1024 * 1024;

// Cairn answers every field of an article, system fields first, in this order.
const COLUMNS = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'title', 'body', 'status', 'rating', 'published_at', 'author'];
const columnList = COLUMNS.map(q).join(', ');

const SQL = {
  byId: `SELECT ${columnList} FROM ${articles} WHERE ${q('id')} = ${p(1)}`,
  // The query a hand-written server has, which its plain (status, published_at) index serves walked
  // backwards, ties included: InnoDB and SQLite end every index with the key (PostgreSQL sorts a tie's
  // few rows). Cairn orders ties by id ascending and puts NULLs last; no two published articles share a
  // published_at and none lacks one, so both answer the same rows (the bench checks it). With id ASC,
  // MariaDB could not use the index for the order and would sort 60,000 rows per request.
  filtered: `SELECT ${columnList} FROM ${articles} WHERE ${q('status')} = ${p(1)} AND ${q('rating')} >= ${p(2)} ORDER BY ${q('published_at')} DESC, ${q('id')} DESC LIMIT ${p(3)}`,
  // One statement instead of Cairn's two (the page, then the authors of the page). The page is cut
  // before the join: joining first would make the database join every skipped row of the offset.
  expand:
    `SELECT a.${q('id')} AS ${q('id')}, a.${q('title')} AS ${q('title')}, a.${q('author')} AS ${q('author_id')}, au.${q('name')} AS ${q('author_name')} ` +
    `FROM (SELECT ${q('id')}, ${q('title')}, ${q('author')} FROM ${articles} ORDER BY ${q('id')} ASC LIMIT ${p(1)} OFFSET ${p(2)}) a ` +
    `LEFT JOIN ${authors} au ON au.${q('id')} = a.${q('author')} ORDER BY a.${q('id')} ASC`,
  // list_counts: the page cut first, then each of its 20 articles' comments counted in the (article) index.
  counts:
    `SELECT a.${q('id')} AS ${q('id')}, a.${q('title')} AS ${q('title')}, (SELECT COUNT(*) FROM ${comments} c WHERE c.${q('article')} = a.${q('id')}) AS ${q('comments_count')} ` +
    `FROM (SELECT ${q('id')}, ${q('title')} FROM ${articles} ORDER BY ${q('id')} ASC LIMIT ${p(1)} OFFSET ${p(2)}) a ORDER BY a.${q('id')} ASC`,
  // status is NOT NULL here, so the order of NULLs does not arise.
  aggregate: `SELECT ${q('status')} AS ${q('status')}, COUNT(*) AS ${q('count')} FROM ${articles} GROUP BY ${q('status')} ORDER BY ${q('status')}`,
  insert:
    `INSERT INTO ${articles} (${['created_at', 'updated_at', 'title', 'body', 'status', 'rating', 'published_at', 'author'].map(q).join(', ')}) ` +
    `VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map(p).join(', ')})`,
};
// PostgreSQL and SQLite answer the new row in the same statement; MySQL needs a second one.
const INSERT_RETURNING = kind === 'mysql' ? null : `${SQL.insert} RETURNING ${columnList}`;

const db = await openDatabase(kind, env.BASELINE_DB_LOCATION, { poolSize: Number(env.BASELINE_POOL_SIZE ?? 10) });
// thumbnail_cached: a thumbnail made once with sharp, then read from a cache folder (bench/thumbnail.mjs).
const thumbnail = env.BASELINE_THUMBNAIL_SOURCE
  ? baselineThumbnail({ db, quote: q, placeholder: p, workspace: env.BASELINE_WORKSPACE, sourceDir: env.BASELINE_THUMBNAIL_SOURCE, cacheDir: env.BASELINE_THUMBNAIL_CACHE })
  : null;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function integer(value, name, min, max) {
  const number = Number(value);
  if (value === null || value === '' || !Number.isInteger(number) || number < min || number > max) throw new HttpError(400, `invalid ${name}`);
  return number;
}

/** Dates as Cairn answers them: ISO 8601 in UTC with milliseconds (SQLite holds them as that text already). */
function article(row) {
  for (const name of ['created_at', 'updated_at', 'published_at']) {
    if (row[name] instanceof Date) row[name] = row[name].toISOString();
  }
  return row;
}

async function getById(id) {
  const key = Number(id);
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(key)) throw new HttpError(404, 'Item not found.');
  const [row] = await db.query(SQL.byId, [key]);
  if (!row) throw new HttpError(404, 'Item not found.');
  return { data: article(row) };
}

async function list(params) {
  if (params.has('aggregate[count]')) {
    if (params.get('aggregate[count]') !== '*' || params.get('groupBy') !== 'status') throw new HttpError(400, 'unsupported aggregate');
    const rows = await db.query(SQL.aggregate);
    return { data: rows.map((row) => ({ status: row.status, count: Number(row.count) })) };
  }
  const limit = integer(params.get('limit') ?? '100', 'limit', 1, MAX_LIMIT);
  if (params.get('fields') === 'id,title,count(comments)') {
    const offset = integer(params.get('offset') ?? '0', 'offset', 0, Number.MAX_SAFE_INTEGER);
    const rows = await db.query(SQL.counts, [limit, offset]);
    return { data: rows.map((row) => ({ id: row.id, title: row.title, comments_count: Number(row.comments_count) })) };
  }
  if (params.has('fields')) {
    if (params.get('fields') !== 'id,title,author.name') throw new HttpError(400, 'unsupported fields');
    const offset = integer(params.get('offset') ?? '0', 'offset', 0, Number.MAX_SAFE_INTEGER);
    const rows = await db.query(SQL.expand, [limit, offset]);
    return { data: rows.map((row) => ({ id: row.id, title: row.title, author: row.author_id === null ? null : { name: row.author_name } })) };
  }
  const status = params.get('filter[status][_eq]');
  const rating = params.get('filter[rating][_gte]');
  if (status === null || rating === null || params.get('sort') !== '-published_at') throw new HttpError(400, 'unsupported query');
  const rows = await db.query(SQL.filtered, [status, integer(rating, 'rating', -(2 ** 31), 2 ** 31 - 1), limit]);
  return { data: rows.map(article) };
}

/** list_expand's page for graphql_list: the offset from the variables, the rest of the query taken as read. */
async function graphqlList(req) {
  const input = await readJson(req);
  const offset = integer(String(input?.variables?.offset ?? ''), 'offset', 0, Number.MAX_SAFE_INTEGER);
  const rows = await db.query(SQL.expand, [20, offset]);
  return { data: { articles: rows.map((row) => ({ id: row.id, title: row.title, author: row.author_id === null ? null : { name: row.author_name } })) } };
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'payload too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid JSON');
  }
}

async function create(req) {
  const input = await readJson(req);
  // The checks any hand-written endpoint would make; Cairn's validator does these and more.
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'expected an object');
  if (typeof input.title !== 'string' || input.title.length === 0 || input.title.length > 255) throw new HttpError(400, 'invalid title');
  if (input.body !== undefined && input.body !== null && typeof input.body !== 'string') throw new HttpError(400, 'invalid body');
  if (!STATUSES.has(input.status)) throw new HttpError(400, 'invalid status');
  const rating = input.rating === undefined || input.rating === null ? null : integer(input.rating, 'rating', -(2 ** 31), 2 ** 31 - 1);
  const author = input.author === undefined || input.author === null ? null : integer(input.author, 'author', 1, 2 ** 31 - 1);
  const publishedAt = input.published_at === undefined || input.published_at === null ? null : new Date(input.published_at);
  if (publishedAt && Number.isNaN(publishedAt.getTime())) throw new HttpError(400, 'invalid published_at');

  const now = datetimeParam(new Date(), kind);
  const values = [now, now, input.title, input.body ?? null, input.status, rating, publishedAt && datetimeParam(publishedAt, kind), author];
  if (input.tags !== undefined) return createNested(input, values);
  if (INSERT_RETURNING) return { data: article((await db.query(INSERT_RETURNING, values))[0]) };
  const { insertId } = await db.run(SQL.insert, values);
  return { data: article((await db.query(SQL.byId, [insertId]))[0]) };
}

/** nested_create: the article, its new tags and their links, in one transaction of three statements. */
const TAG_COUNT = 3;
const values = (count, width, from = 1) => Array.from({ length: count }, (_, row) => `(${Array.from({ length: width }, (_, column) => p(from + row * width + column)).join(', ')})`).join(', ');
const NESTED_SQL = {
  tags: `INSERT INTO ${tags} (${['created_at', 'updated_at', 'name'].map(q).join(', ')}) VALUES ${values(TAG_COUNT, 3)}`,
  links: `INSERT INTO ${junction} (${['created_at', 'updated_at', 'articles_id', 'tags_id'].map(q).join(', ')}) VALUES ${values(TAG_COUNT, 4)}`,
};

async function createNested(input, articleValues) {
  if (!Array.isArray(input.tags) || input.tags.length !== TAG_COUNT) throw new HttpError(400, `expected ${TAG_COUNT} tags`);
  const names = input.tags.map((tag) => {
    if (typeof tag?.name !== 'string' || tag.name.length === 0 || tag.name.length > 255) throw new HttpError(400, 'invalid tag name');
    return tag.name;
  });
  const now = articleValues[0];
  const tagValues = names.flatMap((name) => [now, now, name]);
  const linkValues = (articleId, tagIds) => tagIds.flatMap((tagId) => [now, now, articleId, tagId]);
  if (kind === 'sqlite') {
    return { data: article(db.transaction((prepare) => {
      const row = prepare(INSERT_RETURNING).get(articleValues);
      const tagIds = prepare(`${NESTED_SQL.tags} RETURNING ${q('id')}`).all(tagValues).map((tag) => tag.id);
      prepare(NESTED_SQL.links).run(linkValues(row.id, tagIds));
      return row;
    })) };
  }
  return { data: article(await db.transaction(async (tx) => {
    if (kind === 'postgres') {
      const [row] = await tx.query(INSERT_RETURNING, articleValues);
      const tagIds = (await tx.query(`${NESTED_SQL.tags} RETURNING ${q('id')}`, tagValues)).map((tag) => tag.id);
      await tx.query(NESTED_SQL.links, linkValues(row.id, tagIds));
      return row;
    }
    // MariaDB: a multi-row INSERT's ids follow one another from insertId.
    const { insertId } = await tx.query(SQL.insert, articleValues);
    const first = (await tx.query(NESTED_SQL.tags, tagValues)).insertId;
    await tx.query(NESTED_SQL.links, linkValues(insertId, names.map((_, index) => first + index)));
    return (await tx.query(SQL.byId, [insertId]))[0];
  })) };
}

async function handle(req) {
  const authorization = req.headers.authorization;
  if (typeof authorization !== 'string' || !/^Bearer\s+\S+/i.test(authorization)) throw new HttpError(401, 'Authentication required.');
  const mark = req.url.indexOf('?');
  const path = mark === -1 ? req.url : req.url.slice(0, mark);
  const params = new URLSearchParams(mark === -1 ? '' : req.url.slice(mark + 1));
  if (path === base) {
    if (req.method === 'GET') return list(params);
    if (req.method === 'POST') return create(req);
  } else if (req.method === 'GET' && path.startsWith(`${base}/`)) {
    return getById(path.slice(base.length + 1));
  } else if (req.method === 'POST' && path === graphqlPath) {
    return graphqlList(req);
  } else if (req.method === 'GET' && path.startsWith(`${customArticles}/`)) {
    return getById(path.slice(customArticles.length + 1));
  }
  throw new HttpError(404, 'Not found.');
}

/** The thumbnail's answer is an image written by its handler; everything else is JSON. */
async function serveImage(req, res) {
  if (!thumbnail) return false;
  const authorization = req.headers.authorization;
  if (typeof authorization !== 'string' || !/^Bearer\s+\S+/i.test(authorization)) return false;
  const mark = req.url.indexOf('?');
  return thumbnail(req, res, mark === -1 ? req.url : req.url.slice(0, mark), new URLSearchParams(mark === -1 ? '' : req.url.slice(mark + 1)));
}

const server = createServer(async (req, res) => {
  try {
    if (await serveImage(req, res)) return;
  } catch (error) {
    process.stderr.write(`baseline: ${error?.stack ?? error}\n`);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal error.' }] });
    return;
  }
  handle(req).then(
    (payload) => send(res, 200, payload),
    (error) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) process.stderr.write(`baseline: ${error?.stack ?? error}\n`);
      send(res, status, { errors: [{ message: status === 500 ? 'Internal error.' : error.message }] });
    },
  );
});
server.keepAliveTimeout = 65_000;

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  // Requests a load run left in flight finish before the pool closes, so they do not fail noisily.
  const closed = new Promise((done) => server.close(done));
  server.closeIdleConnections?.();
  await Promise.race([closed, new Promise((done) => setTimeout(done, 5_000))]);
  await db.close().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.on('disconnect', shutdown);

server.listen(Number(env.BASELINE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ ready: true, port });
  else process.stdout.write(`baseline listening on 127.0.0.1:${port}\n`);
});
