import type { FastifyInstance } from 'fastify';
import { Metrics, UNMATCHED_ROUTE } from '../../common/metrics/metrics';
import type { MetricsConfig } from '../../config/app-config';
import { answerScrape, METRICS_PATH } from './metrics-scrape';

/**
 * Counts every answered HTTP request once it is finished: by the pattern of the route it matched
 * (`/api/v1/w/:ws/items/:collection`, never the path, so a path cannot make a series of its own),
 * its method and status, and its time. One hook of the server, so each route is counted the same way.
 */
export function countRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.requestServed(request.routeOptions.url ?? UNMATCHED_ROUTE, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/**
 * Serves `GET /metrics` on PORT, behind METRICS_TOKEN; with no token, to nobody (401). With
 * METRICS_PORT set it is served there instead (MetricsPortServer), and PORT has no such route (404).
 * A route of the server rather than a controller: the bearer token is the metrics token, not an
 * account's, so the principal guard and the rate limit have nothing to do with it.
 */
export function serveMetrics(fastify: FastifyInstance, metrics: Metrics, config: MetricsConfig): void {
  if (config.port !== null) return;
  const access = { open: config.token !== null, token: config.token };
  fastify.get(METRICS_PATH, async (request, reply) => {
    const answer = await answerScrape(metrics, access, request.headers.authorization);
    return reply.status(answer.status).headers(answer.headers).send(answer.body);
  });
}
