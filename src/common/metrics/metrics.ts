import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The connections of the database's pool, read when metrics are scraped. */
export interface PoolUsage {
  /** The database kind, the pool gauges' label: `postgres` or `mysql`. */
  database: string;
  inUse: number;
  idle: number;
  /** Requests waiting for a connection of the pool. */
  waiting: number;
  /** The most connections the pool opens (DATABASE_POOL_SIZE). */
  max: number;
}

/** The realtime API's live connections and the subscriptions they hold, read when metrics are scraped. */
export interface RealtimeUsage {
  connections: number;
  subscriptions: number;
}

/** What became of one attempt to send a webhook delivery. */
export type WebhookOutcome = 'delivered' | 'retry' | 'failed';

/** The limit that refused a request: the global one, or the kind of an auth route's limit. */
export type RateLimitName = 'global' | 'sign-in' | 'token' | 'request';

/** The route label of a request that matched no route (a 404), so that unknown paths make no series. */
export const UNMATCHED_ROUTE = 'unmatched';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LONG_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** One route, method and status's pair of series, kept so that a request finds them without prom-client hashing its labels again. */
interface RequestSeries {
  count: Counter.Internal;
  duration: Histogram.Internal<'route' | 'method'>;
}

/**
 * Cairn's metrics: one Prometheus registry per application, the series Cairn keeps in it, and the one
 * method each code path calls to record what it did. Gauges of things other code owns (the database's
 * pool, realtime connections, the webhook outbox) are read from the probe their owner hands in, when a
 * scrape asks, rather than kept up to date on every change. Labels take values from small closed sets
 * (route patterns, never paths), so the number of series stays bounded. See docs/metrics.md.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly requestSeries = new Map<string, RequestSeries>();
  private poolProbe: (() => PoolUsage | null) | null = null;
  private realtimeProbe: (() => RealtimeUsage) | null = null;
  private outboxProbe: (() => Promise<number>) | null = null;

  private readonly httpRequests = new Counter({
    name: 'cairn_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'cairn_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its answer, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly queryDuration = new Histogram({
    name: 'cairn_db_query_duration_seconds',
    help: 'Time the database took to answer a statement of Cairn\'s own database (whole milliseconds where TypeORM measures them).',
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly queryErrors = new Counter({
    name: 'cairn_db_query_errors_total',
    help: 'Statements of Cairn\'s own database that failed (constraint violations included).',
    registers: [this.registry],
  });
  private readonly poolConnections = new Gauge({
    name: 'cairn_db_pool_connections',
    help: 'Connections of the database pool, in use or idle (PostgreSQL and MariaDB/MySQL; SQLite has one connection and no pool).',
    labelNames: ['database', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      const usage = this.poolProbe?.();
      if (!usage) return;
      this.poolConnections.set({ database: usage.database, state: 'in_use' }, usage.inUse);
      this.poolConnections.set({ database: usage.database, state: 'idle' }, usage.idle);
    },
  });
  private readonly poolWaiting = new Gauge({
    name: 'cairn_db_pool_waiting',
    help: 'Requests waiting for a connection of the database pool.',
    labelNames: ['database'] as const,
    registers: [this.registry],
    collect: () => {
      const usage = this.poolProbe?.();
      if (usage) this.poolWaiting.set({ database: usage.database }, usage.waiting);
    },
  });
  private readonly poolMax = new Gauge({
    name: 'cairn_db_pool_max',
    help: 'The most connections the database pool opens (DATABASE_POOL_SIZE).',
    labelNames: ['database'] as const,
    registers: [this.registry],
    collect: () => {
      const usage = this.poolProbe?.();
      if (usage) this.poolMax.set({ database: usage.database }, usage.max);
    },
  });
  private readonly realtimeConnections: Gauge = new Gauge({
    name: 'cairn_realtime_connections',
    help: 'Open connections of the realtime WebSocket API on this instance.',
    registers: [this.registry],
    collect: (): void => this.realtimeConnections.set(this.realtimeProbe?.().connections ?? 0),
  });
  private readonly realtimeSubscriptions: Gauge = new Gauge({
    name: 'cairn_realtime_subscriptions',
    help: 'Subscriptions held by the realtime connections of this instance.',
    registers: [this.registry],
    collect: (): void => this.realtimeSubscriptions.set(this.realtimeProbe?.().subscriptions ?? 0),
  });
  private readonly outboxDepth = new Gauge({
    name: 'cairn_webhook_outbox_pending',
    help: 'Webhook deliveries waiting to be sent or retried, across every instance (read from the database).',
    registers: [this.registry],
    collect: () => this.readOutbox(),
  });
  private readonly webhookDeliveries = new Counter({
    name: 'cairn_webhook_deliveries_total',
    help: 'Attempts to send a webhook delivery, by outcome: delivered (2xx), retry (to be tried again), failed (given up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly webhookDuration = new Histogram({
    name: 'cairn_webhook_delivery_duration_seconds',
    help: 'Time a webhook receiver took to answer an attempt (or to fail it).',
    buckets: LONG_SECONDS,
    registers: [this.registry],
  });
  private readonly flowRuns = new Counter({
    name: 'cairn_flow_runs_total',
    help: 'Flow runs finished on this instance, by outcome: succeeded or failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly flowDuration = new Histogram({
    name: 'cairn_flow_run_duration_seconds',
    help: 'Time a flow run took, from its claim to its last step.',
    buckets: LONG_SECONDS,
    registers: [this.registry],
  });
  private readonly handlerRuns = new Counter({
    name: 'cairn_handler_runs_total',
    help: 'Handler runs, by kind (before, after, endpoint) and outcome: ok, error, timeout, memory, crash.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly handlerDuration = new Histogram({
    name: 'cairn_handler_run_duration_seconds',
    help: 'Time a handler run took in the sandbox, by kind.',
    labelNames: ['kind'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly rateLimitRefusals = new Counter({
    name: 'cairn_rate_limit_refusals_total',
    help: 'Requests refused 429 by a rate limit: global, or an auth route\'s (sign-in, token, request).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  constructor() {
    // The Node.js process: CPU, memory, heap, event loop lag, garbage collection, handles, file descriptors.
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text format's content type, for the answer of a scrape. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every series in Prometheus' text format, the probes read now. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  requestServed(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      series = { count: this.httpRequests.labels(route, method, String(status)), duration: this.httpDuration.labels(route, method) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** A statement of Cairn's database: its time when it succeeded, null when it failed. */
  queryRan(seconds: number | null): void {
    if (seconds === null) this.queryErrors.inc();
    else this.queryDuration.observe(seconds);
  }

  webhookAttempted(outcome: WebhookOutcome, seconds: number | null): void {
    this.webhookDeliveries.inc({ outcome });
    if (seconds !== null) this.webhookDuration.observe(seconds);
  }

  flowRunFinished(outcome: 'succeeded' | 'failed', seconds: number): void {
    this.flowRuns.inc({ outcome });
    this.flowDuration.observe(seconds);
  }

  handlerRan(kind: string, outcome: string, seconds: number): void {
    this.handlerRuns.inc({ kind, outcome });
    this.handlerDuration.observe({ kind }, seconds);
  }

  rateLimited(limit: RateLimitName): void {
    this.rateLimitRefusals.inc({ limit });
  }

  /** The database hands in how to read its pool; the probe answers null where there is none. */
  watchPool(probe: () => PoolUsage | null): void {
    this.poolProbe = probe;
  }

  watchRealtime(probe: () => RealtimeUsage): void {
    this.realtimeProbe = probe;
  }

  /** The webhooks hand in how to count the outbox's pending deliveries (a query, run at each scrape). */
  watchOutbox(probe: () => Promise<number>): void {
    this.outboxProbe = probe;
  }

  private async readOutbox(): Promise<void> {
    if (!this.outboxProbe) return;
    try {
      this.outboxDepth.set(await this.outboxProbe());
    } catch (error) {
      // A scrape still answers while the database is down (the gauge keeps its last value): the other
      // series are what explains the outage.
      this.logger.warn(`The webhook outbox could not be counted: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
