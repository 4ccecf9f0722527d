// The realtime_fanout scenario: realtime subscribers on two Cairn instances that share the database and
// Redis, and a steady stream of writes through both; every subscriber must hear every write, and the
// time from the write's request to each delivery is measured. Run by bench/run.mjs.
//
// The subscribers live in worker threads (this same file), so that the thread that sends the writes and
// times them is not the one reading two thousand sockets: its clock would otherwise run late.

import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const COLLECTION = 'fanout_events';
/** How long after the last write the deliveries still in flight are waited for. */
const DRAIN_MS = 5_000;

/** Where every socket of a thread reads into: the bytes are handled before the next read. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** One clock for every thread: milliseconds since the epoch, to a fraction. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * Measures Cairn's fan-out, then the baseline's (bench/baseline-fanout-server.mjs) on the same table and
 * Redis; answers Cairn's figures with the baseline's as `baseline`.
 *
 * settings: { subscribersPerInstance, intervalMs, durationS, warmupS, workers }; startInstance(env) starts a
 * Cairn process with extra environment and startBaseline({ table, redisUrl, channel }) a baseline server,
 * each answering { name, child, baseUrl, stop }; tableOf(collection) answers a collection's table;
 * request(baseUrl, method, path, { token, body }); cpu: { snapshot(instances), report(before, after,
 * instances, writes) } from run.mjs.
 */
export async function realtimeFanout({ settings, startInstance, startBaseline, tableOf, request, key, ws, setupUrl, redisUrl, log, cpu }) {
  const created = await request(setupUrl, 'POST', `${ws}/collections`, { token: key, body: { collection: COLLECTION, fields: [{ field: 'title', type: 'string' }] } });
  if (created.status !== 201) throw new Error(`could not create ${COLLECTION}: ${created.status} ${created.text.slice(0, 200)}`);

  // Two instances on the same database, sharing a Redis under a prefix of their own.
  const prefix = `cairn-bench-${randomBytes(4).toString('hex')}:`;
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
  const cairn = await measureFanout({ settings, key, ws, log, cpu, instances: [await startInstance(env), await startInstance(env)] });
  const baselineSettings = { table: await tableOf(COLLECTION), redisUrl, channel: `${prefix}baseline-fanout` };
  const baseline = await measureFanout({ settings, key, ws, log, cpu, instances: [await startBaseline(baselineSettings), await startBaseline(baselineSettings)] });
  return { ...cairn, baseline };
}

