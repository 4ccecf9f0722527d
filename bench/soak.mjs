// node bench/soak.mjs (npm run soak): several Cairn instances under a steady mixed load for a long time.
//
// Makes a fresh PostgreSQL database (SOAK_POSTGRES_URL, the bench's default admin URL otherwise) and
// starts a private redis-server on a free port (or uses SOAK_REDIS_URL under a random prefix), then
// SOAK_INSTANCES (3) Cairn processes from dist/main.js on both (`npm run build` first). Through Cairn's
// API only: a workspace, an admin API key, the collection `soak_items`, a webhook on it to a receiver in
// this process, and an event flow on it whose `request` step posts to the same receiver. On each instance
// SOAK_SUBSCRIBERS (4) realtime subscribers listen to `soak_items`.
//
// Then, for SOAK_DURATION (10m), requests go out at a fixed rate, SOAK_RATE (100 per second), spread
// round-robin over the instances, whatever the answers (so a slow answer shows as latency, not as a
// lower rate): reads of one item and of a filtered page, creates, and updates of items created a few
// seconds earlier, each item updated once (a realtime update event carries the row as read after the
// write, so a second update close behind would hide the first). Every write carries a tag of its own;
// every acknowledged write must then reach every subscriber, the receiver as a webhook delivery, and the
// receiver again through a flow run. The first SOAK_WARMUP (a fifth of the run, at most 60 s) warms the
// instances up: latency is measured after it, and each instance's memory (RSS and V8 heap used, read
// from its /metrics) is compared between the start and the end of what follows.
//
// Prints the throughput, p50/p99 latency and memory over time of each instance, and the events expected,
// delivered, lost and duplicated per path, with PASS/FAIL per bound; exits 1 when a request failed, an
// event was lost, the rate was not held or memory grew beyond its bound. See docs/SCALING.md#soak.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { call, freePort, runBench, sleep, startCairn } from './cairn.mjs';
import { createBenchDatabase, DEFAULT_ADMIN_URLS } from './db.mjs';

// ----- settings -----

/** A duration setting: `600`, `600s`, `10m`, `1h` or `1500ms`, in milliseconds. */
function durationSetting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) fail(`${name} must be a duration such as 60s or 10m, got "${raw}"`);
  return Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']);
}

function numberSetting(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) fail(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

function fail(message) {
  process.stderr.write(`soak: ${message}\n`);
  process.exit(2);
}

const durationMs = durationSetting('SOAK_DURATION', 10 * 60_000);
const settings = {
  durationMs,
  warmupMs: durationSetting('SOAK_WARMUP', Math.min(60_000, Math.round(durationMs / 5))),
  rate: numberSetting('SOAK_RATE', 100, 1),
  instances: numberSetting('SOAK_INSTANCES', 3, 1),
  subscribersPerInstance: numberSetting('SOAK_SUBSCRIBERS', 4, 1),
  drainMs: durationSetting('SOAK_DRAIN', 60_000),
  // Growth allowed between the start and the end of the measured part, per instance.
  rssGrowthMb: numberSetting('SOAK_RSS_GROWTH_MB', 64, 0),
  heapGrowthMb: numberSetting('SOAK_HEAP_GROWTH_MB', 32, 0),
  postgresUrl: process.env.SOAK_POSTGRES_URL || DEFAULT_ADMIN_URLS.postgres,
  redisUrl: process.env.SOAK_REDIS_URL || null,
};
if (settings.warmupMs >= settings.durationMs) fail('SOAK_WARMUP must be shorter than SOAK_DURATION');

/** The share of each kind of request, in order; updates that find no item old enough are read_one instead. */
const MIX = [
  ['read_one', 0.35],
  ['read_list', 0.25],
  ['create', 0.24],
  ['update', 0.16],
];
/** How old an item must be before it is updated: its create's events have long been delivered by then. */
const UPDATE_AFTER_MS = 3_000;
/** The rate must be held within this share, or the run says the machine could not carry it. */
const RATE_HELD = 0.95;
/** Requests not answered within this are failures. */
const REQUEST_TIMEOUT_MS = 30_000;
const COLLECTION = 'soak_items';
/** The longest wait for late events after the load, however steadily they still arrive. */
const DRAIN_CAP_MS = 15 * 60_000;

const log = (message) => process.stdout.write(`${message}\n`);
const seconds = (ms) => `${Math.round(ms / 1000)} s`;
const mb = (bytes) => (bytes === null || bytes === undefined ? '-' : (bytes / 1024 / 1024).toFixed(0));
const cleanups = [];
let interrupted = false;

// ----- small helpers -----

/** Answers q → the q-quantile of the values, to a tenth. */
function quantiles(values) {
  const sorted = Float64Array.from(values).sort();
  return (q) => (sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10);
}

const median = (values) => quantiles(values)(0.5);

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((row) => String(row[i] ?? '').length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? String(cell ?? '').padEnd(widths[i]) : String(cell ?? '').padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A redis-server of the soak's own on a free port, keeping nothing on disk; stopped by the cleanups. */
async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', () => undefined);
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  for (const deadline = Date.now() + 10_000; !(await portOpen(port)); await sleep(100)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('redis-server did not start (is it installed? SOAK_REDIS_URL names another Redis)');
  }
  return `redis://127.0.0.1:${port}`;
}

/** One request through a kept-alive agent; answers { status, body } once the answer has been read. */
function send(agent, baseUrl, method, path, token, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? null : JSON.stringify(body);
    const headers = { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) };
    const outgoing = httpRequest(`${baseUrl}${path}`, { method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.once('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      response.once('error', reject);
    });
    outgoing.once('timeout', () => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    outgoing.once('error', reject);
    outgoing.end(payload ?? undefined);
  });
}

