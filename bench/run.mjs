// npm run bench: Cairn against the practical limit of its own stack, on PostgreSQL, SQLite and MariaDB.
//
// For each database of BENCH_DATABASES: makes a fresh database, starts Cairn (dist/main.js) and builds
// the schema through Cairn's API only — collections, fields, the relation and the composite index —
// adds 1,000 authors through the API and 100,000 articles through SQL, copies them into the baseline
// server's own hand-made tables, then starts that server (bench/baseline-server.mjs: node:http + the
// driver + hand-written SQL) and loads both with autocannon, scenario by scenario. Prints one table per
// database, writes bench/results/<short commit>.json, and always stops the servers and drops the
// databases. See bench/README.md.

import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { freePort, sleep } from './cairn.mjs';
import { realtimeFanout } from './realtime-fanout.mjs';
import { prepareThumbnail, thumbnailScenario } from './thumbnail.mjs';
import { BASELINE_TABLES, createBaselineTables } from './baseline-schema.mjs';
import { createBenchDatabase, DATABASE_KINDS, datetimeParam, DEFAULT_ADMIN_URLS, dialect, openDatabase, serverVersion, tableIndexes } from './db.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const RESULTS_DIR = join(BENCH_DIR, 'results');

// ----- settings -----

function intSetting(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) fail(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const ALL_SCENARIOS = ['get_by_id', 'list_filtered', 'list_expand', 'list_counts', 'graphql_list', 'handler_endpoint', 'aggregate', 'thumbnail_cached', 'create', 'nested_create'];
/** Scenarios measured on their own, not against the baseline. */
const OWN_SCENARIOS = ['realtime_fanout'];
/** Ratio Cairn ÷ baseline each scenario must reach, the same on every database. */
const TARGETS = { get_by_id: 0.6, list_filtered: 0.6, list_expand: 0.6, list_counts: 0.5, graphql_list: 0.5, handler_endpoint: 0.25, aggregate: 0.6, thumbnail_cached: 0.5, create: 0.5, nested_create: 0.5 };
const DATABASE_LABELS = { postgres: 'PostgreSQL', sqlite: 'SQLite', mysql: 'MariaDB' };

const list = (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean);

if (process.env.BENCH_DATABASE) fail('BENCH_DATABASE is now BENCH_DATABASES, a comma list (postgres,sqlite,mysql)');
if (process.env.BENCH_DATABASE_URL) fail('BENCH_DATABASE_URL is now BENCH_POSTGRES_URL and BENCH_MYSQL_URL');
if (process.env.BENCH_INDEX) fail('BENCH_INDEX is gone: the bench makes no index of its own; BENCH_COMPOSITE_INDEX=none skips the composite index made through the API');

const settings = {
  databases: list(process.env.BENCH_DATABASES || 'postgres,sqlite,mysql'),
  duration: intSetting('BENCH_DURATION', 10, 1),
  warmup: intSetting('BENCH_WARMUP', 3, 0),
  rounds: intSetting('BENCH_ROUNDS', 1, 1),
  connections: intSetting('BENCH_CONNECTIONS', 32, 1),
  poolSize: intSetting('BENCH_POOL_SIZE', 10, 1),
  authors: intSetting('BENCH_AUTHORS', 1000, 1),
  articles: intSetting('BENCH_ARTICLES', 100_000, 100),
  scenarios: list(process.env.BENCH_SCENARIOS || [...ALL_SCENARIOS, ...OWN_SCENARIOS].join(',')),
  // "api" (the default): the composite index (status, -published_at) is made through Cairn's API, as a
  // user makes it. "none": a diagnostic run without it, which is not a target run.
  compositeIndex: process.env.BENCH_COMPOSITE_INDEX || 'api',
  enforceTargets: process.env.BENCH_ENFORCE_TARGETS === '1',
  keepDatabase: process.env.BENCH_KEEP_DATABASE === '1',
  cairnEntry: process.env.BENCH_CAIRN_ENTRY || null,
  cairnNodeArgs: (process.env.BENCH_CAIRN_NODE_ARGS || '').split(/\s+/).filter(Boolean),
  baselineNodeArgs: (process.env.BENCH_BASELINE_NODE_ARGS || '').split(/\s+/).filter(Boolean),
  redisUrl: process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  fanout: {
    subscribersPerInstance: intSetting('BENCH_FANOUT_SUBSCRIBERS', 1000, 1),
    workers: intSetting('BENCH_FANOUT_THREADS', 2, 1),
    intervalMs: intSetting('BENCH_FANOUT_INTERVAL_MS', 10, 1),
    durationS: intSetting('BENCH_FANOUT_DURATION', 10, 1),
  },
};
for (const kind of settings.databases) if (!DATABASE_KINDS.includes(kind)) fail(`unknown database "${kind}" in BENCH_DATABASES (known: ${DATABASE_KINDS.join(', ')})`);
if (settings.databases.length === 0) fail('BENCH_DATABASES names no database');
if (new Set(settings.databases).size !== settings.databases.length) fail('BENCH_DATABASES names a database twice');
for (const name of settings.scenarios) if (![...ALL_SCENARIOS, ...OWN_SCENARIOS].includes(name)) fail(`unknown scenario "${name}" in BENCH_SCENARIOS (known: ${[...ALL_SCENARIOS, ...OWN_SCENARIOS].join(', ')})`);
if (!['api', 'none'].includes(settings.compositeIndex)) fail('BENCH_COMPOSITE_INDEX must be api (the default) or none');
if (settings.authors > 1000) fail('BENCH_AUTHORS may be at most 1000 (one API batch)');

/** Per database: its admin URL, and its own warm-up and duration where BENCH_WARMUP_<DB> / BENCH_DURATION_<DB> set them. */
const perDatabase = Object.fromEntries(
  settings.databases.map((kind) => [
    kind,
    {
      adminUrl: process.env[`BENCH_${kind.toUpperCase()}_URL`] || DEFAULT_ADMIN_URLS[kind],
      duration: intSetting(`BENCH_DURATION_${kind.toUpperCase()}`, settings.duration, 1),
      warmup: intSetting(`BENCH_WARMUP_${kind.toUpperCase()}`, settings.warmup, 0),
    },
  ]),
);
/** realtime_fanout needs two instances on one shared database: PostgreSQL, else MariaDB (SQLite belongs to one process). */
const fanoutDatabase = settings.scenarios.includes('realtime_fanout') ? (['postgres', 'mysql'].find((kind) => settings.databases.includes(kind)) ?? null) : null;

const log = (message) => process.stdout.write(`${message}\n`);

// ----- cleanup, also on Ctrl-C -----

const cleanups = [];
let unwinding = Promise.resolve();
/** Runs the cleanups pushed since the stack had `depth` entries, newest first (all of them by default). */
function cleanup(depth = 0) {
  unwinding = unwinding.then(async () => {
    while (cleanups.length > depth) {
      const [label, fn] = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`bench: cleanup "${label}" failed: ${error?.message ?? error}\n`);
      }
    }
  });
  return unwinding;
}
let currentLoad = null;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}: stopping the servers and dropping the bench databases…\n`);
    currentLoad?.stop();
    cleanup().finally(() => process.exit(130));
  });
}

// ----- small helpers -----

/** A deterministic generator, so every run seeds the same data. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'stone cairn trail summit ridge valley river granite marker path north south east west ' +
  'morning evening winter summer light shadow weather map compass route guide pass ' +
  'lake forest meadow cliff glacier snow rain wind cloud storm peak slope field camp ' +
  'journey walker climber shelter bridge harbour village tower signal beacon road ' +
  'quiet bright steep narrow ancient hidden open broad cold warm long short distant'
).split(' ');

function words(random, min, max) {
  const count = min + Math.floor(random() * (max - min + 1));
  const out = [];
  for (let i = 0; i < count; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]);
  return out.join(' ');
}

/** A process's output, the last lines kept for when something goes wrong. */
function captureOutput(child, label) {
  const lines = [];
  const keep = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { label, lines };
}

function stopChild(child, timeoutMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

async function request(baseUrl, method, path, { body, token, signal } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // left null: the check of the caller reports the text
  }
  return { status: response.status, body: json, text };
}

async function expectStatus(baseUrl, method, path, status, options) {
  const response = await request(baseUrl, method, path, options);
  if (response.status !== status) throw new Error(`${method} ${path} answered ${response.status}, expected ${status}: ${response.text.slice(0, 500)}`);
  return response.body;
}

// ----- the servers -----

/** The superadmin Cairn creates at start from CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD. */
const BENCH_ADMIN = { email: 'bench@example.com', password: randomBytes(12).toString('base64url') };

async function startCairn(databaseUrl, dataDir, extraEnv = {}) {
  const main = settings.cairnEntry ? resolve(settings.cairnEntry) : join(ROOT, 'dist', 'main.js');
  if (settings.cairnEntry && !existsSync(main)) throw new Error(`BENCH_CAIRN_ENTRY: ${main} does not exist`);
  if (!existsSync(main)) {
    log('dist/main.js is missing: building Cairn (npm run build)…');
    const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  const port = await freePort();
  const env = { ...process.env };
  // Nothing from the caller's environment reaches Cairn's configuration except what is set here.
  for (const name of Object.keys(env)) {
    if (/^(NODE_ENV|HOST|PORT|PUBLIC_URL|LOG_LEVEL|MAX_BODY_SIZE|TRUST_PROXY|SHUTDOWN_TIMEOUT|DATA_DIR|DATABASE_.*|REDIS_.*|JWT_.*|ACCESS_TOKEN_TTL|REFRESH_TOKEN_TTL|BCRYPT_ROUNDS|AUTH_.*|CAIRN_.*|QUERY_.*|MAX_BATCH_SIZE|RATE_LIMIT_.*|MAIL_.*|SMTP_URL|WEBHOOK_.*|HANDLER_.*)$/.test(name)) delete env[name];
  }
  Object.assign(env, {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(settings.poolSize),
    JWT_SECRET: randomBytes(36).toString('base64url'), // 48 characters
    BCRYPT_ROUNDS: '10',
    // The bench's account is the instance's superadmin, made at start (instances started later find it there).
    CAIRN_ADMIN_EMAIL: BENCH_ADMIN.email,
    CAIRN_ADMIN_PASSWORD: BENCH_ADMIN.password,
    // Counted as in production, but out of reach: the bench measures serving, not refusing.
    RATE_LIMIT_GLOBAL: '1000000000/1m',
    ...extraEnv,
  });
  const child = spawn(process.execPath, [...settings.cairnNodeArgs, main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child, 'cairn');
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (true) {
    if (child.exitCode !== null) throw new Error(`Cairn exited with code ${child.exitCode} while starting:\n${output.lines.join('\n')}`);
    try {
      const health = await fetch(`${baseUrl}/api/v1/health`);
      await health.arrayBuffer();
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Cairn did not become healthy within 60 s:\n${output.lines.join('\n')}`);
    await sleep(200);
  }
  return { child, output, baseUrl };
}

