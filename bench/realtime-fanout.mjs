// The realtime_fanout scenario: realtime subscribers on two Cairn instances that share the database and
// Redis, and a steady stream of writes through both; every subscriber must hear every write, and the
// time from the write's request to each delivery is measured. Run by bench/run.mjs.

import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

const COLLECTION = 'fanout_events';
/** How long after the last write the deliveries still in flight are waited for. */
const DRAIN_MS = 5_000;

/**
 * settings: { subscribersPerInstance, intervalMs, durationS }; startInstance(env) starts a Cairn
 * process with extra environment and answers { baseUrl }; request(baseUrl, method, path, { token, body }).
 */
export async function realtimeFanout({ settings, startInstance, request, key, ws, setupUrl, redisUrl, log }) {
  const created = await request(setupUrl, 'POST', `${ws}/collections`, { token: key, body: { collection: COLLECTION, fields: [{ field: 'title', type: 'string' }] } });
  if (created.status !== 201) throw new Error(`could not create ${COLLECTION}: ${created.status} ${created.text.slice(0, 200)}`);

  // Two instances on the same database, sharing a Redis under a prefix of their own.
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: `cairn-bench-${randomBytes(4).toString('hex')}:` };
  const instances = [await startInstance(env), await startInstance(env)];
  log(`  realtime_fanout: two instances with Redis at ${instances.map((i) => i.baseUrl).join(' and ')}`);

  const writes = Math.round((settings.durationS * 1000) / settings.intervalMs);
  const sentAt = new Float64Array(writes);
  const latencies = [];
  let delivered = 0;
  let unexpected = 0;
  const sockets = [];
  // Read as little as possible of each message: the load generator shares the machine with the servers.
  const marker = Buffer.from('"title":"fanout-');
  const onMessage = (data) => {
    const at = data.indexOf(marker);
    if (at === -1) return;
    let index = 0;
    for (let i = at + marker.length; data[i] >= 48 && data[i] <= 57; i++) index = index * 10 + (data[i] - 48);
    if (!(index >= 0 && index < writes) || sentAt[index] === 0) {
      unexpected += 1;
      return;
    }
    delivered += 1;
    latencies.push(performance.now() - sentAt[index]);
  };

  try {
    const connectStarted = Date.now();
    for (const instance of instances) {
      const url = `${instance.baseUrl.replace('http', 'ws')}${ws}/realtime?access_token=${key}`;
      const batch = [];
      for (let i = 0; i < settings.subscribersPerInstance; i++) batch.push(subscribe(url, onMessage));
      sockets.push(...(await Promise.all(batch)));
    }
    log(`  realtime_fanout: ${sockets.length} subscribers connected and subscribed in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);

    // One write every intervalMs, alternating between the instances, on a schedule that does not drift.
    const started = performance.now();
    const failures = [];
    const inFlight = [];
    for (let i = 0; i < writes; i++) {
      const due = started + i * settings.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sentAt[i] = performance.now();
      const target = instances[i % 2].baseUrl;
      inFlight.push(
        request(target, 'POST', `${ws}/items/${COLLECTION}`, { token: key, body: { title: `fanout-${i}` } }).then(
          (response) => response.status === 200 || failures.push(`write ${i}: ${response.status}`),
          (error) => failures.push(`write ${i}: ${error.message}`),
        ),
      );
    }
    await Promise.all(inFlight);
    const writeSeconds = (performance.now() - started) / 1000;
    const expected = writes * sockets.length;
    const drainUntil = Date.now() + DRAIN_MS;
    while (delivered < expected && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 50));

    latencies.sort((a, b) => a - b);
    const quantile = (q) => (latencies.length === 0 ? null : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10);
    return {
      subscribers: sockets.length,
      writes,
      write_seconds: Math.round(writeSeconds * 10) / 10,
      failed_writes: failures.length,
      expected,
      delivered,
      unexpected,
      lost: expected - delivered,
      latency_ms: { p50: quantile(0.5), p99: quantile(0.99), max: quantile(1) },
      problems: failures.slice(0, 5),
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    for (const instance of instances) await instance.stop();
  }
}

/** Opens a realtime connection and subscribes to the bench collection; resolves once init has arrived. */
function subscribe(url, onMessage) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { skipUTF8Validation: true, perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('a subscriber did not get its init within 30 s')), 30_000);
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', collection: COLLECTION, query: { fields: ['title'] }, uid: 'f' })));
    socket.once('message', (data) => {
      clearTimeout(timer);
      if (!data.toString().includes('"event":"init"')) return reject(new Error(`a subscription failed: ${data.toString().slice(0, 200)}`));
      socket.on('message', onMessage);
      resolve(socket);
    });
  });
}