// ----- what each write must produce -----

/**
 * Every write's tag is `w<n>`; a path's counts say how often each write arrived there. `expected` is the
 * writes Cairn acknowledged; a write that failed may or may not have committed, so its arrivals are
 * counted apart.
 */
class Deliveries {
  constructor(capacity) {
    this.counts = new Uint16Array(capacity);
    this.latencies = [];
  }

  /** Counts a tag's arrival; `sentAt` answers when its write was sent. */
  arrived(tag, sentAt) {
    const n = Number(/^w(\d+)$/.exec(tag ?? '')?.[1] ?? -1);
    if (!(n >= 0 && n < this.counts.length)) return;
    this.counts[n] += 1;
    if (this.counts[n] === 1 && sentAt[n] > 0) this.latencies.push(performance.now() - sentAt[n]);
  }

  /** Lost and duplicated among the acknowledged writes, and arrivals of writes that were not acknowledged. */
  tally(writes) {
    let lost = 0;
    let duplicates = 0;
    let unacknowledged = 0;
    for (let n = 0; n < writes.count; n++) {
      const count = this.counts[n];
      if (writes.acknowledged[n]) {
        if (count === 0) lost += 1;
        else duplicates += count - 1;
      } else if (count > 0) unacknowledged += 1;
    }
    return { lost, duplicates, unacknowledged };
  }

  /** Whether every acknowledged write has arrived. */
  complete(writes) {
    for (let n = 0; n < writes.count; n++) if (writes.acknowledged[n] && this.counts[n] === 0) return false;
    return true;
  }
}

/** The local receiver of the webhook (`/webhook`) and of the flow's request step (`/flow`). */
async function startReceiver(webhooks, flows, sentAt) {
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.once('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (request.url === '/webhook') {
          // `payload` is one object per item created, or the values of an update.
          for (const values of [body.data?.payload ?? []].flat()) webhooks.arrived(values?.tag, sentAt);
        } else if (request.url === '/flow') {
          flows.arrived(body.tag, sentAt);
        }
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return `http://127.0.0.1:${port}`;
}

