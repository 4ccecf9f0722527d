import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import bytes from 'bytes';
import ipaddr from 'ipaddr.js';
import ms from 'ms';
import { packageRoot } from '../common/version';
import { AppConfig, DatabaseKind, RateLimit } from './app-config';

const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w|y)?$/i;
const SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i;
const DURATION_LIST = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*(,\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*)*$/i;
/** Empty, or comma-separated IPv4/IPv6 addresses, each with an optional /prefix; ipaddr.js checks them further. */
const ADDRESS_LIST = /^$|^\s*[0-9a-f.:]+(\/\d{1,3})?\s*(,\s*[0-9a-f.:]+(\/\d{1,3})?\s*)*$/i;
/** A count per window such as 10/15m, or off (also 0). */
const RATE_LIMIT = /^(off|0|[1-9]\d*\/[1-9]\d*(s|m|h|d))$/i;
const MAIL_ADDRESS = /^([^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;
const DATABASE_URL = /^(sqlite:.+|postgres(ql)?:\/\/.+|mysql:\/\/.+|mariadb:\/\/.+)$/;
/** Empty, or comma-separated MIME types, each type/subtype, type/* or any (*\/*). */
const MIME_LIST = /^$|^\s*[a-z0-9*][a-z0-9.+*-]*\/[a-z0-9*][a-z0-9.+*-]*\s*(,\s*[a-z0-9*][a-z0-9.+*-]*\/[a-z0-9*][a-z0-9.+*-]*\s*)*$/i;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** Secrets that appear in examples and tutorials; a production instance must not run with them. */
const KNOWN_WEAK_SECRETS = ['change-me', 'changeme', 'secret', 'jwt-secret', 'replace-with-a-long-random-string'];
const MIN_PRODUCTION_SECRET_LENGTH = 32;
const MIN_SETUP_TOKEN_LENGTH = 32;
/** bcrypt reads at most 72 bytes of a password, as registration enforces. */
const MAX_PASSWORD_BYTES = 72;

/** The environment variables Cairn reads, with their defaults. `.env.example` documents each one. */
class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString() @IsNotEmpty()
  HOST = '0.0.0.0';

  @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: AppConfig['logLevel'] = 'info';

  @Matches(SIZE, { message: 'MAX_BODY_SIZE must be a size such as 1mb or 512kb' })
  MAX_BODY_SIZE = '1mb';

  @Transform(toBoolean) @IsBoolean()
  TRUST_PROXY = false;

  @Matches(DURATION, { message: 'SHUTDOWN_TIMEOUT must be a duration such as 10s' })
  SHUTDOWN_TIMEOUT = '10s';

  @IsString() @IsNotEmpty()
  DATA_DIR = './data';

  @IsOptional() @IsString()
  CONSOLE_DIR?: string;

  @IsOptional()
  @Matches(DATABASE_URL, { message: 'DATABASE_URL must start with sqlite:, postgres://, mysql:// or mariadb://' })
  DATABASE_URL?: string;

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  DATABASE_POOL_SIZE = 10;

  @Matches(DURATION, { message: 'DATABASE_CONNECT_TIMEOUT must be a duration such as 5s' })
  DATABASE_CONNECT_TIMEOUT = '5s';

  @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string;

  @IsString() @Matches(/^[A-Za-z0-9:_-]*$/, { message: 'REDIS_PREFIX may hold letters, digits, ":", "_" and "-"' })
  REDIS_PREFIX = 'cairn:';

  @IsOptional() @IsString()
  JWT_SECRET?: string;

  @IsString() @IsNotEmpty()
  JWT_ISSUER = 'cairn';

  @Matches(DURATION, { message: 'ACCESS_TOKEN_TTL must be a duration such as 15m' })
  ACCESS_TOKEN_TTL = '15m';

  @Matches(DURATION, { message: 'REFRESH_TOKEN_TTL must be a duration such as 7d' })
  REFRESH_TOKEN_TTL = '7d';

  @Type(() => Number) @IsInt() @Min(4) @Max(15)
  BCRYPT_ROUNDS = 12;

  @Transform(toBoolean) @IsBoolean()
  AUTH_SELF_REGISTRATION = true;

  @IsOptional() @IsString() @MinLength(MIN_SETUP_TOKEN_LENGTH, { message: `CAIRN_SETUP_TOKEN must be a random string of at least ${MIN_SETUP_TOKEN_LENGTH} characters` }) @MaxLength(512)
  CAIRN_SETUP_TOKEN?: string;

  @IsOptional() @IsEmail({}, { message: 'CAIRN_ADMIN_EMAIL must be an email address' }) @MaxLength(255)
  CAIRN_ADMIN_EMAIL?: string;

  @IsOptional() @IsString() @MinLength(8, { message: 'CAIRN_ADMIN_PASSWORD must be at least 8 characters' })
  CAIRN_ADMIN_PASSWORD?: string;

  @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  QUERY_LIMIT_DEFAULT = 100;

  /** -1 lifts the maximum and allows limit=-1. */
  @Type(() => Number) @IsInt() @Min(-1) @Max(1_000_000)
  QUERY_LIMIT_MAX = 1000;

  @Type(() => Number) @IsInt() @Min(1) @Max(10)
  QUERY_MAX_DEPTH = 3;

  @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  MAX_BATCH_SIZE = 1000;

  @Type(() => Number) @IsInt() @Min(2) @Max(50)
  GRAPHQL_MAX_DEPTH = 8;

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  GRAPHQL_MAX_ALIASES = 15;

  @Type(() => Number) @IsInt() @Min(10) @Max(1_000_000)
  GRAPHQL_MAX_COST = 5000;

  @Type(() => Number) @IsInt() @Min(100) @Max(1_000_000)
  GRAPHQL_MAX_TOKENS = 5000;

  @Matches(DURATION, { message: 'REALTIME_HEARTBEAT must be a duration such as 30s' })
  REALTIME_HEARTBEAT = '30s';

  @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  REALTIME_MAX_SUBSCRIPTIONS = 100;

  @Matches(SIZE, { message: 'REALTIME_MAX_MESSAGE_SIZE must be a size such as 64kb' })
  REALTIME_MAX_MESSAGE_SIZE = '64kb';

  @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  REALTIME_MESSAGES_PER_SECOND = 50;

  @Matches(SIZE, { message: 'REALTIME_MAX_BUFFER must be a size such as 4mb' })
  REALTIME_MAX_BUFFER = '4mb';

  @Matches(DURATION, { message: 'REALTIME_FLUSH_INTERVAL must be a duration such as 20ms' })
  REALTIME_FLUSH_INTERVAL = '50ms';

  @Transform(toBoolean) @IsBoolean()
  WEBHOOK_DISPATCH = true;

  @Matches(DURATION, { message: 'WEBHOOK_POLL_INTERVAL must be a duration such as 1s' })
  WEBHOOK_POLL_INTERVAL = '1s';

  @Matches(DURATION, { message: 'WEBHOOK_TIMEOUT must be a duration such as 10s' })
  WEBHOOK_TIMEOUT = '10s';

  @Matches(DURATION_LIST, { message: 'WEBHOOK_RETRY_SCHEDULE must be a comma list of durations such as 5s,5m,30m' })
  WEBHOOK_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

  @Matches(ADDRESS_LIST, { message: 'WEBHOOK_ALLOWED_TARGETS must be a comma list of addresses or CIDRs such as 10.0.0.0/8,127.0.0.1' })
  WEBHOOK_ALLOWED_TARGETS = '';

  @Matches(DURATION, { message: 'WEBHOOK_SECRET_OVERLAP must be a duration such as 24h' })
  WEBHOOK_SECRET_OVERLAP = '24h';

  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  HANDLER_WORKERS = 2;

  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  HANDLER_RUNS_PER_WORKER = 4;

  @Matches(DURATION, { message: 'HANDLER_TIMEOUT must be a duration such as 5s' })
  HANDLER_TIMEOUT = '5s';

  @Matches(DURATION, { message: 'HANDLER_MAX_TIMEOUT must be a duration such as 30s' })
  HANDLER_MAX_TIMEOUT = '30s';

  /** isolated-vm refuses less than 8 MB. */
  @Type(() => Number) @IsInt() @Min(8) @Max(4096)
  HANDLER_MEMORY_MB = 64;

  @Type(() => Number) @IsInt() @Min(8) @Max(4096)
  HANDLER_MAX_MEMORY_MB = 256;

  @Type(() => Number) @IsInt() @Min(0) @Max(100_000)
  HANDLER_QUEUE_SIZE = 200;

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  HANDLER_WORKSPACE_CONCURRENCY = 4;

  @Type(() => Number) @IsInt() @Min(1) @Max(10)
  HANDLER_MAX_DEPTH = 3;

  @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  HANDLER_RUN_LOG_SIZE = 100;

  @Transform(toBoolean) @IsBoolean()
  FLOWS_RUN = true;

  @Matches(DURATION, { message: 'FLOW_POLL_INTERVAL must be a duration such as 1s' })
  FLOW_POLL_INTERVAL = '1s';

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  FLOW_MAX_STEPS = 50;

  @Type(() => Number) @IsInt() @Min(0) @Max(100)
  FLOW_MAX_DEPTH = 5;

  @Matches(DURATION, { message: 'FLOW_REQUEST_TIMEOUT must be a duration such as 10s' })
  FLOW_REQUEST_TIMEOUT = '10s';

  @IsOptional() @IsString()
  CONNECTIONS_ENCRYPTION_KEY?: string;

  @Matches(DURATION, { message: 'CONNECTIONS_CONNECT_TIMEOUT must be a duration such as 5s' })
  CONNECTIONS_CONNECT_TIMEOUT = '5s';

  @Matches(DURATION, { message: 'CONNECTIONS_QUERY_TIMEOUT must be a duration such as 30s' })
  CONNECTIONS_QUERY_TIMEOUT = '30s';

  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  CONNECTIONS_POOL_SIZE = 5;

  @Matches(RATE_LIMIT, { message: 'RATE_LIMIT_AUTH must be a count per window such as 10/15m, or off' })
  RATE_LIMIT_AUTH = '10/15m';

  @Matches(RATE_LIMIT, { message: 'RATE_LIMIT_AUTH_ADDRESS must be a count per window such as 100/15m, or off' })
  RATE_LIMIT_AUTH_ADDRESS = '100/15m';

  @Matches(RATE_LIMIT, { message: 'RATE_LIMIT_GLOBAL must be a count per window such as 600/1m, or off' })
  RATE_LIMIT_GLOBAL = '600/1m';
  @IsIn(['smtp', 'dev', 'none'])
  MAIL_TRANSPORT: 'smtp' | 'dev' | 'none' = 'none';

  @IsOptional() @Matches(/^smtps?:\/\/[^/\s]+/, { message: 'SMTP_URL must be a URL such as smtp://user:pass@host:587 or smtps://host:465' })
  SMTP_URL?: string;

  @IsString() @Matches(MAIL_ADDRESS, { message: 'MAIL_FROM must be an address such as no-reply@example.com or "Name <no-reply@example.com>"' })
  MAIL_FROM = 'Cairn <no-reply@localhost>';

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  MAIL_DEV_OUTBOX_SIZE = 50;

  @Matches(DURATION, { message: 'PASSWORD_RESET_TTL must be a duration such as 1h' })
  PASSWORD_RESET_TTL = '1h';

  @Matches(DURATION, { message: 'EMAIL_VERIFICATION_TTL must be a duration such as 24h' })
  EMAIL_VERIFICATION_TTL = '24h';

  @IsIn(['local', 's3'])
  STORAGE_DRIVER: 'local' | 's3' = 'local';

  @IsOptional() @IsString() @IsNotEmpty()
  STORAGE_LOCAL_ROOT?: string;

  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a bucket name such as cairn-files' })
  S3_BUCKET?: string;

  @IsString() @IsNotEmpty()
  S3_REGION = 'us-east-1';

  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  S3_ENDPOINT?: string;

  @Transform(toBoolean) @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  @IsOptional() @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional() @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Matches(SIZE, { message: 'FILES_MAX_SIZE must be a size such as 100mb or 2gb' })
  FILES_MAX_SIZE = '100mb';

  @Matches(MIME_LIST, { message: 'FILES_ALLOWED_TYPES must be a comma list of types such as image/*,application/pdf' })
  FILES_ALLOWED_TYPES = '*/*';

  @Matches(MIME_LIST, { message: 'FILES_DENIED_TYPES must be a comma list of types such as text/html,application/x-msdownload' })
  FILES_DENIED_TYPES = '';
}

/** Thrown when the environment does not describe a configuration Cairn can run with. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from an environment. Nothing else in Cairn reads process.env:
 * a wrong value stops the process here, with a message naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const vars = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  // One message per variable: class-validator lists constraints last-declared first, so the last is the basic one.
  const problems = validateSync(vars).map((error) => Object.values(error.constraints ?? {}).at(-1) ?? `${error.property} is invalid`);
  problems.push(...productionProblems(vars), ...adminProblems(vars), ...mailProblems(vars), ...webhookProblems(vars), ...handlerProblems(vars), ...storageProblems(vars), ...connectionsProblems(vars));
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(vars.DATA_DIR);
  const databaseUrl = vars.DATABASE_URL ?? `sqlite:${resolve(dataDir, 'cairn.sqlite')}`;
  const jwtSecret = vars.JWT_SECRET ?? randomBytes(48).toString('base64url');
  return {
    nodeEnv: vars.NODE_ENV,
    host: vars.HOST,
    port: vars.PORT,
    publicUrl: (vars.PUBLIC_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, ''),
    logLevel: vars.LOG_LEVEL,
    bodyLimitBytes: bytes.parse(vars.MAX_BODY_SIZE) ?? 1_048_576,
    trustProxy: vars.TRUST_PROXY,
    shutdownTimeoutMs: ms(vars.SHUTDOWN_TIMEOUT as ms.StringValue),
    dataDir,
    consoleDir: vars.CONSOLE_DIR ? resolve(vars.CONSOLE_DIR) : resolve(packageRoot(), 'console', 'dist'),
    database: {
      kind: databaseKind(databaseUrl),
      url: databaseKind(databaseUrl) === 'sqlite' ? sqlitePath(databaseUrl) : databaseUrl,
      poolSize: vars.DATABASE_POOL_SIZE,
      connectTimeoutMs: ms(vars.DATABASE_CONNECT_TIMEOUT as ms.StringValue),
    },
    redis: vars.REDIS_URL ? { url: vars.REDIS_URL, prefix: vars.REDIS_PREFIX } : null,
    auth: {
      jwtSecret,
      jwtIssuer: vars.JWT_ISSUER,
      accessTokenTtlMs: ms(vars.ACCESS_TOKEN_TTL as ms.StringValue),
      refreshTokenTtlMs: ms(vars.REFRESH_TOKEN_TTL as ms.StringValue),
      bcryptRounds: vars.BCRYPT_ROUNDS,
      selfRegistration: vars.AUTH_SELF_REGISTRATION,
      setupToken: vars.CAIRN_SETUP_TOKEN ?? null,
      initialAdmin: vars.CAIRN_ADMIN_EMAIL && vars.CAIRN_ADMIN_PASSWORD ? { email: vars.CAIRN_ADMIN_EMAIL, password: vars.CAIRN_ADMIN_PASSWORD } : null,
    },
    query: {
      defaultLimit: vars.QUERY_LIMIT_DEFAULT,
      maxLimit: vars.QUERY_LIMIT_MAX === -1 ? null : Math.max(vars.QUERY_LIMIT_MAX, 1),
      maxDepth: vars.QUERY_MAX_DEPTH,
      maxBatchSize: vars.MAX_BATCH_SIZE,
    },
    graphql: {
      maxDepth: vars.GRAPHQL_MAX_DEPTH,
      maxAliases: vars.GRAPHQL_MAX_ALIASES,
      maxCost: vars.GRAPHQL_MAX_COST,
      maxTokens: vars.GRAPHQL_MAX_TOKENS,
    },
    realtime: {
      heartbeatMs: ms(vars.REALTIME_HEARTBEAT as ms.StringValue),
      maxSubscriptions: vars.REALTIME_MAX_SUBSCRIPTIONS,
      maxMessageBytes: bytes.parse(vars.REALTIME_MAX_MESSAGE_SIZE) ?? 65_536,
      messagesPerSecond: vars.REALTIME_MESSAGES_PER_SECOND,
      maxBufferedBytes: bytes.parse(vars.REALTIME_MAX_BUFFER) ?? 4_194_304,
      flushIntervalMs: ms(vars.REALTIME_FLUSH_INTERVAL as ms.StringValue),
    },
    webhooks: {
      dispatch: vars.WEBHOOK_DISPATCH,
      pollIntervalMs: ms(vars.WEBHOOK_POLL_INTERVAL as ms.StringValue),
      timeoutMs: ms(vars.WEBHOOK_TIMEOUT as ms.StringValue),
      retrySchedule: vars.WEBHOOK_RETRY_SCHEDULE.split(',').map((step) => ms(step.trim() as ms.StringValue)),
      allowedTargets: vars.WEBHOOK_ALLOWED_TARGETS.split(',').map((entry) => entry.trim()).filter(Boolean),
      secretOverlapMs: ms(vars.WEBHOOK_SECRET_OVERLAP as ms.StringValue),
    },
    handlers: {
      workers: vars.HANDLER_WORKERS,
      runsPerWorker: vars.HANDLER_RUNS_PER_WORKER,
      timeoutMs: ms(vars.HANDLER_TIMEOUT as ms.StringValue),
      maxTimeoutMs: ms(vars.HANDLER_MAX_TIMEOUT as ms.StringValue),
      memoryMb: vars.HANDLER_MEMORY_MB,
      maxMemoryMb: vars.HANDLER_MAX_MEMORY_MB,
      queueSize: vars.HANDLER_QUEUE_SIZE,
      workspaceConcurrency: vars.HANDLER_WORKSPACE_CONCURRENCY,
      maxDepth: vars.HANDLER_MAX_DEPTH,
      runLogSize: vars.HANDLER_RUN_LOG_SIZE,
    },
    flows: {
      run: vars.FLOWS_RUN,
      pollIntervalMs: ms(vars.FLOW_POLL_INTERVAL as ms.StringValue),
      maxSteps: vars.FLOW_MAX_STEPS,
      maxDepth: vars.FLOW_MAX_DEPTH,
      requestTimeoutMs: ms(vars.FLOW_REQUEST_TIMEOUT as ms.StringValue),
    },
    connections: {
      encryptionKey: vars.CONNECTIONS_ENCRYPTION_KEY ? encryptionKey(vars.CONNECTIONS_ENCRYPTION_KEY) : null,
      connectTimeoutMs: ms(vars.CONNECTIONS_CONNECT_TIMEOUT as ms.StringValue),
      queryTimeoutMs: ms(vars.CONNECTIONS_QUERY_TIMEOUT as ms.StringValue),
      poolSize: vars.CONNECTIONS_POOL_SIZE,
    },
    rateLimits: {
      auth: rateLimit(vars.RATE_LIMIT_AUTH),
      // RATE_LIMIT_AUTH=off lifts every auth limit, this one with it.
      authAddress: rateLimit(vars.RATE_LIMIT_AUTH) && rateLimit(vars.RATE_LIMIT_AUTH_ADDRESS),
      global: rateLimit(vars.RATE_LIMIT_GLOBAL),
    },
    mail: {
      transport: vars.MAIL_TRANSPORT,
      smtpUrl: vars.SMTP_URL ?? null,
      from: vars.MAIL_FROM,
      devOutboxSize: vars.MAIL_DEV_OUTBOX_SIZE,
    },
    files: {
      driver: vars.STORAGE_DRIVER,
      localRoot: resolve(vars.STORAGE_LOCAL_ROOT ?? resolve(dataDir, 'uploads')),
      s3: vars.S3_BUCKET
        ? {
            bucket: vars.S3_BUCKET,
            region: vars.S3_REGION,
            endpoint: vars.S3_ENDPOINT ?? null,
            forcePathStyle: vars.S3_FORCE_PATH_STYLE,
            credentials: vars.S3_ACCESS_KEY_ID && vars.S3_SECRET_ACCESS_KEY ? { accessKeyId: vars.S3_ACCESS_KEY_ID, secretAccessKey: vars.S3_SECRET_ACCESS_KEY } : null,
          }
        : null,
      maxSizeBytes: bytes.parse(vars.FILES_MAX_SIZE) ?? 104_857_600,
      allowedTypes: mimeList(vars.FILES_ALLOWED_TYPES),
      deniedTypes: mimeList(vars.FILES_DENIED_TYPES),
    },
    appUsers: {
      passwordResetTtlMs: ms(vars.PASSWORD_RESET_TTL as ms.StringValue),
      emailVerificationTtlMs: ms(vars.EMAIL_VERIFICATION_TTL as ms.StringValue),
    },
  };
}

/** True when the JWT secret was generated for this process because none was configured. */
export function isEphemeralSecret(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.JWT_SECRET;
}

function productionProblems(vars: EnvironmentVariables): string[] {
  if (vars.NODE_ENV !== 'production') return [];
  const secret = vars.JWT_SECRET ?? '';
  if (!secret) return ['JWT_SECRET must be set when NODE_ENV=production'];
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH || KNOWN_WEAK_SECRETS.includes(secret.toLowerCase())) {
    return [`JWT_SECRET must be a random string of at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production`];
  }
  return [];
}

function adminProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (Boolean(vars.CAIRN_ADMIN_EMAIL) !== Boolean(vars.CAIRN_ADMIN_PASSWORD)) problems.push('CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD must be set together (or neither)');
  if (vars.CAIRN_ADMIN_PASSWORD && Buffer.byteLength(vars.CAIRN_ADMIN_PASSWORD) > MAX_PASSWORD_BYTES) problems.push(`CAIRN_ADMIN_PASSWORD must be at most ${MAX_PASSWORD_BYTES} bytes`);
  return problems;
}

/** A validated RATE_LIMIT_* value as a limit, or null when it is off. */
function rateLimit(value: string): RateLimit | null {
  const [count, window] = value.split('/');
  if (window === undefined) return null;
  return { limit: Number(count), windowMs: ms(window.toLowerCase() as ms.StringValue) };
}

function mailProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (vars.MAIL_TRANSPORT === 'smtp' && !vars.SMTP_URL) problems.push('SMTP_URL must be set when MAIL_TRANSPORT=smtp');
  if (vars.MAIL_TRANSPORT === 'dev' && vars.NODE_ENV === 'production') problems.push('MAIL_TRANSPORT=dev keeps mail in memory for development; it cannot be used when NODE_ENV=production');
  return problems;
}

function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('postgres')) return 'postgres';
  return 'mysql';
}