async function startBaseline(kind, location, tables, workspace, thumbnailDirs) {
  return forkBaseline('baseline-server.mjs', 'baseline server', kind, location, {
    BASELINE_ARTICLES_TABLE: tables.articles,
    BASELINE_AUTHORS_TABLE: tables.authors,
    BASELINE_COMMENTS_TABLE: tables.comments,
    BASELINE_TAGS_TABLE: tables.tags,
    BASELINE_JUNCTION_TABLE: tables.junction,
    BASELINE_WORKSPACE: workspace,
    ...(thumbnailDirs ? { BASELINE_THUMBNAIL_SOURCE: thumbnailDirs.source, BASELINE_THUMBNAIL_CACHE: thumbnailDirs.cache } : {}),
  });
}

/** Starts the baseline of realtime_fanout (bench/baseline-fanout-server.mjs). */
async function startBaselineFanout(kind, location, { table, redisUrl, channel }) {
  return forkBaseline('baseline-fanout-server.mjs', 'baseline fan-out server', kind, location, { FANOUT_TABLE: table, FANOUT_REDIS_URL: redisUrl, FANOUT_CHANNEL: channel });
}

/** Forks a baseline server of bench/ on the bench database; answers { child, output, baseUrl } once it listens. */
async function forkBaseline(file, label, kind, location, extraEnv) {
  const child = fork(join(BENCH_DIR, file), [], {
    cwd: ROOT,
    execArgv: settings.baselineNodeArgs,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      BASELINE_DB_KIND: kind,
      BASELINE_DB_LOCATION: location,
      BASELINE_POOL_SIZE: String(settings.poolSize),
      ...extraEnv,
    },
  });
  const output = captureOutput(child, label);
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${label} did not start within 30 s:\n${output.lines.join('\n')}`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolvePort(message.port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${label} exited with code ${code}:\n${output.lines.join('\n')}`));
    });
  });
  return { child, output, baseUrl: `http://127.0.0.1:${port}` };
}

/** One server's realtime_fanout figures, and where the CPU went meanwhile. */
function logFanout(name, result) {
  log(`realtime_fanout (${name}): delivered ${result.delivered} of ${result.expected} (${result.lost} lost), p50 ${result.latency_ms.p50} ms, p99 ${result.latency_ms.p99} ms, max ${result.latency_ms.max} ms; ` +
    `${result.writes} writes in ${result.write_seconds} s (${result.failed_writes} failed; each answered in p50 ${result.write_latency_ms.p50} ms, p99 ${result.write_latency_ms.p99} ms)`);
  if (!result.cpu) return;
  const { cores_used: cores, machine_busy_percent: busy } = result.cpu;
  log(`  cores while measured: ${Object.entries(cores).map(([server, value]) => `${server} ${value}`).join(', ')}; machine ${busy}% busy${result.cpu.noisy ? ' (noisy: other programs were busy)' : ''}`);
}

// ----- seeding -----

/**
 * The bench's schema, made as a user makes it, all through Cairn's API: a workspace of the bench's
 * account, an admin API key, the collections `authors` and `articles` (`index: true` on status and
 * published_at), the many-to-one `articles.author`, the composite index (status, -published_at) and the
 * custom endpoint of handler_endpoint. Answers the composite index as Cairn reported it (null when
 * BENCH_COMPOSITE_INDEX=none skipped it).
 */