/** A realtime subscriber of soak_items on one instance, counting each write it hears in its own Deliveries. */
async function subscribe(baseUrl, ws, key, capacity, sentAt) {
  const deliveries = new Deliveries(capacity);
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}${ws}/realtime?access_token=${key}`);
  const subscriber = { deliveries, socket, closed: null };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a subscriber got no init within 30 s')), 30_000);
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', collection: COLLECTION, query: { fields: ['id', 'tag'] }, uid: 's' })));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'ping') return socket.send(JSON.stringify({ type: 'pong' }));
      if (message.status === 'error') return reject(new Error(`a subscription was refused: ${JSON.stringify(message).slice(0, 300)}`));
      if (message.type !== 'subscription') return;
      if (message.event === 'init') {
        clearTimeout(timer);
        return resolve();
      }
      for (const item of message.data ?? []) deliveries.arrived(item.tag, sentAt);
    });
  });
  // After init a closed connection only ends this subscriber: what it misses shows as lost.
  socket.on('close', (code) => (subscriber.closed ??= code));
  socket.on('error', () => undefined);
  cleanups.push(() => socket.terminate());
  return subscriber;
}

// ----- the instances and their memory -----

/** Reads the instance's /metrics: its RSS, heap used and the counters the report names. */
async function scrape(instance, metricsToken) {
  const response = await fetch(`${instance.baseUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` }, signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`${instance.name}: /metrics answered ${response.status}`);
  const values = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match) values[`${match[1]}${match[2] ?? ''}`] = Number(match[3]);
  }
  return values;
}

const sumOf = (values, prefix) => Object.entries(values).reduce((sum, [name, value]) => (name.startsWith(prefix) ? sum + value : sum), 0);

/**
 * The memory growth of one instance over the measured part: RSS as the median of the first and of the
 * last tenth of the samples; the heap as the lowest of each (the heap used saws up and down between
 * collections; its floor is what a leak raises).
 */
function memoryGrowth(samples) {
  const window = Math.max(1, Math.round(samples.length / 10));
  const first = samples.slice(0, window);
  const last = samples.slice(-window);
  const floor = (list) => Math.min(...list.map((s) => s.heap));
  return {
    rss_start: median(first.map((s) => s.rss)),
    rss_end: median(last.map((s) => s.rss)),
    rss_max: Math.max(...samples.map((s) => s.rss)),
    heap_start: floor(first),
    heap_end: floor(last),
  };
}

/** The cores an instance used between its first and last sample (CPU seconds over wall seconds). */
function coresUsed(samples) {
  if (samples.length < 2) return '-';
  const [first, last] = [samples[0], samples.at(-1)];
  return ((last.cpu - first.cpu) / ((last.at - first.at) / 1000)).toFixed(2);
}

// ----- main -----

/** Starts the instances on the database and Redis, with the secrets a deployment shares; answers them, the admin and the metrics token. */
async function startInstances(database, redisUrl, dir) {
  // The same secrets on every instance, as a deployment has; a Redis prefix of this run's own.
  const admin = { email: 'soak@example.com', password: randomBytes(12).toString('base64url') };
  const metricsToken = randomBytes(32).toString('hex');
  const shared = {
    JWT_SECRET: randomBytes(36).toString('base64url'),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `cairn-soak-${randomBytes(4).toString('hex')}:`,
    METRICS_TOKEN: metricsToken,
    WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
  };
  const instances = [];
  for (let i = 1; i <= settings.instances; i++) {
    const { child, baseUrl } = await startCairn(database.cairnUrl, join(dir, `cairn-${i}`), admin, cleanups, shared);
    // LOG_LEVEL=warn: a quiet instance prints nothing; what it prints is kept for the report.
    const instance = { name: `cairn_${i}`, child, baseUrl, output: [], outputLines: 0, samples: [], latencies: [], requests: 0, answered: 0, failures: 0 };
    const keep = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        instance.outputLines += 1;
        instance.output.push(line);
        if (instance.output.length > 20) instance.output.shift();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    instances.push(instance);
  }
  log(`instances: ${instances.map((i) => `${i.name} ${i.baseUrl} (pid ${i.child.pid})`).join(', ')}`);
  return { instances, admin, metricsToken };
}

/**
 * What a user makes through the API, on the first instance: a workspace, an admin API key, the collection,
 * a webhook on it to the receiver, and an event flow on it whose request step posts to the receiver.
 */
async function makeWorkspace(setup, admin, receiver) {
  const token = (await call(setup, 'POST', '/api/v1/auth/login', null, admin)).data.access_token;
  await call(setup, 'POST', '/api/v1/workspaces', token, { name: 'Soak', slug: 'soak' });
  const key = (await call(setup, 'POST', '/api/v1/workspaces/soak/api-keys', token, { name: 'soak', role: 'admin' })).data.key;
  const ws = '/api/v1/w/soak';
  await call(setup, 'POST', `${ws}/collections`, key, {
    collection: COLLECTION,
    fields: [
      { field: 'title', type: 'string', required: true },
      { field: 'tag', type: 'string', index: true },
      { field: 'n', type: 'integer', index: true },
    ],
  });
  await call(setup, 'POST', `${ws}/webhooks`, key, { name: 'soak', url: `${receiver}/webhook`, collections: [COLLECTION], events: ['create', 'update'] });
  await call(setup, 'POST', `${ws}/flows`, key, {
    name: 'soak',
    trigger: { type: 'event', collections: [COLLECTION], events: ['create', 'update'] },
    operations: [{ key: 'notify', type: 'request', options: { method: 'POST', url: `${receiver}/flow`, body: { tag: '{{ $trigger.payload.tag }}', event: '{{ $trigger.event }}' } } }],
    first: 'notify',
  });
  return { key, ws };
}

/**
 * Sends the requests at the fixed rate, round-robin over the instances, until the run's end, and samples
 * each instance's memory meanwhile; answers once every request is answered, with what it counted.
 */
async function runLoad({ instances, metricsToken, key, ws, writes, sentAt }) {
  // An idle kept-alive connection is closed here well before the server's keep-alive timeout (Fastify's
  // 72 s) would close it: a request sent on a connection the server is closing at that moment fails with
  // ECONNRESET, a race of the client's making, not the server's.
  const agents = instances.map(() => new Agent({ keepAlive: true, maxSockets: 64, timeout: REQUEST_TIMEOUT_MS }));
  cleanups.push(() => agents.forEach((agent) => agent.destroy()));
  const byKind = Object.fromEntries(MIX.map(([kind]) => [kind, { latencies: [], requests: 0, failures: 0 }]));
  const failures = [];
  const readable = []; // ids of acknowledged creates, for read_one
  const updatable = []; // { id, at } of acknowledged creates, oldest first, each updated once
  const intervalMs = 1000 / settings.rate;
  const loadStarted = performance.now();
  let generatorCpu = null;
  const measuredFrom = loadStarted + settings.warmupMs;
  const loadEnds = loadStarted + settings.durationMs;
  const inFlight = new Set();
  let sent = 0;
  let maxLagMs = 0;

  const pick = (i) => {
    // A fixed sequence of kinds, the same on every run: the i-th request's share walks the mix.
    const x = (i * 0.6180339887) % 1;
    let at = 0;
    for (const [kind, share] of MIX) if (x < (at += share)) return kind;
    return MIX[0][0];
  };

  const oneRequest = (i, due) => {
    const instanceIndex = i % instances.length;
    const instance = instances[instanceIndex];
    let kind = pick(i);
    if (kind === 'update' && !(updatable.length > 0 && updatable[0].at <= due - UPDATE_AFTER_MS)) kind = 'read_one';
    let method = 'GET';
    let path;
    let body;
    let write = -1;
    if (kind === 'read_one') {
      path = readable.length > 0 ? `${ws}/items/${COLLECTION}/${readable[Math.floor(Math.random() * readable.length)]}` : `${ws}/items/${COLLECTION}?limit=1`;
    } else if (kind === 'read_list') {
      path = `${ws}/items/${COLLECTION}?filter[n][_gte]=${Math.max(0, writes.count - 500)}&sort=-n&limit=20&fields=id,title,tag,n`;
    } else if (kind === 'create') {
      write = writes.count++;
      method = 'POST';
      path = `${ws}/items/${COLLECTION}`;
      body = { title: `soak item ${write}`, tag: `w${write}`, n: write };
    } else {
      write = writes.count++;
      method = 'PATCH';
      path = `${ws}/items/${COLLECTION}/${updatable.shift().id}`;
      body = { tag: `w${write}`, n: write };
    }
    if (write >= 0) sentAt[write] = due;
    const done = send(agents[instanceIndex], instance.baseUrl, method, path, key, body).then(
      (answer) => {
        if (answer.status !== 200) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        if (write >= 0) writes.acknowledged[write] = 1;
        if (kind === 'create') {
          const id = JSON.parse(answer.body).data.id;
          readable.push(id);
          updatable.push({ id, at: performance.now() });
        }
      },
    );
    const finished = done.then(
      () => ({ ok: true }),
      (error) => ({ ok: false, error }),
    ).then(({ ok, error }) => {
      inFlight.delete(finished);
      const now = performance.now();
      const latency = now - due;
      const measured = due >= measuredFrom;
      // Throughput is what was answered within the measured part, whenever it was sent: a server that
      // falls behind answers fewer than were sent, and its queue shows as latency.
      if (ok && now >= measuredFrom && now <= loadEnds) instance.answered += 1;
      if (!ok) {
        instance.failures += 1;
        byKind[kind].failures += 1;
        if (failures.length < 10) failures.push(`${instance.name}: ${error.message}`);
      }
      if (!measured) return;
      instance.requests += 1;
      byKind[kind].requests += 1;
      if (ok) {
        instance.latencies.push(latency);
        byKind[kind].latencies.push(latency);
      }
    });
    inFlight.add(finished);
  };

  // Memory and the counters, sampled on every instance; what happened so far, printed now and then.
  const sampleEveryMs = Math.min(10_000, Math.max(1_000, Math.round(settings.durationMs / 60)));
  const printEvery = Math.max(1, Math.round(settings.durationMs / sampleEveryMs / 10));
  let sampleRound = 0;
  let sampling = false;
  const sampler = setInterval(async () => {
    // On a busy machine a scrape may take longer than the interval: the next waits for its turn.
    if (sampling) return;
    sampling = true;
    const at = performance.now() - loadStarted;
    const round = ++sampleRound;
    // Read now: the scrapes below may take a while on a busy machine.
    const [sentSoFar, inFlightNow, failed] = [sent, inFlight.size, instances.reduce((sum, instance) => sum + instance.failures, 0)];
    // This process's own CPU over the measured part: the load generator, the receiver and the subscribers.
    if (at >= settings.warmupMs) generatorCpu ??= { at, usage: process.cpuUsage() };
    const read = await Promise.all(
      instances.map(async (instance) => {
        if (instance.child.exitCode !== null || instance.child.signalCode !== null) {
          instance.died ??= `exited (${instance.child.exitCode ?? instance.child.signalCode}) after ${seconds(at)}`;
          return null;
        }
        try {
          const values = await scrape(instance, metricsToken);
          const sample = { at, rss: values.process_resident_memory_bytes, heap: values.nodejs_heap_size_used_bytes, cpu: values.process_cpu_seconds_total };
          instance.samples.push(sample);
          instance.lastMetrics = values;
          return sample;
        } catch (error) {
          instance.scrapeErrors = (instance.scrapeErrors ?? 0) + 1;
          instance.lastScrapeError = error.message;
          return null;
        }
      }),
    );
    sampling = false;
    if (round % printEvery === 0) {
      const memory = instances.map((instance, i) => `${instance.name} ${mb(read[i]?.rss)}/${mb(read[i]?.heap)}`).join(', ');
      log(`  ${seconds(at).padStart(6)}: ${sentSoFar} requests sent (${(sentSoFar / (at / 1000)).toFixed(0)}/s), ${failed} failed, ${inFlightNow} in flight; RSS/heap MB ${memory}`);
    }
  }, sampleEveryMs);
  cleanups.push(() => clearInterval(sampler));

  const total = Math.floor((settings.durationMs / 1000) * settings.rate);
  for (let i = 0; i < total && !interrupted; i++) {
    const due = loadStarted + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    else maxLagMs = Math.max(maxLagMs, -wait);
    oneRequest(i, due);
    sent += 1;
  }
  // The last request is due one interval before the end.
  if (!interrupted) await sleep(Math.max(0, loadEnds - performance.now()));
  const loadMs = performance.now() - loadStarted;
  const backlog = inFlight.size;
  const generatorCores = generatorCpu ? (() => {
    const used = process.cpuUsage(generatorCpu.usage);
    return ((used.user + used.system) / 1000 / (loadMs - generatorCpu.at)).toFixed(2);
  })() : '-';
  clearInterval(sampler);
  await Promise.all([...inFlight]);
  return { sent, loadMs, backlog, generatorCores, byKind, failures, maxLagMs, sampleEveryMs };
}

/**
 * Waits for the events of the writes still on their way: a backlog in the outbox is late, not lost, so the
 * wait goes on while events keep arriving, up to a cap. Answers how long it waited.
 */
async function waitForEvents(paths, writes) {
  const drainStarted = performance.now();
  const arrivals = () => paths.reduce((sum, path) => sum + path.latencies.length, 0);
  let lastProgress = drainStarted;
  let arrived = arrivals();
  while (!interrupted && performance.now() - lastProgress < settings.drainMs && performance.now() - drainStarted < DRAIN_CAP_MS && !paths.every((path) => path.complete(writes))) {
    await sleep(200);
    if (arrivals() > arrived) [arrived, lastProgress] = [arrivals(), performance.now()];
  }
  const drainMs = performance.now() - drainStarted;
  // Late duplicates (a webhook retried, a run claimed twice) show up a little after the last arrival.
  if (!interrupted) await sleep(2_000);
  return drainMs;
}

/** Prints the tables and the checks; answers whether every check passed. */
function report({ instances, subscribers, webhooks, flows, writes, load, drainMs, finalMetrics, started }) {
  const { loadMs, backlog, generatorCores, byKind, failures, maxLagMs, sampleEveryMs } = load;
  const measuredSeconds = (settings.durationMs - settings.warmupMs) / 1000;
  const acknowledged = writes.acknowledged.reduce((sum, a) => sum + a, 0);
  const checks = [];
  const check = (name, pass, detail) => checks.push({ name, pass, detail });

  log(`\n===== Cairn soak: ${settings.instances} instances, ${seconds(loadMs)} of load at ${settings.rate} requests/s, measured after ${seconds(settings.warmupMs)} of warm-up =====`);
  const requestRows = instances.map((instance) => {
    const q = quantiles(instance.latencies);
    return [instance.name, instance.requests, (instance.answered / measuredSeconds).toFixed(1), q(0.5), q(0.99), q(1), instance.failures, coresUsed(instance.samples.filter((s) => s.at >= settings.warmupMs))];
  });
  const all = instances.flatMap((instance) => instance.latencies);
  const q = quantiles(all);
  const measuredRequests = instances.reduce((sum, instance) => sum + instance.requests, 0);
  const answered = instances.reduce((sum, instance) => sum + instance.answered, 0);
  const failed = instances.reduce((sum, instance) => sum + instance.failures, 0);
  requestRows.push(['all', measuredRequests, (answered / measuredSeconds).toFixed(1), q(0.5), q(0.99), q(1), failed, '']);
  requestRows.push(['(this process)', '', '', '', '', '', '', generatorCores]);
  log(`\nrequests sent in the measured part; req/s answered in it; latency in ms from when each request was due to its answer; failures over the whole run:`);
  log(table(['instance', 'requests', 'req/s', 'p50', 'p99', 'max', 'failed', 'cores'], requestRows));
  log(`\nby kind (req/s: sent):`);
  log(table(['kind', 'requests', 'req/s', 'p50', 'p99', 'max', 'failed'], Object.entries(byKind).map(([kind, k]) => {
    const kq = quantiles(k.latencies);
    return [kind, k.requests, (k.requests / measuredSeconds).toFixed(1), kq(0.5), kq(0.99), kq(1), k.failures];
  })));
  if (maxLagMs > 100) log(`the load generator ran up to ${maxLagMs.toFixed(0)} ms behind its schedule (counted in the latencies)`);
  const rateHeld = answered / measuredSeconds >= settings.rate * RATE_HELD;
  check('rate held', rateHeld, `${(answered / measuredSeconds).toFixed(1)} req/s answered of ${settings.rate} sent per second (≥ ${Math.round(RATE_HELD * 100)}%); ${backlog} requests unanswered when the load ended`);
  check('no failed request', failed === 0, `${failed} failed${failures.length ? `: ${failures.slice(0, 3).join('; ')}` : ''}`);

  // Memory over time: up to ten columns across the measured part.
  log(`\nmemory over time, RSS / V8 heap used in MB (from /metrics, every ${seconds(sampleEveryMs)}):`);
  const measuredSamples = instances.map((instance) => instance.samples.filter((s) => s.at >= settings.warmupMs));
  const columns = Math.min(10, Math.min(...measuredSamples.map((s) => s.length)));
  if (columns > 0) {
    const marks = Array.from({ length: columns }, (_, c) => measuredSamples[0][Math.round((c * (measuredSamples[0].length - 1)) / Math.max(1, columns - 1))].at);
    const nearest = (samples, at) => samples.reduce((best, sample) => (Math.abs(sample.at - at) < Math.abs(best.at - at) ? sample : best));
    log(table(['instance', ...marks.map(seconds)], instances.map((instance, i) => [
      instance.name,
      ...marks.map((at) => {
        const sample = nearest(measuredSamples[i], at);
        return `${mb(sample.rss)}/${mb(sample.heap)}`;
      }),
    ])));
  }
  const memoryRows = [];
  for (const [i, instance] of instances.entries()) {
    if (instance.died) check(`${instance.name} alive`, false, instance.died);
    if (measuredSamples[i].length < 2) {
      check(`${instance.name} memory`, false, `too few samples (${measuredSamples[i].length}${instance.lastScrapeError ? `; ${instance.lastScrapeError}` : ''})`);
      continue;
    }
    const growth = memoryGrowth(measuredSamples[i]);
    const rssGrowth = (growth.rss_end - growth.rss_start) / 1024 / 1024;
    const heapGrowth = (growth.heap_end - growth.heap_start) / 1024 / 1024;
    const pass = rssGrowth <= settings.rssGrowthMb && heapGrowth <= settings.heapGrowthMb;
    memoryRows.push([instance.name, mb(growth.rss_start), mb(growth.rss_end), mb(growth.rss_max), rssGrowth.toFixed(1), mb(growth.heap_start), mb(growth.heap_end), heapGrowth.toFixed(1), pass ? 'PASS' : 'FAIL']);
    check(`${instance.name} memory`, pass, `RSS ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB (≤ ${settings.rssGrowthMb}), heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB (≤ ${settings.heapGrowthMb})`);
  }
  log(`\nmemory growth after warm-up (RSS: medians of the first and last tenth of the samples; heap: their lowest), bounds RSS ≤ ${settings.rssGrowthMb} MB, heap ≤ ${settings.heapGrowthMb} MB:`);
  log(table(['instance', 'RSS start', 'end', 'max', 'growth', 'heap start', 'end', 'growth', 'result'], memoryRows));

  // Events: every acknowledged write on every path.
  log(`\nevents (${acknowledged} writes acknowledged of ${writes.count} sent; waited ${(drainMs / 1000).toFixed(1)} s after the load for the last ones):`);
  const eventRows = [];
  const eventRow = (name, list, closed = 0) => {
    const tallies = list.map((d) => d.tally(writes));
    const sum = (field) => tallies.reduce((s, t) => s + t[field], 0);
    const latency = quantiles(list.flatMap((d) => d.latencies));
    const expected = acknowledged * list.length;
    eventRows.push([name, expected, expected - sum('lost'), sum('lost'), sum('duplicates'), sum('unacknowledged'), latency(0.5), latency(0.99), closed]);
    check(`${name}: nothing lost`, sum('lost') === 0, `${sum('lost')} of ${expected} lost, ${sum('duplicates')} duplicates`);
  };
  eventRow(`realtime (${subscribers.length} subscribers)`, subscribers.map((s) => s.deliveries), subscribers.filter((s) => s.closed !== null).length);
  eventRow('webhooks', [webhooks]);
  eventRow('flows', [flows]);
  log(table(['path', 'expected', 'delivered', 'lost', 'duplicates', 'unacked', 'p50 ms', 'p99 ms', 'closed'], eventRows));
  const webhookAttempts = ['delivered', 'retry', 'failed'].map((outcome) => `${outcome} ${finalMetrics.reduce((sum, values) => sum + (values[`cairn_webhook_deliveries_total{outcome="${outcome}"}`] ?? 0), 0)}`);
  const flowRuns = ['succeeded', 'failed'].map((outcome) => `${outcome} ${finalMetrics.reduce((sum, values) => sum + (values[`cairn_flow_runs_total{outcome="${outcome}"}`] ?? 0), 0)}`);
  log(`(latency: from when the write was due to its first arrival. Webhook attempts by the instances: ${webhookAttempts.join(', ')}; flow runs: ${flowRuns.join(', ')}; ` +
    `realtime connections at the end: ${finalMetrics.map((values) => sumOf(values, 'cairn_realtime_connections')).join('/')})`);

  for (const instance of instances) {
    if (instance.outputLines > 0) log(`\n${instance.name} printed ${instance.outputLines} lines at LOG_LEVEL=warn; the last (cut):\n${instance.output.slice(-5).map((l) => `  ${l.slice(0, 300)}`).join('\n')}`);
  }

  log(`\nchecks:`);
  for (const { name, pass, detail } of checks) log(`  ${pass ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  const ok = checks.every((c) => c.pass) && !interrupted;
  log(`\nsoak ${ok ? 'PASSED' : 'FAILED'} (started ${started.toISOString()}, load average at the end ${os.loadavg().map((n) => n.toFixed(2)).join(' ')})`);
  return ok;
}

async function main() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write(`\nsoak: ${signal}: stopping the load, then the instances, and dropping the database…\n`);
    });
  }
  const started = new Date();
  log(`Cairn soak: ${settings.instances} instances on PostgreSQL and Redis, ${settings.rate} requests/s for ${seconds(settings.durationMs)} (${seconds(settings.warmupMs)} of warm-up), ` +
    `${settings.subscribersPerInstance} realtime subscribers per instance, a webhook and an event flow`);
  log(`mix: ${MIX.map(([kind, share]) => `${kind} ${Math.round(share * 100)}%`).join(', ')}; load average at start ${os.loadavg().map((n) => n.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);

  const dir = mkdtempSync(join(os.tmpdir(), 'cairn-soak-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createBenchDatabase('postgres', settings.postgresUrl, dir);
  cleanups.push(() => database.drop());
  const redisUrl = settings.redisUrl ?? (await startRedis());
  log(`database ${database.name}; Redis ${settings.redisUrl ? 'SOAK_REDIS_URL' : `of its own at ${redisUrl}`}`);

  const { instances, admin, metricsToken } = await startInstances(database, redisUrl, dir);

  // Writes are counted by number; a generous capacity, since the rate is fixed.
  const capacity = Math.ceil((settings.rate * settings.durationMs) / 1000) + 1000;
  const writes = { count: 0, acknowledged: new Uint8Array(capacity) };
  const sentAt = new Float64Array(capacity);
  const webhooks = new Deliveries(capacity);
  const flows = new Deliveries(capacity);
  const receiver = await startReceiver(webhooks, flows, sentAt);
  const { key, ws } = await makeWorkspace(instances[0].baseUrl, admin, receiver);

  const subscribers = [];
  for (const instance of instances) {
    for (let i = 0; i < settings.subscribersPerInstance; i++) subscribers.push({ instance: instance.name, ...(await subscribe(instance.baseUrl, ws, key, capacity, sentAt)) });
  }
  log(`${subscribers.length} subscribers, a webhook and a flow to the receiver at ${receiver}; load starts\n`);

  const load = await runLoad({ instances, metricsToken, key, ws, writes, sentAt });
  log(`\nload done: ${load.sent} requests in ${(load.loadMs / 1000).toFixed(1)} s; waiting for the events still on their way, as long as some arrive within ${seconds(settings.drainMs)} of each other`);
  const drainMs = await waitForEvents([webhooks, flows, ...subscribers.map((s) => s.deliveries)], writes);
  const finalMetrics = await Promise.all(instances.map((instance) => scrape(instance, metricsToken).catch(() => instance.lastMetrics ?? {})));
  if (!report({ instances, subscribers, webhooks, flows, writes, load, drainMs, finalMetrics, started })) process.exitCode = 1;
}

await runBench(main, cleanups);