/** Runs the scenario against two started servers, and stops them. */
async function measureFanout({ settings, key, ws, log, cpu, instances }) {
  log(`  realtime_fanout: two ${instances[0].name.replace(/_\d+$/, '')} servers at ${instances.map((i) => i.baseUrl).join(' and ')}`);
  const writes = Math.round((settings.durationS * 1000) / settings.intervalMs);
  // When each write was sent, read by the workers; and each worker's count of deliveries so far.
  const sentAt = new Float64Array(new SharedArrayBuffer(writes * 8));
  const deliveredBy = new Int32Array(new SharedArrayBuffer(settings.workers * 4));
  const writeLatencies = new Float64Array(writes);
  const urls = instances.map((instance) => `${instance.baseUrl.replace('http', 'ws')}${ws}/realtime?access_token=${key}`);
  const workers = [];
  // Kept-alive connections for the writes: the thread that sends and times them shares the machine too.
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  try {
    const connectStarted = Date.now();
    // Each worker takes an even share of each instance's subscribers.
    for (let w = 0; w < settings.workers; w++) {
      const share = (total) => Math.floor(total / settings.workers) + (w < total % settings.workers ? 1 : 0);
      const worker = new Worker(new URL(import.meta.url), {
        workerData: { index: w, subscriptions: urls.map((url) => ({ url, count: share(settings.subscribersPerInstance) })), sentAt, deliveredBy, writes },
      });
      workers.push(subscriberThread(worker));
    }
    await Promise.all(workers.map((worker) => worker.ready));
    const subscribers = settings.subscribersPerInstance * instances.length;
    log(`  realtime_fanout: ${subscribers} subscribers in ${settings.workers} threads connected and subscribed in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);

    // One write every intervalMs, alternating between the instances, on a schedule that does not drift.
    // The instances are fresh: a warm-up stream, whose titles the subscribers do not count, runs first
    // (as the other scenarios warm up before they are measured), and the measured stream follows it
    // without a pause.
    const failures = [];
    const stream = async (count, onSend) => {
      const started = performance.now();
      const inFlight = [];
      for (let i = 0; i < count; i++) {
        const due = started + i * settings.intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const { title, answered } = onSend(i);
        const target = instances[i % 2].baseUrl;
        inFlight.push(
          post(agent, `${target}${ws}/items/${COLLECTION}`, key, { title }).then(
            (status) => {
              answered?.();
              if (status !== 200) failures.push(`${title}: ${status}`);
            },
            (error) => failures.push(`${title}: ${error.message}`),
          ),
        );
      }
      return inFlight;
    };
    const warmups = Math.round((settings.warmupS * 1000) / settings.intervalMs);
    const warmingUp = await stream(warmups, (i) => ({ title: `warmup-${i}` }));
    const started = performance.now();
    const cpuBefore = cpu.snapshot(instances);
    const measured = await stream(writes, (i) => {
      sentAt[i] = clock();
      return { title: `fanout-${i}`, answered: () => (writeLatencies[i] = clock() - sentAt[i]) };
    });
    const cpuUsed = cpu.report(cpuBefore, cpu.snapshot(instances), instances, writes);
    await Promise.all([...warmingUp, ...measured]);
    const writeSeconds = (performance.now() - started) / 1000;
    const expected = writes * subscribers;
    const deliveredSoFar = () => deliveredBy.reduce((sum, count) => sum + count, 0);
    const drainUntil = Date.now() + DRAIN_MS;
    while (deliveredSoFar() < expected && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 50));

    const results = await Promise.all(workers.map((worker) => worker.finish()));
    const delivered = results.reduce((sum, result) => sum + result.delivered, 0);
    const latencies = new Float64Array(delivered);
    let at = 0;
    for (const result of results) {
      latencies.set(result.latencies, at);
      at += result.latencies.length;
    }
    const quantile = quantiles(latencies);
    const writeQuantile = quantiles(writeLatencies);
    return {
      subscribers,
      writes,
      warmup_writes: warmups,
      write_seconds: Math.round(writeSeconds * 10) / 10,
      failed_writes: failures.length,
      expected,
      delivered,
      unexpected: results.reduce((sum, result) => sum + result.unexpected, 0),
      lost: expected - delivered,
      latency_ms: { p50: quantile(0.5), p99: quantile(0.99), max: quantile(1) },
      // The part of a delivery's latency that is the write itself: its request until its answer.
      write_latency_ms: { p50: writeQuantile(0.5), p99: writeQuantile(0.99) },
      // Where the CPU went while the measured writes were sent; per request means per write and its deliveries.
      cpu: cpuUsed,
      problems: failures.slice(0, 5),
    };
  } finally {
    agent.destroy();
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const instance of instances) await instance.stop();
  }
}

/** POSTs a JSON body through the agent; answers the status once the answer has been read. */
function post(agent, url, token, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const outgoing = httpRequest(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

/** The main thread's handle on a subscriber thread: ready once subscribed; finish() answers its figures. */
function subscriberThread(worker) {
  let failed;
  const failure = new Promise((_, reject) => {
    failed = reject;
    worker.once('error', reject);
  });
  failure.catch(() => undefined);
  const next = (type) => Promise.race([failure, new Promise((resolve) => worker.on('message', (message) => message.type === type && resolve(message)))]);
  worker.on('message', (message) => message.type === 'error' && failed(new Error(message.message)));
  const ready = next('ready');
  return {
    ready,
    async finish() {
      const result = next('result');
      worker.postMessage('finish');
      return result;
    },
    stop: () => worker.terminate(),
  };
}

/** A subscriber thread: opens its share of the connections, and counts and times every delivery. */
async function runSubscribers({ index, subscriptions, sentAt, deliveredBy, writes }) {
  const total = subscriptions.reduce((sum, { count }) => sum + count, 0);
  const latencies = new Float64Array(writes * total);
  let delivered = 0;
  let unexpected = 0;
  // Read as little as possible of each message: the load generator shares the machine with the servers.
  const marker = Buffer.from('"title":"fanout-');
  const onMessage = (frame, start, end, now) => {
    const at = frame.indexOf(marker, start);
    if (at === -1 || at >= end) return;
    let write = 0;
    for (let i = at + marker.length; i < end && frame[i] >= 48 && frame[i] <= 57; i++) write = write * 10 + (frame[i] - 48);
    if (!(write >= 0 && write < writes) || sentAt[write] === 0 || delivered >= latencies.length) {
      unexpected += 1;
      return;
    }
    latencies[delivered++] = now - sentAt[write];
    Atomics.add(deliveredBy, index, 1);
  };
  const sockets = [];
  try {
    for (const { url, count } of subscriptions) {
      const batch = [];
      for (let i = 0; i < count; i++) batch.push(subscribe(url, onMessage));
      sockets.push(...(await Promise.all(batch)));
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: error.message });
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  parentPort.once('message', () => {
    for (const socket of sockets) socket.destroy();
    const measured = latencies.slice(0, delivered);
    parentPort.postMessage({ type: 'result', delivered, unexpected, latencies: measured }, [measured.buffer]);
  });
}

if (!isMainThread && workerData?.subscriptions) void runSubscribers(workerData);

/** Answers q → the q-quantile of the values, in ms to a tenth. */
function quantiles(values) {
  const sorted = Float64Array.from(values).sort();
  return (q) => (sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10);
}

/**
 * Opens a realtime connection and subscribes to the bench collection; resolves once init has arrived.
 * The subscribers are lean WebSocket clients rather than `ws` clients, because two thousand of them in
 * one process spend more CPU than the instances they measure, on a machine they share: the handshake
 * is written by hand on a plain TCP socket, whose reads land in one buffer per thread (`onread`, no
 * stream and no allocation per read), and a frame's text is only searched for the marker, never
 * parsed as JSON.
 */
function subscribe(url, onMessage) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a subscriber did not get its init within 30 s')), 30_000);
    const { hostname, port, pathname, search } = new URL(url);
    let initialised = false;
    let handshaken = false;
    let pending = null;
    const reader = frameReader((opcode, frame, start, end, now) => {
      if (opcode === 0x9) return socket.write(clientFrame(0xa, frame.subarray(start, end)));
      if (opcode === 0x8) return;
      if (initialised) {
        // The server's heartbeat asks for a pong message ({"type":"ping"}); anything else is an event.
        if (frame[start + TYPE_AT] === 0x70) socket.write(clientFrame(0x1, PONG));
        else onMessage(frame, start, end, now);
        return;
      }
      const payload = frame.subarray(start, end);
      clearTimeout(timer);
      if (!payload.includes('"event":"init"')) return reject(new Error(`a subscription failed: ${payload.toString().slice(0, 200)}`));
      initialised = true;
      resolve(socket);
    });
    const socket = connect({
      host: hostname,
      port: Number(port),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (length, buffer) => {
          if (handshaken) return reader(buffer.subarray(0, length));
          // Until the handshake's answer is whole, its bytes are kept; what follows it is frames.
          pending = pending ? Buffer.concat([pending, buffer.subarray(0, length)]) : Buffer.from(buffer.subarray(0, length));
          const headEnd = pending.indexOf('\r\n\r\n');
          if (headEnd === -1) return;
          const status = pending.subarray(0, pending.indexOf('\r\n')).toString();
          if (!/^HTTP\/1\.1 101 /.test(status)) return reject(new Error(`the WebSocket handshake was answered ${status}`));
          handshaken = true;
          const rest = pending.subarray(headEnd + 4);
          pending = null;
          socket.write(clientFrame(0x1, Buffer.from(JSON.stringify({ type: 'subscribe', collection: COLLECTION, query: { fields: ['title'] }, uid: 'f' }))));
          if (rest.length > 0) reader(rest);
        },
      },
    });
    // After init an error only ends this subscriber; its missing deliveries show as lost.
    socket.on('error', reject);
    socket.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    );
  });
}

/** Where the value of a server message's type starts: `{"type":"`. */
const TYPE_AT = 9;
const PONG = Buffer.from(JSON.stringify({ type: 'pong' }));

/**
 * Answers a function that takes the socket's chunks and calls onFrame(opcode, buffer, start, end, now) for
 * each whole frame (unmasked, as servers send), with the time the chunk was read.
 */
function frameReader(onFrame) {
  let pending = null;
  return (chunk) => {
    const now = clock();
    // A frame rarely spans two chunks; only then are bytes copied. Chunks are read into a buffer that the
    // next read overwrites, so what is left of one is copied.
    const buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let at = 0;
    while (buffer.length - at >= 2) {
      let length = buffer[at + 1] & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = buffer.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        length = Number(buffer.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (buffer.length - at < header + length) break;
      onFrame(buffer[at] & 0x0f, buffer, at + header, at + header + length, now);
      at += header + length;
    }
    if (at < buffer.length) pending = Buffer.from(buffer.subarray(at));
  };
}

/** A final, masked client frame, as RFC 6455 requires of clients. */
function clientFrame(opcode, payload) {
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const mask = randomBytes(4);
  const masked = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([header, mask, masked]);
}
