import { resolve } from 'node:path';
import { packageRoot } from '../../common/version';
import { defineSection, ValuesOf } from '../section';
import { duration, flag, httpUrl, integer, oneOf, size, text } from '../variable';

const variables = {
  /** production requires a strong JWT_SECRET and refuses MAIL_TRANSPORT=dev. */
  nodeEnv: oneOf('NODE_ENV', ['development', 'production', 'test'], 'development'),
  host: text('HOST', '0.0.0.0'),
  port: integer('PORT', 3000, 0, 65535),
  /** The address clients reach Cairn at, without a trailing slash; http://localhost:<PORT> unless PUBLIC_URL says. */
  publicUrl: text('PUBLIC_URL', undefined, httpUrl),
  logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  bodyLimitBytes: size('MAX_BODY_SIZE', '1mb', '1mb or 512kb'),
  trustProxy: flag('TRUST_PROXY', false),
  shutdownTimeoutMs: duration('SHUTDOWN_TIMEOUT', '10s'),
  dataDir: text('DATA_DIR', './data'),
  /** The built console (Cairn Studio) served at /admin: console/dist of the package unless CONSOLE_DIR says. */
  consoleDir: text('CONSOLE_DIR', undefined),
};

/** The server section's values as the environment gives them, which the other sections may read. */
export type ServerValues = ValuesOf<typeof variables>;

/** The process: where it listens, logs and keeps its data. */
export const server = defineSection({
  variables,
  build: (v) => ({
    ...v,
    publicUrl: (v.publicUrl ?? `http://localhost:${v.port}`).replace(/\/+$/, ''),
    dataDir: resolve(v.dataDir),
    consoleDir: v.consoleDir ? resolve(v.consoleDir) : resolve(packageRoot(), 'console', 'dist'),
  }),
});
