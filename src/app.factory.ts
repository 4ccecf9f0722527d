import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { Clock, SystemClock } from './common/clock/clock';
import { invalidPayload } from './common/errors/app-error';
import { ErrorEnvelopeFilter, sendError } from './common/errors/error-envelope.filter';
import { PayloadValidationPipe } from './common/errors/payload-validation.pipe';
import { GracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { registerMultipart } from './common/http/multipart';
import { openApiSetup } from './common/http/openapi';
import { refuseNulInPath } from './common/http/path-segments';
import { refuseUnreadBodies } from './common/http/unread-bodies';
import { MAX_JSON_NESTING, nestsDeeperThan } from './common/input/nesting';
import { createLogger, PinoNestLogger } from './common/logging/logger';
import { Metrics } from './common/metrics/metrics';
import { cairnVersion } from './common/version';
import { serveConsole } from './modules/console/console.routes';
import { countRequests, serveMetrics } from './modules/metrics/metrics.routes';
import type { AppConfig } from './config/app-config';

/** A request id a client sent that is safe to echo into logs; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Builds a ready-to-listen Cairn application from a validated configuration. main.ts and the tests
 * both start Cairn through here, so the tests exercise exactly what runs in production; a test may give
 * a clock of its own.
 */
export async function createApp(config: AppConfig, logger: Logger = createLogger(config.server), clock: Clock = new SystemClock()): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    return503OnClosing: true,
    // A path the router can not read (not UTF-8, a segment longer than any name) is answered in the envelope.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply),
    genReqId: (request: IncomingMessage) => {
      const sent = request.headers['x-request-id'];
      return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, clock), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    // Cairn registers its own JSON parser below; Nest's would be a second one.
    bodyParser: false,
  });
  app.setGlobalPrefix('api/v1');
  await app.register(fastifyCookie);
  await registerMultipart(app.getHttpAdapter().getInstance());
  refuseNulInPath(app.getHttpAdapter().getInstance());
  refuseUnreadBodies(app.getHttpAdapter().getInstance());
  app.useGlobalFilters(new ErrorEnvelopeFilter());
  app.useGlobalPipes(new PayloadValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  // Clients (the Directus SDK among them) send DELETE with a JSON content type and no body: that is no
  // body, not malformed JSON. Everything else goes through Fastify's own parser, which refuses
  // __proto__ and constructor.prototype keys.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    void parseJson(request, body.toString(), (error, value) => {
      if (error) return done(error);
      // Bounded here, once, so that nothing that reads the body later can recurse out of stack.
      if (nestsDeeperThan(value, MAX_JSON_NESTING)) return done(invalidPayload(`Request body nests arrays and objects deeper than ${MAX_JSON_NESTING} levels.`));
      done(null, value);
    });
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.get(GracefulShutdown).install(fastify);
  countRequests(fastify, app.get(Metrics));
  serveMetrics(fastify, app.get(Metrics), config.metrics);
  await serveConsole(fastify, config.server.consoleDir);
  openApiSetup(app, cairnVersion());
  try {
    await app.init();
  } catch (error) {
    // Whatever started before the failure (database pool, Redis connections) would keep the process alive.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
