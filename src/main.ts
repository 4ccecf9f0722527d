import 'reflect-metadata';
import { createApp } from './app.factory';
import { GracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { createLogger } from './common/logging/logger';
import { ConfigError, isEphemeralSecret, loadConfig } from './config/load-config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.server);
  if (isEphemeralSecret()) {
    logger.warn('JWT_SECRET is not set: tokens are signed with a secret made for this process and stop working when it restarts.');
  }

  const app = await createApp(config, logger);

  // Stop accepting, let the requests and runs in flight finish until SHUTDOWN_TIMEOUT less the time kept
  // for closing, then close the sandbox pool, sockets, Redis and the database (Nest's shutdown hooks).
  const graceful = app.get(GracefulShutdown);
  const shutdown = (signal: NodeJS.Signals) => {
    if (graceful.stopping) return;
    graceful.begin(config.server.shutdownTimeoutMs);
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('closing did not finish within SHUTDOWN_TIMEOUT; exiting');
      process.exit(1);
    }, config.server.shutdownTimeoutMs).unref();
    graceful
      .requestsFinished()
      .then((finished) => {
        if (!finished) logger.warn('requests still running when SHUTDOWN_TIMEOUT ran out were cut: their connections are closed');
        return app.close();
      })
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  const { host, port, publicUrl } = config.server;
  await app.listen({ port, host });
  logger.info(
    { url: `http://${host}:${port}/api/v1`, console: `${publicUrl}/admin`, database: config.database.kind, redis: config.redis !== null },
    `Cairn is listening: the console is at ${publicUrl}/admin, the API at ${publicUrl}/api/v1`,
  );
}

void bootstrap();
