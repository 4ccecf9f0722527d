import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { MetricsPortServer } from '../../src/modules/metrics/metrics-port.server';
import { describeEachDatabase, Suite } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace, uniqueEmail } from '../support/factories';
import { Api } from '../support/http';
import { Family, parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { RealtimeClient } from '../support/realtime';
import { until } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdef';
const AUTH_LIMIT = 3;

/** Fast webhook retries to the loopback receiver; a small sign-in limit to be refused by. */
const TOKEN_ENV = {
  METRICS_TOKEN,
  WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms',
  WEBHOOK_POLL_INTERVAL: '100ms',
  WEBHOOK_TIMEOUT: '1s',
  FLOW_POLL_INTERVAL: '100ms',
  RATE_LIMIT_AUTH: `${AUTH_LIMIT}/15m`,
};

/** Every family docs/metrics.md describes, with its type. */
const FAMILIES: Record<string, string> = {
  cairn_http_requests_total: 'counter',
  cairn_http_request_duration_seconds: 'histogram',
  cairn_db_query_duration_seconds: 'histogram',
  cairn_db_query_errors_total: 'counter',
  cairn_db_pool_connections: 'gauge',
  cairn_db_pool_waiting: 'gauge',
  cairn_db_pool_max: 'gauge',
  cairn_realtime_connections: 'gauge',
  cairn_realtime_subscriptions: 'gauge',
  cairn_webhook_outbox_pending: 'gauge',
  cairn_webhook_deliveries_total: 'counter',
  cairn_webhook_delivery_duration_seconds: 'histogram',
  cairn_flow_runs_total: 'counter',
  cairn_flow_run_duration_seconds: 'histogram',
  cairn_handler_runs_total: 'counter',
  cairn_handler_run_duration_seconds: 'histogram',
  cairn_rate_limit_refusals_total: 'counter',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
};

const ITEMS_ROUTE = '/api/v1/w/:ws/items/:collection';

/** Scrapes as Prometheus would and parses the answer strictly. */
async function scrape(api: Api, path = '/metrics'): Promise<Map<string, Family>> {
  const response = await api.get(path, { token: METRICS_TOKEN });
  assert.equal(response.status, 200, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.text);
}

function assertFamilies(families: Map<string, Family>): void {
  for (const [name, type] of Object.entries(FAMILIES)) {
    assert.equal(families.get(name)?.type, type, `${name} is a ${type}`);
    assert.ok(families.get(name)!.help.length > 0, `${name} has a help text`);
  }
}

/** The pool's gauges: samples on PostgreSQL and MariaDB, none on SQLite, which has no pool. */
function assertPool(families: Map<string, Family>, kind: Suite['kind']): void {
  if (kind === 'sqlite') {
    assert.deepEqual(families.get('cairn_db_pool_connections')!.samples, []);
    return;
  }
  const database = kind;
  assert.equal(sampleValue(families, 'cairn_db_pool_max', { database }), 10, 'DATABASE_POOL_SIZE');
  const inUse = sampleValue(families, 'cairn_db_pool_connections', { database, state: 'in_use' });
  const idle = sampleValue(families, 'cairn_db_pool_connections', { database, state: 'idle' });
  assert.ok(inUse + idle >= 1 && inUse + idle <= 10, `${inUse} in use and ${idle} idle of 10`);
  assert.ok(sampleValue(families, 'cairn_db_pool_waiting', { database }) >= 0);
}

describeEachDatabase('metrics behind METRICS_TOKEN', { env: TOKEN_ENV }, (suite) => {
  let api: Api;
  let base: string;
  let ownerToken: string;
  const receivers: WebhookReceiver[] = [];

  before(async () => {
    const owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    ownerToken = owned.owner.accessToken;
    for (const collection of ['orders', 'paid', 'refused', 'held']) await newCollection(api, base, { collection, fields: [{ field: 'total', type: 'integer' }] });
  });

  after(async () => {
    for (const receiver of receivers) await receiver.close();
  });

  const metrics = () => scrape(suite.api);

  async function receiver(...reactions: Parameters<WebhookReceiver['answer']>): Promise<WebhookReceiver> {
    const started = await WebhookReceiver.start();
    started.answer(...reactions);
    receivers.push(started);
    return started;
  }

  async function webhookTo(url: string, collection: string): Promise<string> {
    const created = await api.post(`${base}/webhooks`, { name: collection, url, collections: [collection], events: ['create'] });
    assert.equal(created.status, 201, created.text);
    return created.body.data.id;
  }

  const deliveries = async (webhookId: string): Promise<Array<{ status: string; attempts: number }>> => (await api.get(`${base}/webhooks/${webhookId}/deliveries`)).body.data;

  it('answers 401 in the error envelope without the token, with another one or another scheme', async () => {
    const missing = await suite.api.get('/metrics', { token: null });
    assertError(missing, 401, 'INVALID_CREDENTIALS');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="metrics"');
    assertError(await suite.api.get('/metrics', { token: `${METRICS_TOKEN}x` }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.get('/metrics', { token: METRICS_TOKEN.slice(0, -1) }), 401, 'INVALID_TOKEN');
    assertError(await suite.api.get('/metrics', { token: null, headers: { authorization: `Basic ${METRICS_TOKEN}` } }), 401, 'INVALID_CREDENTIALS');
    // An account's access token is no metrics token.
    assertError(await suite.api.get('/metrics', { token: ownerToken }), 401, 'INVALID_TOKEN');
  });

  it('answers every family in the text format with the token, the process metrics among them', async () => {
    const families = await metrics();
    assertFamilies(families);
    assertPool(families, suite.kind);
    assert.ok(sampleValue(families, 'process_cpu_seconds_total') > 0);
    assert.ok(sampleValue(families, 'nodejs_heap_size_used_bytes') > 0);
  });

  it('counts a request under its route pattern, method and status, with its time, and its statements', async () => {
    const before = await metrics();
    const listed = await api.get(`${base}/items/orders`);
    assert.equal(listed.status, 200, listed.text);
    assertError(await api.get(`${base}/items/nope`), 404, 'NOT_FOUND');
    assertError(await api.get('/api/v1/no/such/path-7f3a'), 404, 'NOT_FOUND');
    const after = await metrics();

    const moved = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    assert.equal(moved('cairn_http_requests_total', { route: ITEMS_ROUTE, method: 'GET', status: '200' }), 1);
    assert.equal(moved('cairn_http_requests_total', { route: ITEMS_ROUTE, method: 'GET', status: '404' }), 1);
    assert.equal(moved('cairn_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 1);
    assert.equal(moved('cairn_http_request_duration_seconds_count', { route: ITEMS_ROUTE, method: 'GET' }), 2);
    assert.ok(moved('cairn_http_request_duration_seconds_sum', { route: ITEMS_ROUTE, method: 'GET' }) > 0);
    assert.equal(moved('cairn_http_request_duration_seconds_bucket', { route: ITEMS_ROUTE, method: 'GET', le: '+Inf' }), 2);
    assert.ok(moved('cairn_db_query_duration_seconds_count', {}) > 0, 'the reads ran statements');
    // Paths never become labels: only route patterns do.
    const routes = after.get('cairn_http_requests_total')!.samples.map((sample) => sample.labels.route);
    assert.ok(routes.every((route) => !route.includes('7f3a') && !route.includes('/orders')), routes.join(', '));
    assertPool(after, suite.kind);
  });

  it('counts webhook deliveries delivered, retried and failed', async () => {
    const [ok, failing] = [await receiver({ status: 200 }), await receiver({ status: 500 })];
    const [paid, refused] = [await webhookTo(ok.url(), 'paid'), await webhookTo(failing.url(), 'refused')];
    const before = await metrics();
    assert.equal((await api.post(`${base}/items/paid`, { total: 1 })).status, 200);
    assert.equal((await api.post(`${base}/items/refused`, { total: 2 })).status, 200);
    await until('the delivery is delivered', () => deliveries(paid), (list) => list[0]?.status === 'delivered');
    await until('the other delivery has failed', () => deliveries(refused), (list) => list[0]?.status === 'failed');
    const after = await metrics();

    const moved = (outcome: string) => sampleValue(after, 'cairn_webhook_deliveries_total', { outcome }) - sampleValue(before, 'cairn_webhook_deliveries_total', { outcome });
    assert.deepEqual({ delivered: moved('delivered'), retry: moved('retry'), failed: moved('failed') }, { delivered: 1, retry: 3, failed: 1 });
    assert.equal(sampleValue(after, 'cairn_webhook_delivery_duration_seconds_count') - sampleValue(before, 'cairn_webhook_delivery_duration_seconds_count'), 5);
    assert.equal(ok.received.length, 1);
  });

  it('reports the outbox depth: a delivery whose receiver has not answered yet is pending', async () => {
    const hanging = await receiver('hang');
    await webhookTo(hanging.url(), 'held');
    assert.equal((await api.post(`${base}/items/held`, { total: 3 })).status, 200);
    await hanging.waitFor(1);
    assert.ok(sampleValue(await metrics(), 'cairn_webhook_outbox_pending') >= 1);
  });

  it('counts flow runs by outcome', async () => {
    const failing = await receiver({ status: 500 });
    const flow = async (operation: Record<string, unknown>) => {
      const created = await api.post(`${base}/flows`, { name: 'f', trigger: { type: 'manual' }, operations: [{ key: 'a', ...operation }], first: 'a' });
      assert.equal(created.status, 201, created.text);
      return created.body.data.id as string;
    };
    const run = async (flowId: string) => {
      const queued = await api.post(`${base}/flows/${flowId}/trigger`, {});
      assert.equal(queued.status, 202, queued.text);
      const runId = queued.body.data.id as string;
      return until('the run finishes', async () => (await api.get(`${base}/flows/${flowId}/runs/${runId}`)).body.data, (r) => r.status === 'succeeded' || r.status === 'failed');
    };
    const [logs, requests] = [await flow({ type: 'log', options: { message: 'hello' } }), await flow({ type: 'request', options: { url: failing.url() } })];
    const before = await metrics();
    assert.equal((await run(logs)).status, 'succeeded');
    assert.equal((await run(requests)).status, 'failed');
    const after = await metrics();

    const moved = (outcome: string) => sampleValue(after, 'cairn_flow_runs_total', { outcome }) - sampleValue(before, 'cairn_flow_runs_total', { outcome });
    assert.deepEqual({ succeeded: moved('succeeded'), failed: moved('failed') }, { succeeded: 1, failed: 1 });
    assert.equal(sampleValue(after, 'cairn_flow_run_duration_seconds_count') - sampleValue(before, 'cairn_flow_run_duration_seconds_count'), 2);
  });

  it('counts handler runs by outcome, a timeout among them, with their time', async () => {
    const endpoint = async (path: string, code: string, timeoutMs: number) => {
      const created = await api.post(`${base}/handlers`, { name: path.slice(1), kind: 'endpoint', method: 'GET', path, code, timeout_ms: timeoutMs });
      assert.equal(created.status, 201, created.text);
    };
    await endpoint('/hello', 'module.exports = () => "hello";', 5000);
    await endpoint('/wait', 'module.exports = () => new Promise(() => {});', 300);
    const before = await metrics();
    const hello = await api.get(`${base}/custom/hello`);
    assert.equal(hello.status, 200, hello.text);
    assertError(await api.get(`${base}/custom/wait`), 504, 'HANDLER_TIMEOUT');
    const after = await metrics();

    const moved = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    assert.equal(moved('cairn_handler_runs_total', { kind: 'endpoint', outcome: 'ok' }), 1);
    assert.equal(moved('cairn_handler_runs_total', { kind: 'endpoint', outcome: 'timeout' }), 1);
    assert.equal(moved('cairn_handler_run_duration_seconds_count', { kind: 'endpoint' }), 2);
    assert.ok(moved('cairn_handler_run_duration_seconds_sum', { kind: 'endpoint' }) >= 0.3, 'the timed-out run took its deadline');
    assert.equal(moved('cairn_http_requests_total', { route: '/api/v1/w/:ws/custom/*', method: 'GET', status: '504' }), 1);
  });

  it('counts realtime connections and their subscriptions while they are open', async () => {
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime`);
    try {
      client.send({ type: 'auth', access_token: ownerToken });
      assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
      assert.equal((await client.subscribe('orders', { fields: ['id'] }, 'one')).event, 'init');
      assert.equal((await client.subscribe('paid', { fields: ['id'] }, 'two')).event, 'init');
      const open = await metrics();
      assert.equal(sampleValue(open, 'cairn_realtime_connections'), 1);
      assert.equal(sampleValue(open, 'cairn_realtime_subscriptions'), 2);
    } finally {
      client.close();
    }
    await until('the connection is gone from the metrics', metrics, (families) => sampleValue(families, 'cairn_realtime_connections') === 0);
    assert.equal(sampleValue(await metrics(), 'cairn_realtime_subscriptions'), 0);
  });

  it('counts a sign-in refused by the rate limit', async () => {
    const before = await metrics();
    const email = uniqueEmail('guess');
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      assertError(await suite.api.post('/api/v1/auth/login', { email, password: 'wrong' }, { token: null }), 401, 'INVALID_CREDENTIALS');
    }
    assertError(await suite.api.post('/api/v1/auth/login', { email, password: 'wrong' }, { token: null }), 429, 'RATE_LIMITED');
    const after = await metrics();
    assert.equal(sampleValue(after, 'cairn_rate_limit_refusals_total', { limit: 'sign-in' }) - sampleValue(before, 'cairn_rate_limit_refusals_total', { limit: 'sign-in' }), 1);
    assert.equal(sampleValue(after, 'cairn_http_requests_total', { route: '/api/v1/auth/login', status: '429' }) - sampleValue(before, 'cairn_http_requests_total', { route: '/api/v1/auth/login', status: '429' }), 1);
  });
});

/** With TRUST_PROXY, each anonymous request counts against the address it says it comes from. */
const GLOBAL_LIMIT = 2;
const PORT_ENV = { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', TRUST_PROXY: 'true', RATE_LIMIT_GLOBAL: `${GLOBAL_LIMIT}/1m` };

describeEachDatabase('metrics on METRICS_PORT', { env: PORT_ENV }, (suite) => {
  let metricsUrl: string;

  before(() => {
    metricsUrl = `http://127.0.0.1:${suite.app.nest.get(MetricsPortServer).port}`;
  });

  const scrapePort = async (): Promise<Map<string, Family>> => {
    const response = await fetch(`${metricsUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };

  it('serves the metrics on their own port, without a token when none is set', async () => {
    const families = await scrapePort();
    assertFamilies(families);
    assertPool(families, suite.kind);
  });

  it('serves no /metrics on the main port', async () => {
    assertError(await suite.api.get('/metrics', { token: null }), 404, 'NOT_FOUND');
    assertError(await suite.api.get('/metrics', { token: METRICS_TOKEN }), 404, 'NOT_FOUND');
  });

  it('answers nothing but GET /metrics on the metrics port', async () => {
    for (const [method, path] of [['GET', '/'], ['GET', '/api/v1/health'], ['POST', '/metrics']]) {
      const response = await fetch(`${metricsUrl}${path}`, { method });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code, 'NOT_FOUND');
    }
  });

  it('counts a request refused by the global rate limit', async () => {
    const before = await scrapePort();
    // Logout is public and counts against the global limit of its caller, here its address.
    const logout = () => suite.api.post('/api/v1/auth/logout', { refresh_token: 'not-a-token' }, { token: null, headers: { 'x-forwarded-for': '198.51.100.7' } });
    for (let request = 1; request <= GLOBAL_LIMIT; request++) assert.equal((await logout()).status, 204);
    assertError(await logout(), 429, 'RATE_LIMITED');
    const after = await scrapePort();
    assert.equal(sampleValue(after, 'cairn_rate_limit_refusals_total', { limit: 'global' }) - sampleValue(before, 'cairn_rate_limit_refusals_total', { limit: 'global' }), 1);
  });
});

describeEachDatabase('metrics on METRICS_PORT behind METRICS_TOKEN', { env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_TOKEN } }, (suite) => {
  it('asks for the token on the metrics port, and serves nothing on the main port', async () => {
    const port = new Api(`http://127.0.0.1:${suite.app.nest.get(MetricsPortServer).port}`);
    assertError(await port.get('/metrics', { token: null }), 401, 'INVALID_CREDENTIALS');
    assertError(await port.get('/metrics', { token: `${METRICS_TOKEN}x` }), 401, 'INVALID_TOKEN');
    assertFamilies(await scrape(port));
    assertError(await suite.api.get('/metrics', { token: METRICS_TOKEN }), 404, 'NOT_FOUND');
  });
});

describeEachDatabase('metrics with neither METRICS_TOKEN nor METRICS_PORT', {}, (suite) => {
  it('answers 401 to everyone, saying how to enable them', async () => {
    for (const token of [null, METRICS_TOKEN]) {
      const response = await suite.api.get('/metrics', { token });
      assertError(response, 401, 'INVALID_CREDENTIALS');
      assert.match(response.body.errors[0].message, /METRICS_TOKEN/);
    }
  });
});