function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

/** The folder a SQLite database file lives in, created at start. */
export function sqliteDirectory(config: AppConfig): string | null {
  return config.database.kind === 'sqlite' && config.database.url !== ':memory:' ? dirname(config.database.url) : null;
}

function webhookProblems(vars: EnvironmentVariables): string[] {
  const entries = vars.WEBHOOK_ALLOWED_TARGETS.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.find((entry) => !(entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry)));
  return bad ? [`WEBHOOK_ALLOWED_TARGETS: "${bad}" is not an address or a CIDR`] : [];
}

/** The defaults must lie within the maxima, and a deadline must leave a run some time. */
function handlerProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (!DURATION.test(vars.HANDLER_TIMEOUT) || !DURATION.test(vars.HANDLER_MAX_TIMEOUT)) return problems;
  const timeout = ms(vars.HANDLER_TIMEOUT as ms.StringValue);
  const maxTimeout = ms(vars.HANDLER_MAX_TIMEOUT as ms.StringValue);
  if (timeout < 10) problems.push('HANDLER_TIMEOUT must be at least 10ms');
  if (timeout > maxTimeout) problems.push('HANDLER_TIMEOUT must not exceed HANDLER_MAX_TIMEOUT');
  if (vars.HANDLER_MEMORY_MB > vars.HANDLER_MAX_MEMORY_MB) problems.push('HANDLER_MEMORY_MB must not exceed HANDLER_MAX_MEMORY_MB');
  return problems;
}

function storageProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (vars.STORAGE_DRIVER === 's3' && !vars.S3_BUCKET) problems.push('S3_BUCKET must be set when STORAGE_DRIVER=s3');
  if (Boolean(vars.S3_ACCESS_KEY_ID) !== Boolean(vars.S3_SECRET_ACCESS_KEY)) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither, for the SDK\'s default credentials)');
  return problems;
}

function mimeList(value: string): string[] {
  return value.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
}

/** A 32-byte key written as 64 hex digits or as base64; null when it is neither. */
function encryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const decoded = Buffer.from(trimmed, 'base64');
  return decoded.length === 32 ? decoded : null;
}

function connectionsProblems(vars: EnvironmentVariables): string[] {
  if (vars.CONNECTIONS_ENCRYPTION_KEY === undefined || encryptionKey(vars.CONNECTIONS_ENCRYPTION_KEY)) return [];
  return ['CONNECTIONS_ENCRYPTION_KEY must be 32 random bytes, written as 64 hex digits or in base64 (openssl rand -base64 32)'];
}