async function bootstrap(cairnUrl) {
  const login = await expectStatus(cairnUrl, 'POST', '/api/v1/auth/login', 200, { body: BENCH_ADMIN });
  const token = login.data.access_token;
  const workspace = (await expectStatus(cairnUrl, 'POST', '/api/v1/workspaces', 201, { body: { name: 'Bench', slug: 'bench' }, token })).data;
  const key = (await expectStatus(cairnUrl, 'POST', `/api/v1/workspaces/${workspace.slug}/api-keys`, 201, { body: { name: 'bench', role: 'admin' }, token })).data.key;

  const ws = `/api/v1/w/${workspace.slug}`;
  await expectStatus(cairnUrl, 'POST', `${ws}/collections`, 201, {
    token: key,
    body: {
      collection: 'authors',
      fields: [
        { field: 'name', type: 'string', required: true },
        { field: 'email', type: 'string' },
      ],
    },
  });
  await expectStatus(cairnUrl, 'POST', `${ws}/collections`, 201, {
    token: key,
    body: {
      collection: 'articles',
      fields: [
        { field: 'title', type: 'string', required: true },
        { field: 'body', type: 'text' },
        { field: 'status', type: 'enum', values: ['draft', 'published', 'archived'], required: true, index: true },
        { field: 'rating', type: 'integer' },
        { field: 'published_at', type: 'datetime', index: true },
      ],
    },
  });
  const relation = await request(cairnUrl, 'POST', `${ws}/relations`, { token: key, body: { collection: 'articles', field: 'author', related_collection: 'authors' } });
  if (relation.status !== 200 && relation.status !== 201) throw new Error(`POST ${ws}/relations answered ${relation.status}: ${relation.text.slice(0, 500)}`);
  // list_counts: comments of articles, counted as count(comments) through the one-to-many `articles.comments`.
  await expectStatus(cairnUrl, 'POST', `${ws}/collections`, 201, { token: key, body: { collection: 'comments', fields: [{ field: 'body', type: 'string' }] } });
  const comments = await request(cairnUrl, 'POST', `${ws}/relations`, { token: key, body: { collection: 'comments', field: 'article', related_collection: 'articles', one_field: 'comments' } });
  if (comments.status !== 200 && comments.status !== 201) throw new Error(`POST ${ws}/relations answered ${comments.status}: ${comments.text.slice(0, 500)}`);
  // nested_create: tags, many-to-many with articles through the junction articles_tags.
  await expectStatus(cairnUrl, 'POST', `${ws}/collections`, 201, { token: key, body: { collection: 'tags', fields: [{ field: 'name', type: 'string', required: true }] } });
  await expectStatus(cairnUrl, 'POST', `${ws}/relations`, 201, { token: key, body: { collection: 'articles', field: 'tags', related_collection: 'tags', junction: true } });
  const compositeIndex = settings.compositeIndex === 'api' ? await makeCompositeIndex(cairnUrl, ws, key) : null;
  // handler_endpoint: get_by_id's read, made by a sandboxed handler through items().
  await expectStatus(cairnUrl, 'POST', `${ws}/handlers`, 201, {
    token: key,
    body: { name: 'bench article', kind: 'endpoint', method: 'GET', path: '/articles/:id', code: "module.exports = async (ctx) => ctx.items('articles').readOne(ctx.request.params.id);" },
  });
  return { workspace, key, ws, compositeIndex };
}

/** The index list_filtered needs, through the endpoint a user has for it; anything but 201 ends the run. */
async function makeCompositeIndex(cairnUrl, ws, key) {
  const path = `${ws}/collections/articles/indexes`;
  const body = { fields: ['status', '-published_at'], unique: false };
  const response = await request(cairnUrl, 'POST', path, { token: key, body });
  if (response.status !== 201) {
    throw new Error(
      `POST ${path} ${JSON.stringify(body)} answered ${response.status}, expected 201: ${response.text.slice(0, 500)}\n` +
        'The bench makes its composite index only through this endpoint. BENCH_COMPOSITE_INDEX=none runs without it (a diagnostic run, not a target run).',
    );
  }
  return response.body?.data ?? null;
}

async function seedAuthors(cairnUrl, ws, key) {
  const random = prng(7);
  const authors = Array.from({ length: settings.authors }, (_, i) => ({ name: `${words(random, 1, 1)} ${words(random, 1, 1)} ${i + 1}`, email: `author${i + 1}@example.com` }));
  const created = await expectStatus(cairnUrl, 'POST', `${ws}/items/authors`, 200, { token: key, body: authors });
  return created.data.map((author) => author.id);
}

