import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { notFound } from '../../common/errors/app-error';
import { Metrics } from '../../common/metrics/metrics';
import type { MetricsConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { answerScrape, failure, METRICS_PATH, ScrapeAnswer } from './metrics-scrape';

/**
 * The server of METRICS_PORT, when it is set: `GET /metrics` and nothing else, for a network only
 * Prometheus reaches. It asks for METRICS_TOKEN too when that is set. A plain node:http server: it has
 * one route, and none of the API's hooks (auth, rate limit, shutdown's 503) concern it.
 */
@Injectable()
export class MetricsPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    private readonly metrics: Metrics,
    @InjectConfig('metrics') private readonly config: MetricsConfig,
  ) {}

  /** The port it listens on (the one the system chose for METRICS_PORT=0); null when metrics are served on PORT. */
  get port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.port === null) return;
    const server = createServer((request, response) => void this.answer(request, response));
    server.listen(this.config.port, this.config.host);
    await once(server, 'listening');
    this.server = server;
    this.logger.log(`Metrics are served at http://${this.config.host}:${this.port}${METRICS_PATH}${this.config.token ? ', behind METRICS_TOKEN' : ''}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
    this.server = null;
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    let answer: ScrapeAnswer;
    if (request.method === 'GET' && path === METRICS_PATH) {
      answer = await answerScrape(this.metrics, { open: true, token: this.config.token }, request.headers.authorization);
    } else {
      answer = failure(notFound(`This port serves only GET ${METRICS_PATH}.`));
    }
    response.writeHead(answer.status, answer.headers).end(answer.body);
  }
}
