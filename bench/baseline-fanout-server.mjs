// The baseline of realtime_fanout: the least a server must do for the same fan-out, with no framework,
// no auth, no policies and no query: node:http and `ws` for the endpoints, the database driver for the
// insert, ioredis to pass each new row to every instance, and the same delivery rounds as Cairn (an
// event after a quiet spell goes out at once, then at most one write per client per interval, a hundred
// clients per turn of the event loop). It tells what this machine allows the scenario; Cairn's figures
// are read against it.
//
// Started by bench/run.mjs as a child process (fork) with its settings in the environment; it tells the
// parent its port over IPC once it listens.

import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Sender, WebSocketServer } from 'ws';
import { datetimeParam, dialect, openDatabase } from './db.mjs';

const env = process.env;
const kind = env.BASELINE_DB_KIND;
const { quote: q, placeholder: p } = dialect(kind);
const table = q(env.FANOUT_TABLE);
const channel = env.FANOUT_CHANNEL;
const intervalMs = Number(env.FANOUT_FLUSH_MS ?? 50);
const SLICE = 100;

const insert = `INSERT INTO ${table} (${q('title')}, ${q('created_at')}, ${q('updated_at')}) VALUES (${p(1)}, ${p(2)}, ${p(3)})`;
const db = await openDatabase(kind, env.BASELINE_DB_LOCATION, { poolSize: Number(env.BASELINE_POOL_SIZE ?? 10) });
const publisher = new Redis(env.FANOUT_REDIS_URL);
const listener = new Redis(env.FANOUT_REDIS_URL);

async function create(title) {
  const now = datetimeParam(new Date(), kind);
  if (kind === 'postgres') return (await db.query(`${insert} RETURNING ${q('id')}, ${q('title')}`, [title, now, now]))[0];
  const { insertId } = await db.run(insert, [title, now, now]);
  return { id: insertId, title };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const title = req.method === 'POST' && req.url.endsWith('/items/fanout_events') ? JSON.parse(Buffer.concat(chunks).toString()).title : undefined;
      if (typeof title !== 'string') throw Object.assign(new Error('not found'), { status: 404 });
      const row = await create(title);
      await publisher.publish(channel, JSON.stringify(row));
      const body = JSON.stringify({ data: row });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch (error) {
      res.writeHead(error.status ?? 500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors: [{ message: error.message }] }));
    }
  });
});

/** Every client that subscribed, with its uid and what waits to be written to it. */
const clients = new Set();
const frame = (text) => Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));

const sockets = new WebSocketServer({ server, perMessageDeflate: false });
sockets.on('connection', (socket) => {
  const client = { socket, raw: socket._socket, uid: null, queue: [] };
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (message.type === 'subscribe') {
      client.uid = String(message.uid ?? '1');
      clients.add(client);
      client.raw.write(frame(JSON.stringify({ type: 'subscription', event: 'init', data: [], uid: client.uid })));
    } else if (message.type === 'ping') {
      client.raw.write(frame('{"type":"pong"}'));
    }
  });
  socket.on('close', () => clients.delete(client));
  socket.on('error', () => clients.delete(client));
});

// Delivery rounds: at once after a quiet spell, otherwise no sooner than intervalMs after the last one.
const due = new Set();
let scheduled = false;
let lastRound = Number.NEGATIVE_INFINITY;

function schedule(client) {
  due.add(client);
  if (scheduled) return;
  scheduled = true;
  const wait = lastRound + intervalMs - performance.now();
  if (wait > 0) setTimeout(round, wait);
  else setImmediate(round);
}

function round() {
  scheduled = false;
  lastRound = performance.now();
  const batch = [...due];
  due.clear();
  writeSlice(batch, 0);
}

function writeSlice(batch, from) {
  const to = Math.min(batch.length, from + SLICE);
  for (let i = from; i < to; i++) {
    const client = batch[i];
    const frames = client.queue;
    client.queue = [];
    if (client.raw.writable) client.raw.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }
  if (to < batch.length) setImmediate(() => writeSlice(batch, to));
}

listener.on('message', (_channel, message) => {
  const row = JSON.parse(message);
  const byUid = new Map();
  for (const client of clients) {
    let framed = byUid.get(client.uid);
    if (!framed) byUid.set(client.uid, (framed = frame(`{"type":"subscription","event":"create","data":[${JSON.stringify(row)}],"uid":${JSON.stringify(client.uid)}}`)));
    client.queue.push(framed);
    if (client.queue.length === 1) schedule(client);
  }
});
await listener.subscribe(channel);

server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    void Promise.allSettled([db.close(), publisher.quit(), listener.quit()]).finally(() => process.exit(0));
  });
}