/** 100,000 articles in multi-row INSERTs into Cairn's table (one transaction of prepared inserts on SQLite). */
async function seedArticles(db, table, authorIds) {
  const { quote: q, placeholder: p } = dialect(db.kind);
  const random = prng(42);
  const STATUS_BY_CHANCE = (r) => (r < 0.6 ? 'published' : r < 0.85 ? 'draft' : 'archived');
  const start = Date.UTC(2022, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  const columns = ['created_at', 'updated_at', 'title', 'body', 'status', 'rating', 'published_at', 'author'];
  const row = () => {
    const published = new Date(start + Math.floor(random() * span));
    const created = datetimeParam(new Date(published.getTime() - Math.floor(random() * 7 * 86_400_000)), db.kind);
    return [
      created,
      created,
      words(random, 3, 8),
      words(random, 40, 100),
      STATUS_BY_CHANCE(random()),
      1 + Math.floor(random() * 5),
      datetimeParam(published, db.kind),
      authorIds[Math.floor(random() * authorIds.length)],
    ];
  };
  const into = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES `;
  if (db.kind === 'sqlite') {
    const sql = `${into}(${columns.map(() => '?').join(', ')})`;
    db.transaction((prepare) => {
      const insert = prepare(sql);
      for (let i = 0; i < settings.articles; i++) insert.run(row());
    });
  } else {
    const BATCH = 1000;
    for (let done = 0; done < settings.articles; done += BATCH) {
      const count = Math.min(BATCH, settings.articles - done);
      const params = [];
      const tuples = [];
      for (let i = 0; i < count; i++) {
        const values = row();
        tuples.push(`(${values.map((_, j) => p(params.length + j + 1)).join(', ')})`);
        params.push(...values);
      }
      await db.run(into + tuples.join(', '), params);
    }
  }
  const [{ min, max, n }] = await db.query(`SELECT MIN(${q('id')}) AS ${q('min')}, MAX(${q('id')}) AS ${q('max')}, COUNT(*) AS ${q('n')} FROM ${q(table)}`);
  return { minId: Number(min), maxId: Number(max), count: Number(n) };
}

/** Comments for list_counts: 0 to 4 per article (2 on average), in multi-row INSERTs into Cairn's table. */
async function seedComments(db, table, articles) {
  const { quote: q, placeholder: p } = dialect(db.kind);
  const random = prng(99);
  const created = datetimeParam(new Date(Date.UTC(2025, 0, 1)), db.kind);
  const columns = ['created_at', 'updated_at', 'body', 'article'];
  const rows = [];
  for (let id = articles.minId; id <= articles.maxId; id++) {
    const n = Math.floor(random() * 5);
    for (let i = 0; i < n; i++) rows.push([created, created, words(random, 3, 12), id]);
  }
  const into = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES `;
  if (db.kind === 'sqlite') {
    const sql = `${into}(${columns.map(() => '?').join(', ')})`;
    db.transaction((prepare) => {
      const insert = prepare(sql);
      for (const row of rows) insert.run(row);
    });
  } else {
    const BATCH = 1000;
    for (let done = 0; done < rows.length; done += BATCH) {
      const batch = rows.slice(done, done + BATCH);
      const params = [];
      const tuples = batch.map((values) => {
        const tuple = `(${values.map((_, j) => p(params.length + j + 1)).join(', ')})`;
        params.push(...values);
        return tuple;
      });
      await db.run(into + tuples.join(', '), params);
    }
  }
  return rows.length;
}

/**
 * Fresh statistics for both servers' tables, as autovacuum (or a user's ANALYZE) would leave them; on
 * PostgreSQL also the visibility map that index-only scans read, and a checkpoint so that the first
 * measured run does not pay for the seeding's writes.
 */
async function analyze(db, tables) {
  const { quote: q } = dialect(db.kind);
  switch (db.kind) {
    case 'postgres':
      for (const table of tables) await db.run(`VACUUM ANALYZE ${q(table)}`);
      await db.run('CHECKPOINT').catch(() => {}); // needs superuser or pg_checkpoint; only spares the first run a checkpoint
      break;
    case 'mysql':
      for (const table of tables) await db.run(`ANALYZE TABLE ${q(table)}`);
      break;
    case 'sqlite':
      for (const table of tables) await db.run(`ANALYZE ${q(table)}`);
      await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
      break;
  }
}

/** The real tables of the two collections, as the registry names them. */
async function tableNames(db, workspaceId) {
  const [articles, authors, comments, tags, junction] = await Promise.all(['articles', 'authors', 'comments', 'tags', 'articles_tags'].map((name) => tableName(db, workspaceId, name)));
  return { articles, authors, comments, tags, junction };
}

/** The real table of a collection, as the registry names it. */
async function tableName(db, workspaceId, collection) {
  const { quote: q, placeholder: p } = dialect(db.kind);
  const [row] = await db.query(`SELECT ${q('table_name')} AS ${q('table_name')} FROM ${q('cairn_collections')} WHERE ${q('workspace_id')} = ${p(1)} AND ${q('name')} = ${p(2)}`, [workspaceId, collection]);
  if (!row) throw new Error(`no table for the collection "${collection}" in cairn_collections`);
  return row.table_name;
}

// ----- scenarios -----

const ARTICLE_KEYS = ['author', 'body', 'created_at', 'created_by', 'id', 'published_at', 'rating', 'status', 'title', 'updated_at', 'updated_by'];
const sameKeys = (object, keys) => object !== null && typeof object === 'object' && isDeepStrictEqual(Object.keys(object).sort(), [...keys].sort());
const randomInt = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

function scenarioDefinitions({ ws, articles, authorIds, db, table, commentsTable, tables }) {
  const items = `${ws}/items/articles`;
  const { quote: q } = dialect(db.kind);
  const newArticle = () => ({
    title: `Bench ${randomBytes(4).toString('hex')}`,
    body: 'Written by the benchmark: a short body for a new article.',
    status: 'draft',
    rating: randomInt(1, 5),
    published_at: new Date().toISOString(),
    author: authorIds[randomInt(0, authorIds.length - 1)],
  });
  const sampleId = articles.minId + Math.floor((articles.maxId - articles.minId) / 3);
  const sampleOffset = Math.floor(articles.count / 2);
  const listFiltered = `${items}?filter[status][_eq]=published&filter[rating][_gte]=3&sort=-published_at&limit=20`;
  const expandPath = (offset) => `${items}?fields=id,title,author.name&limit=20&offset=${offset}`;
  const aggregate = `${items}?aggregate[count]=*&groupBy=status`;
  const countsPath = (offset) => `${items}?fields=id,title,count(comments)&limit=20&offset=${offset}`;
  const nestedArticle = () => ({ ...newArticle(), tags: [1, 2, 3].map((n) => ({ name: `tag ${n} ${randomBytes(3).toString('hex')}` })) });
  // list_expand's read in GraphQL: the same page of 20 articles with their authors' names.
  const graphqlQuery = 'query Page($offset: Int!) { articles(limit: 20, offset: $offset, sort: ["id"]) { id title author { name } } }';
  const graphqlBody = (offset) => ({ query: graphqlQuery, variables: { offset } });

  return {
    get_by_id: {
      method: 'GET',
      path: () => `${items}/${randomInt(articles.minId, articles.maxId)}`,
      sample: { path: `${items}/${sampleId}` },
      check: (data) => (sameKeys(data, ARTICLE_KEYS) && data.id === sampleId) || 'not the article asked for, with all its fields',
    },
    list_filtered: {
      method: 'GET',
      path: () => listFiltered,
      sample: { path: listFiltered },
      check: (data) => {
        if (!Array.isArray(data) || data.length !== 20) return 'not an array of 20 articles';
        if (!data.every((a) => sameKeys(a, ARTICLE_KEYS) && a.status === 'published' && a.rating >= 3)) return 'an article does not match the filter or lacks fields';
        if (!data.every((a, i) => i === 0 || a.published_at <= data[i - 1].published_at)) return 'not sorted by published_at descending';
        return true;
      },
    },
    list_expand: {
      method: 'GET',
      path: () => expandPath(randomInt(0, articles.count - 20)),
      sample: { path: expandPath(sampleOffset) },
      check: (data) => {
        if (!Array.isArray(data) || data.length !== 20) return 'not an array of 20 articles';
        // Directus answers only the fields asked for; an extra `id` in the author is tolerated (and reported).
        const authorOk = (author) => author === null || ((sameKeys(author, ['name']) || sameKeys(author, ['id', 'name'])) && typeof author.name === 'string');
        if (!data.every((a) => sameKeys(a, ['id', 'title', 'author']) && authorOk(a.author))) return 'an article is not {id, title, author: {name}}';
        return data.every((a, i) => i === 0 || a.id > data[i - 1].id) || 'not in id order';
      },
      comparable: (data) => data.map((a) => ({ id: a.id, title: a.title, author: a.author && { name: a.author.name } })),
      notes: (data) => {
        const extra = data.find((a) => a.author && Object.keys(a.author).some((key) => key !== 'name'));
        return extra ? [`author carries ${Object.keys(extra.author).filter((key) => key !== 'name').map((key) => `"${key}"`).join(', ')} that fields=id,title,author.name did not ask for, e.g. ${JSON.stringify(extra)}`] : [];
      },
    },
    list_counts: {
      method: 'GET',
      path: () => countsPath(randomInt(0, articles.count - 20)),
      sample: { path: countsPath(sampleOffset) },
      check: async (data) => {
        if (!Array.isArray(data) || data.length !== 20) return 'not an array of 20 articles';
        if (!data.every((a) => sameKeys(a, ['id', 'title', 'comments_count']) && Number.isInteger(a.comments_count))) return 'an article is not {id, title, comments_count}';
        if (!data.every((a, i) => i === 0 || a.id > data[i - 1].id)) return 'not in id order';
        const [{ n }] = await db.query(`SELECT COUNT(*) AS ${q('n')} FROM ${q(commentsTable)} WHERE ${q('article')} = ${dialect(db.kind).placeholder(1)}`, [data[0].id]);
        return data[0].comments_count === Number(n) || 'the first article\'s count is not its number of comments';
      },
    },
    graphql_list: {
      method: 'POST',
      path: () => `${ws}/graphql`,
      body: () => JSON.stringify(graphqlBody(randomInt(0, articles.count - 20))),
      sample: { path: `${ws}/graphql`, body: () => graphqlBody(sampleOffset) },
      check: (data) => {
        const list = data?.articles;
        if (!Array.isArray(list) || list.length !== 20) return 'not {articles: [20 articles]}';
        const authorOk = (author) => author === null || (sameKeys(author, ['name']) && typeof author.name === 'string');
        if (!list.every((a) => sameKeys(a, ['id', 'title', 'author']) && authorOk(a.author))) return 'an article is not {id, title, author: {name}}';
        return list.every((a, i) => i === 0 || a.id > list[i - 1].id) || 'not in id order';
      },
    },
    handler_endpoint: {
      method: 'GET',
      path: () => `${ws}/custom/articles/${randomInt(articles.minId, articles.maxId)}`,
      sample: { path: `${ws}/custom/articles/${sampleId}` },
      check: (data) => (sameKeys(data, ARTICLE_KEYS) && data.id === sampleId) || 'not the article asked for, with all its fields',
    },
    aggregate: {
      method: 'GET',
      path: () => aggregate,
      sample: { path: aggregate },
      check: async (data) => {
        if (!Array.isArray(data) || !data.every((g) => sameKeys(g, ['status', 'count']) && typeof g.count === 'number')) return 'not an array of {status, count}';
        const [{ n }] = await db.query(`SELECT COUNT(*) AS ${q('n')} FROM ${q(table)}`);
        return data.reduce((sum, g) => sum + g.count, 0) === Number(n) || 'the counts do not add up to the number of rows';
      },
    },
    create: {
      method: 'POST',
      path: () => items,
      body: () => JSON.stringify(newArticle()),
      sample: { path: items, body: newArticle },
      check: (data, sent) => (sameKeys(data, ARTICLE_KEYS) && typeof data.id === 'number' && data.title === sent.title && data.author === sent.author) || 'not the created article with all its fields',
      // Two creates never answer the same row: compare what both servers must agree on.
      comparable: (data) => ({ keys: Object.keys(data).sort(), status: data.status, rating: typeof data.rating, created_by: data.created_by }),
    },
    // An article with three new tags in one request and one transaction: the article, the tags and the
    // junction items (Cairn: each through its write path, with activity and revisions).
    nested_create: {
      method: 'POST',
      path: () => items,
      body: () => JSON.stringify(nestedArticle()),
      sample: { path: items, body: nestedArticle },
      check: async (data, sent) => {
        if (!(sameKeys(data, ARTICLE_KEYS) && typeof data.id === 'number' && data.title === sent.title)) return 'not the created article with all its fields';
        const [cairnLinks, rawLinks] = await Promise.all([tables.junction, BASELINE_TABLES.junction].map(async (junction) => Number((await db.query(`SELECT COUNT(*) AS ${q('n')} FROM ${q(junction)} WHERE ${q('articles_id')} = ${data.id}`))[0].n)));
        return cairnLinks === 3 || rawLinks === 3 || 'the article is not linked to three tags';
      },
      comparable: (data) => ({ keys: Object.keys(data).sort(), status: data.status, rating: typeof data.rating }),
    },
  };
}

/** One request of the scenario to a server: status 200, the expected shape; answers the data (or throws why not). */
async function checkServer(server, scenario, token) {
  if (scenario.readRaw) return checkRawAnswer(server, scenario, token);
  const sent = scenario.sample.body?.();
  const response = await request(server.baseUrl, scenario.method, scenario.sample.path, { token, body: sent });
  if (response.status !== 200) throw new Error(`${server.name}: ${scenario.method} ${scenario.sample.path} answered ${response.status}: ${response.text.slice(0, 300)}`);
  if (!response.body || !('data' in response.body)) throw new Error(`${server.name}: the answer has no "data": ${response.text.slice(0, 300)}`);
  const verdict = await scenario.check(response.body.data, sent);
  if (verdict !== true) throw new Error(`${server.name}: ${verdict}: ${response.text.slice(0, 300)}`);
  return response.body.data;
}

/** checkServer for a scenario whose answer is not JSON (an image): `readRaw` turns the bytes into the data checked. */
async function checkRawAnswer(server, scenario, token) {
  const response = await fetch(`${server.baseUrl}${scenario.sample.path}`, { method: scenario.method, headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${server.name}: ${scenario.method} ${scenario.sample.path} answered ${response.status}: ${bytes.toString('utf8').slice(0, 300)}`);
  const data = await scenario.readRaw(bytes, response.headers);
  const verdict = await scenario.check(data);
  if (verdict !== true) throw new Error(`${server.name}: ${verdict}: ${JSON.stringify(data)}`);
  return data;
}

// ----- CPU accounting (Linux /proc; left out elsewhere) -----

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system) a process and its living descendants have used so far, in ms; null where
 * /proc is not there. Descendants count because a server's work may run in them (Cairn's handler workers).
 */
function processCpuMs(pid) {
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { parent: Number(fields[1]), ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS });
    } catch {
      // The process ended while the list was read.
    }
  }
  if (!stats.has(pid)) return null;
  let total = 0;
  const tree = new Set([pid]);
  // Parents have lower pids than their children but for wrap-around; a few passes settle either way.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, { parent }] of stats) {
      if (!tree.has(id) && tree.has(parent)) {
        tree.add(id);
        changed = true;
      }
    }
  }
  for (const id of tree) total += stats.get(id).ms;
  return total;
}

/** Busy and total CPU time of the whole machine so far, in ms (all cores). */
function machineCpuMs() {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: (busy * 1000) / CLOCK_TICKS, total: ((busy + idle + iowait) * 1000) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/** How busy the machine is over `ms`, in percent of all cores; null where /proc is not there. */
async function machineBusyPercent(ms) {
  const before = machineCpuMs();
  await sleep(ms);
  const after = machineCpuMs();
  if (!before || !after || after.total === before.total) return null;
  return round(((after.busy - before.busy) / (after.total - before.total)) * 100, 1);
}

const DATABASE_PROCESSES = { postgres: ['postgres'], mysql: ['mariadbd', 'mysqld'], sqlite: [] };

/**
 * CPU time the local database server's processes have used so far, in ms: their own time plus that of
 * the children they reaped (PostgreSQL's parallel workers live shorter than a run). 0 for SQLite,
 * which runs inside the servers, and for a database on another machine.
 */
function databaseCpuMs(kind) {
  const names = DATABASE_PROCESSES[kind];
  if (names.length === 0) return 0;
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone since the listing
      }
      if (!names.includes(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    }
  } catch {
    return null;
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

function cpuSnapshot(servers, kind) {
  return {
    machine: machineCpuMs(),
    bench: process.cpuUsage(),
    database: databaseCpuMs(kind),
    servers: servers.map((s) => processCpuMs(s.child.pid)),
  };
}

/** CPU used by other programs above which a run is called noisy, in cores. */
const NOISY_OTHER_CORES = 0.25;

/**
 * Where the CPU went during one load run: the two servers (the one not loaded should idle), the local
 * database server, the load generator (this process), and everything else — other programs, and the
 * kernel's interrupt work that no process is charged for. Much "other" means the run competed with
 * something and its numbers are noisy.
 */
function cpuReport(before, after, servers, requests) {
  if (!before.machine || !after.machine) return null;
  const delta = (a, b) => (a === null || b === null ? null : b - a);
  const machineBusy = after.machine.busy - before.machine.busy;
  const wall = (after.machine.total - before.machine.total) / os.cpus().length;
  const used = {
    ...Object.fromEntries(servers.map((s, i) => [s.name, delta(before.servers[i], after.servers[i])])),
    database: delta(before.database, after.database),
    load_generator: (after.bench.user - before.bench.user + after.bench.system - before.bench.system) / 1000,
  };
  used.other = Math.max(0, machineBusy - Object.values(used).reduce((sum, v) => sum + (v ?? 0), 0));
  const cores = Object.fromEntries(Object.entries(used).map(([name, v]) => [name, v === null ? null : round(v / wall, 2)]));
  return {
    machine_busy_percent: round((machineBusy / (wall * os.cpus().length)) * 100, 1),
    cores_used: cores,
    cpu_ms_per_request: Object.fromEntries(Object.entries(used).map(([name, v]) => [name, v === null || requests === 0 ? null : round(v / requests, 3)])),
    noisy: cores.other > NOISY_OTHER_CORES,
  };
}

async function load(server, scenario, token, duration, servers, kind) {
  const headers = { authorization: `Bearer ${token}` };
  if (scenario.body) headers['content-type'] = 'application/json';
  const instance = autocannon({
    url: server.baseUrl,
    connections: settings.connections,
    duration,
    headers,
    requests: [
      {
        method: scenario.method,
        path: scenario.path(),
        setupRequest: (req) => ({ ...req, path: scenario.path(), ...(scenario.body ? { body: scenario.body() } : {}) }),
      },
    ],
  });
  currentLoad = instance;
  const before = cpuSnapshot(servers, kind);
  const result = await instance;
  const cpu = cpuReport(before, cpuSnapshot(servers, kind), servers, result.requests.total);
  currentLoad = null;
  const drainMs = await drain(server, scenario, token);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]));
  return {
    requests_per_second: round(result.requests.average, 1),
    requests_total: result.requests.total,
    latency_ms: { average: round(result.latency.average, 2), p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    throughput_bytes_per_second: Math.round(result.throughput.average),
    duration_s: result.duration,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status_codes: statusCodes,
    cpu,
    drain_ms: drainMs,
  };
}

/** How long a server may take to work off what a load run left behind. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * Waits until the server answers the scenario's request again and answers how long that took, in ms.
 * autocannon stops at the end of a run, but the requests it left in flight are still queued in the
 * server (in its pool, or in its event loop when the driver is synchronous, as better-sqlite3 is): the
 * next run must not find the server still busy with them. A probe that fails or never comes back
 * throws; the run's own figures were taken before it.
 */
async function drain(server, scenario, token) {
  const started = Date.now();
  const sent = scenario.sample.body?.();
  let response;
  try {
    response = await request(server.baseUrl, scenario.method, scenario.sample.path, { token, body: sent, signal: AbortSignal.timeout(DRAIN_TIMEOUT_MS) });
  } catch (error) {
    throw new Error(`${server.name} did not answer ${scenario.method} ${scenario.sample.path} after a load run: ${error.message}`);
  }
  if (response.status !== 200) throw new Error(`${server.name} answered ${response.status} to ${scenario.method} ${scenario.sample.path} after a load run: ${response.text.slice(0, 300)}`);
  return Date.now() - started;
}

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The median of numbers (the lower middle one of an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The run with the median req/s, whose latencies then stand for the server. */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.requests_per_second - b.requests_per_second);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The problems of one load run: non-2xx answers, connection errors, timeouts. */
function loadProblems(run) {
  const problems = [];
  if (run.requests_total === 0) problems.push('not one request answered within the run');
  if (run.non_2xx > 0) {
    const codes = Object.entries(run.status_codes).filter(([code]) => !code.startsWith('2')).map(([code, n]) => `${code}×${n}`);
    problems.push(`${run.non_2xx} non-2xx responses (${codes.join(', ')})`);
  }
  if (run.errors > 0) problems.push(`${run.errors} connection errors`);
  if (run.timeouts > 0) problems.push(`${run.timeouts} timeouts`);
  return problems;
}

// ----- report -----

const RESULT_HEADER = ['scenario', 'cairn req/s', 'p50', 'p99', 'limit req/s', 'p50', 'p99', 'ratio', 'target', 'result'];

/** A plain-text table: names and verdicts left-aligned, numbers right-aligned. */
function table(header, rows) {
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((line) => String(line[i]).length)));
  const left = (i) => header[i] === 'scenario' || header[i] === 'result';
  const format = (line) => line.map((cell, i) => (left(i) ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)].join('\n');
}

/** The commit measured: its short hash, and whether the work tree differed from it (results files aside). */
function gitCommit() {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results').length > 0;
    return { commit: git('rev-parse', 'HEAD'), short: git('rev-parse', '--short', 'HEAD'), dirty };
  } catch {
    return { commit: null, short: 'unknown', dirty: null };
  }
}

/** A package's installed version, for the results file. */
function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

const BASELINE_STACKS = { postgres: 'node:http + pg', sqlite: 'node:http + better-sqlite3', mysql: 'node:http + mysql2' };

/** One database's results as a table, with its title and what to read it with. */
function databaseTable(result) {
  const title = `${DATABASE_LABELS[result.kind]}${result.version ? ` (${result.version})` : ''}: Cairn against ${BASELINE_STACKS[result.kind]}` +
    `, ${result.settings.warmup_s} s warm-up + ${result.settings.duration_s} s per server and scenario`;
  const lines = [title];
  if (!result.target_run) lines.push('  DIAGNOSTIC RUN, NOT A TARGET RUN: BENCH_COMPOSITE_INDEX=none left out the composite index (status, -published_at)');
  if (result.failed) lines.push(`  FAILED before the scenarios: ${result.failed}`);
  const rows = result.scenarios.map((o) => [
    o.name,
    o.cairn?.requests_per_second ?? '-',
    o.cairn ? `${o.cairn.latency_ms.p50} ms` : '-',
    o.cairn ? `${o.cairn.latency_ms.p99} ms` : '-',
    o.baseline?.requests_per_second ?? '-',
    o.baseline ? `${o.baseline.latency_ms.p50} ms` : '-',
    o.baseline ? `${o.baseline.latency_ms.p99} ms` : '-',
    o.ratio === undefined ? '-' : o.ratio.toFixed(2),
    o.target === undefined ? '-' : `≥ ${o.target.toFixed(2)}`,
    (o.problems.length > 0 ? 'ERRORS' : o.ratio === undefined || o.target === undefined ? '-' : o.pass ? 'pass' : 'FAIL') + (o.noisy ? ' *' : ''),
  ]);
  if (rows.length > 0) lines.push(table(RESULT_HEADER, rows));
  const fanout = result.realtime_fanout;
  if (fanout) {
    const verdict = fanout.problems?.length > 0 || !fanout.latency_ms ? 'ERRORS' : fanout.pass ? 'pass' : 'FAIL';
    const figures = (run) => (run?.latency_ms ? `${run.lost} lost, p50 ${run.latency_ms.p50} ms, p99 ${run.latency_ms.p99} ms` : 'no figures');
    lines.push(`realtime_fanout: cairn ${figures(fanout)}; baseline ${figures(fanout.baseline)}; target: nothing lost, p99 < 100 ms: ${verdict}`);
  }
  if (result.scenarios.some((o) => o.noisy)) lines.push(`* other programs used more than ${NOISY_OTHER_CORES} cores during a run of this scenario: its numbers are noisy`);
  return lines.join('\n');
}

// ----- one database -----

/**
 * Everything measured on one database: a fresh database, Cairn on it with the schema made through its
 * API, the rows, the baseline server on its own tables, each scenario on both, and realtime_fanout where
 * it runs. Stops its servers and drops its database before it answers.
 */
async function benchDatabase(kind, workDir) {
  const { adminUrl, duration, warmup } = perDatabase[kind];
  const label = DATABASE_LABELS[kind];
  const depth = cleanups.length;
  const result = {
    kind,
    version: null,
    target_run: settings.compositeIndex === 'api',
    settings: { duration_s: duration, warmup_s: warmup },
    schema: null,
    scenarios: [],
    realtime_fanout: null,
    problems: [],
    notes: [],
    server_output: {},
  };
  const servers = [];
  try {
    log(`\n===== ${label} =====`);
    const dir = join(workDir, kind);
    mkdirSync(dir, { recursive: true });
    const database = await createBenchDatabase(kind, adminUrl, dir);
    if (settings.keepDatabase) log(`  database ${database.location} created; BENCH_KEEP_DATABASE=1: it is kept after the run`);
    else {
      cleanups.push([`drop the ${label} bench database`, () => database.drop()]);
      log(`  database ${database.name} created`);
    }

    const cairn = { name: 'cairn', ...(await startCairn(database.cairnUrl, join(dir, 'data'))) };
    servers.push(cairn);
    cleanups.push([`stop Cairn on ${label}`, () => stopChild(cairn.child)]);
    log(`  Cairn started at ${cairn.baseUrl}`);

    const seedStart = Date.now();
    const { workspace, key, ws, compositeIndex } = await bootstrap(cairn.baseUrl);
    log(compositeIndex === null
      ? '  schema made through the API WITHOUT the composite index (BENCH_COMPOSITE_INDEX=none): not a target run'
      : `  schema made through the API, with the composite index ${JSON.stringify(compositeIndex)}`);
    const authorIds = await seedAuthors(cairn.baseUrl, ws, key);
    const db = await openDatabase(kind, database.location, { poolSize: 2 });
    cleanups.push([`close the ${label} seeding connection`, () => db.close()]);
    result.version = await serverVersion(db);
    const tables = await tableNames(db, workspace.id);
    const articles = await seedArticles(db, tables.articles, authorIds);
    const commentCount = await seedComments(db, tables.comments, articles);
    const rawTables = await createBaselineTables(db, tables);
    await analyze(db, [tables.authors, tables.articles, tables.comments, tables.tags, tables.junction, rawTables.authors, rawTables.articles, rawTables.comments, rawTables.tags, rawTables.junction]);
    result.seeding_s = round((Date.now() - seedStart) / 1000, 1);
    log(`  seeded ${authorIds.length} authors (API), ${articles.count} articles and ${commentCount} comments (SQL), copied into the baseline's tables, in ${result.seeding_s} s`);
    result.schema = {
      composite_index: compositeIndex,
      // What each server's queries had to work with, as the database lists it.
      indexes: {
        cairn: { articles: await tableIndexes(db, tables.articles), authors: await tableIndexes(db, tables.authors), comments: await tableIndexes(db, tables.comments) },
        baseline: { articles: await tableIndexes(db, rawTables.articles), authors: await tableIndexes(db, rawTables.authors), comments: await tableIndexes(db, rawTables.comments) },
      },
    };
    log(`  indexes on Cairn's articles table: ${result.schema.indexes.cairn.articles.join('; ') || 'none'}`);
    log(`  indexes on the baseline's articles table: ${result.schema.indexes.baseline.articles.join('; ')}`);
    log(`  indexes on Cairn's comments table: ${result.schema.indexes.cairn.comments.join('; ') || 'none'}; the baseline's: ${result.schema.indexes.baseline.comments.join('; ')}`);

    // thumbnail_cached: the photo uploaded through Cairn's API, and its bytes in the baseline's own folder.
    const thumbnailDirs = settings.scenarios.includes('thumbnail_cached') ? { source: join(dir, 'baseline-files'), cache: join(dir, 'baseline-thumbnails') } : null;
    const thumbnailFile = thumbnailDirs ? await prepareThumbnail(cairn.baseUrl, ws, key, thumbnailDirs.source) : null;
    const baseline = { name: 'baseline', ...(await startBaseline(kind, database.location, rawTables, workspace.slug, thumbnailDirs)) };
    servers.push(baseline);
    cleanups.push([`stop the baseline server on ${label}`, () => stopChild(baseline.child)]);
    log(`  baseline server (${BASELINE_STACKS[kind]}) started at ${baseline.baseUrl}\n`);

    const definitions = { ...scenarioDefinitions({ ws, articles, authorIds, db, table: tables.articles, commentsTable: tables.comments, tables }), ...(thumbnailFile ? { thumbnail_cached: thumbnailScenario(ws, thumbnailFile) } : {}) };
    for (const name of ALL_SCENARIOS.filter((s) => settings.scenarios.includes(s))) {
      if (interrupted) break;
      result.scenarios.push(await measureScenario(name, definitions[name], { cairn, baseline, key, kind, duration, warmup }));
    }
    if (kind === fanoutDatabase && !interrupted) {
      result.realtime_fanout = await measureFanoutOn({ kind, database, dir, db, workspace, key, ws, cairn, warmup });
    }
  } catch (error) {
    result.failed = error.message;
    result.problems.push(`${label}: failed: ${error.message}`);
    log(`\n!! ${label}: FAILED — ${error.message}`);
  } finally {
    for (const server of servers) result.server_output[server.name] = server.output.lines.slice(-50);
    await cleanup(depth);
  }
  for (const outcome of result.scenarios) {
    result.problems.push(...outcome.problems.map((p) => `${label} ${outcome.name}: ${p}`));
    result.notes.push(...(outcome.notes ?? []).map((n) => `${label} ${outcome.name}: ${n}`));
  }
  result.problems.push(...(result.realtime_fanout?.problems ?? []).map((p) => `${label} realtime_fanout: ${p}`));
  // At LOG_LEVEL=warn a clean run prints nothing; whatever the servers printed is worth reading.
  for (const server of servers) {
    if (server.output.lines.length > 0) log(`\nlast output of ${server.name} on ${label} (${server.output.lines.length} lines kept):\n${server.output.lines.slice(-30).map((l) => `  ${l}`).join('\n')}`);
  }
  log(`\n${databaseTable(result)}`);
  const cpuRows = result.scenarios
    .filter((o) => o.cairn?.cpu && o.baseline?.cpu)
    .map((o) => {
      const [c, b] = [o.cairn.cpu.cpu_ms_per_request, o.baseline.cpu.cpu_ms_per_request];
      return [o.name, c.cairn, b.baseline, c.cairn && b.baseline ? `${(c.cairn / b.baseline).toFixed(1)}×` : '-', c.database, b.database, o.cairn.cpu.cores_used.cairn, o.baseline.cpu.cores_used.baseline];
    });
  if (cpuRows.length > 0) {
    log(`\nCPU time per request on ${label} in ms (user + system, from the kernel) and the cores the server used:`);
    log(table(['scenario', 'cairn', 'baseline', 'cairn/baseline', 'database (cairn)', 'database (baseline)', 'cairn cores', 'baseline cores'], cpuRows));
  }
  return result;
}

/** One scenario on both servers: the check that both answer the same, then the load, round after round. */
async function measureScenario(name, scenario, { cairn, baseline, key, kind, duration, warmup }) {
  const outcome = { name, target: TARGETS[name], example: `${scenario.method} ${scenario.sample.path}`, problems: [] };
  try {
    const fromCairn = await checkServer(cairn, scenario, key);
    const fromBaseline = await checkServer(baseline, scenario, key);
    for (const note of scenario.notes?.(fromCairn) ?? []) {
      (outcome.notes ??= []).push(`cairn: ${note}`);
      log(`${name}: note — cairn: ${note}`);
    }
    const comparable = scenario.comparable ?? ((data) => data);
    if (!isDeepStrictEqual(comparable(fromCairn), comparable(fromBaseline))) {
      throw new Error(`Cairn and the baseline answer differently:\n  cairn:    ${JSON.stringify(fromCairn).slice(0, 400)}\n  baseline: ${JSON.stringify(fromBaseline).slice(0, 400)}`);
    }
  } catch (error) {
    outcome.problems.push(`check failed, not loaded: ${error.message}`);
    log(`${name}: CHECK FAILED — ${error.message}`);
    return outcome;
  }

  // Cairn then the baseline, round after round, so that both meet the same machine conditions.
  const both = [cairn, baseline];
  outcome.warmup = {};
  outcome.runs = { cairn: [], baseline: [] };
  try {
    await loadRounds(name, scenario, outcome, { both, key, kind, duration, warmup });
  } catch (error) {
    outcome.problems.push(error.message);
    log(`\n${name}: FAILED — ${error.message}`);
  }
  const pairs = outcome.runs.cairn.map((run, i) => [run, outcome.runs.baseline[i]]).filter(([, b]) => b?.requests_per_second > 0);
  if (pairs.length > 0) {
    outcome.cairn = medianRun(outcome.runs.cairn);
    outcome.baseline = medianRun(outcome.runs.baseline);
    outcome.ratios = pairs.map(([c, b]) => round(c.requests_per_second / b.requests_per_second, 3));
    outcome.ratio = median(outcome.ratios);
    outcome.pass = outcome.ratio >= outcome.target;
    outcome.noisy = pairs.flat().some((run) => run.cpu?.noisy);
  }
  return outcome;
}

/** The load runs of one scenario: Cairn then the baseline, round after round, into outcome.runs. */
async function loadRounds(name, scenario, outcome, { both, key, kind, duration, warmup }) {
  for (let round = 1; round <= settings.rounds && !interrupted; round++) {
    for (const server of both) {
      if (interrupted) break;
      const label = settings.rounds > 1 ? `${name} #${round}` : name;
      process.stdout.write(`${label}: ${server.name.padEnd(8)} `);
      if (round === 1 && warmup > 0) outcome.warmup[server.name] = await load(server, scenario, key, warmup, both, kind);
      const run = await load(server, scenario, key, duration, both, kind);
      outcome.runs[server.name].push(run);
      const runProblems = loadProblems(run);
      for (const problem of runProblems) outcome.problems.push(`${server.name}${settings.rounds > 1 ? ` (round ${round})` : ''}: ${problem}`);
      const cpu = run.cpu
        ? `  cpu ms/req: ${server.name} ${run.cpu.cpu_ms_per_request[server.name]}, database ${run.cpu.cpu_ms_per_request.database}` +
          `  cores: ${server.name} ${run.cpu.cores_used[server.name]}, database ${run.cpu.cores_used.database}, load generator ${run.cpu.cores_used.load_generator}, other ${run.cpu.cores_used.other}` +
          (run.cpu.noisy ? '  (noisy: other programs were busy)' : '')
        : '';
      const drained = run.drain_ms > 1000 ? `  (took ${(run.drain_ms / 1000).toFixed(1)} s to work off the requests left in flight)` : '';
      log(`${String(run.requests_per_second).padStart(8)} req/s  p50 ${run.latency_ms.p50} ms  p99 ${run.latency_ms.p99} ms${cpu}${drained}${runProblems.length ? `  !! ${runProblems.join('; ')}` : ''}`);
    }
  }
}

/** realtime_fanout on this database's Cairn: two more instances and Redis, then the baseline fan-out servers. */
async function measureFanoutOn({ kind, database, dir, db, workspace, key, ws, cairn, warmup }) {
  const { intervalMs, durationS, subscribersPerInstance } = settings.fanout;
  log(`realtime_fanout: ${subscribersPerInstance} subscribers on each of two instances, one write every ${intervalMs} ms for ${warmup} s of warm-up, then ${durationS} s measured`);
  let started = 0;
  try {
    const fanout = await realtimeFanout({
      settings: { ...settings.fanout, warmupS: warmup },
      key,
      ws,
      setupUrl: cairn.baseUrl,
      redisUrl: settings.redisUrl,
      request,
      log,
      startInstance: async (env) => {
        const instance = await startCairn(database.cairnUrl, join(dir, `fanout-${++started}`), env);
        return { name: `cairn_${started}`, child: instance.child, baseUrl: instance.baseUrl, stop: () => stopChild(instance.child) };
      },
      startBaseline: async (fanoutSettings) => {
        const server = await startBaselineFanout(kind, database.location, fanoutSettings);
        return { name: `baseline_${++started}`, child: server.child, baseUrl: server.baseUrl, stop: () => stopChild(server.child) };
      },
      tableOf: (collection) => tableName(db, workspace.id, collection),
      cpu: { snapshot: (instances) => cpuSnapshot(instances, kind), report: cpuReport },
    });
    fanout.target = { lost: 0, p99_ms_below: 100 };
    fanout.pass = fanout.lost === 0 && fanout.failed_writes === 0 && fanout.latency_ms.p99 !== null && fanout.latency_ms.p99 < 100;
    logFanout('cairn', fanout);
    logFanout('baseline', fanout.baseline);
    log(`realtime_fanout: target for Cairn: nothing lost, p99 < 100 ms: ${fanout.pass ? 'pass' : 'FAIL'}`);
    return fanout;
  } catch (error) {
    log(`realtime_fanout: FAILED — ${error.message}`);
    return { problems: [error.message] };
  }
}

// ----- main -----

async function main() {
  const startedAt = new Date();
  // Taken before the run: what the servers were built from, whatever changes during it.
  const commit = gitCommit();
  const loadAverage = os.loadavg().map((n) => round(n, 2));
  const workDir = mkdtempSync(join(os.tmpdir(), 'cairn-bench-'));
  // A kept SQLite database lives in this directory, so it stays too.
  if (!(settings.keepDatabase && settings.databases.includes('sqlite'))) cleanups.push(['temporary directory', () => rmSync(workDir, { recursive: true, force: true })]);

  const timing = settings.databases.map((kind) => `${DATABASE_LABELS[kind]} ${perDatabase[kind].warmup} s warm-up + ${perDatabase[kind].duration} s`).join(', ');
  log(`Cairn benchmark on ${settings.databases.map((kind) => DATABASE_LABELS[kind]).join(', ')}: ${settings.connections} connections; per server and scenario: ${timing}${settings.rounds > 1 ? `; ${settings.rounds} rounds` : ''}`);
  if (fanoutDatabase) log(`realtime_fanout runs on ${DATABASE_LABELS[fanoutDatabase]} (two instances sharing the database and Redis)`);
  if (settings.compositeIndex === 'none') log('!! BENCH_COMPOSITE_INDEX=none: the composite index is left out; this is a diagnostic run, not a target run');
  const busyBefore = await machineBusyPercent(2000);
  if (busyBefore !== null && busyBefore > 25) {
    log(`  !! the machine is already ${busyBefore}% busy (load average ${loadAverage.join(', ')}): other processes compete for the CPU, the numbers will be noisy`);
  }

  const databases = [];
  for (const kind of settings.databases) {
    if (interrupted) break;
    databases.push(await benchDatabase(kind, workDir));
  }

  log('\n===== summary: ratio = Cairn req/s ÷ baseline req/s, the same targets on every database =====');
  for (const result of databases) log(`\n${databaseTable(result)}`);
  const problems = databases.flatMap((d) => d.problems);
  if (problems.length > 0) {
    log(`\n!!!!!!!! THIS RUN HAD ERRORS — its numbers are not comparable !!!!!!!!`);
    for (const problem of problems) log(`  - ${problem}`);
  }
  const notes = databases.flatMap((d) => d.notes);
  if (notes.length > 0) log(`\nnotes (answers that pass the check but differ from the request):\n${notes.map((n) => `  - ${n}`).join('\n')}`);

  const targetRun = settings.compositeIndex === 'api';
  const report = {
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    ok: problems.length === 0,
    target_run: targetRun,
    problems,
    notes,
    cairn: { version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, commit: commit.commit, dirty: commit.dirty },
    targets: { ...TARGETS, realtime_fanout: { lost: 0, p99_ms_below: 100 } },
    settings: {
      databases: settings.databases,
      scenarios: settings.scenarios,
      rounds: settings.rounds,
      connections: settings.connections,
      pool_size: settings.poolSize,
      authors: settings.authors,
      articles: settings.articles,
      composite_index: settings.compositeIndex,
      fanout: { ...settings.fanout, database: fanoutDatabase },
      cairn_entry: settings.cairnEntry ? 'custom (BENCH_CAIRN_ENTRY)' : 'dist/main.js',
      cairn_node_args: settings.cairnNodeArgs,
      baseline_node_args: settings.baselineNodeArgs,
    },
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? null,
      memory_bytes: os.totalmem(),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      load_average_at_start: loadAverage,
      busy_percent_before_start: busyBefore,
    },
    versions: {
      node: process.version,
      ...Object.fromEntries(['pg', 'mysql2', 'better-sqlite3', 'autocannon', 'ioredis'].map((name) => [name, packageVersion(name)])),
      ...Object.fromEntries(databases.map((d) => [d.kind, d.version])),
    },
    databases,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  // Named after the commit measured; a work tree with changes is not that commit, and says so.
  const name = `${commit.short}${commit.dirty ? '-dirty' : ''}.json`;
  writeFileSync(join(RESULTS_DIR, name), `${JSON.stringify(report, null, 2)}\n`);
  log(`\nresults written to bench/results/${name}`);

  if (problems.length > 0) return 1;
  if (settings.enforceTargets && (!targetRun || databases.some((d) => d.scenarios.some((o) => o.pass === false) || d.realtime_fanout?.pass === false))) return 3;
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  process.stderr.write(`\nbench: FAILED: ${error?.stack ?? error}\n`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(interrupted ? 130 : exitCode);
