/** The kinds of SQL database Cairn can keep its data in. */
export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

export interface DatabaseConfig {
  kind: DatabaseKind;
  /** The connection URL for postgres/mysql; for sqlite the file path. */
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
}

export interface AuthConfig {
  jwtSecret: string;
  jwtIssuer: string;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  bcryptRounds: number;
  selfRegistration: boolean;
  /** The setup token an operator fixed in advance (CAIRN_SETUP_TOKEN); null: one is made at start when needed. */
  setupToken: string | null;
  /** The superadmin to create at start on an instance with no account (CAIRN_ADMIN_EMAIL, CAIRN_ADMIN_PASSWORD). */
  initialAdmin: { email: string; password: string } | null;
}

export interface RedisConfig {
  url: string;
  /** Prepended to every key and channel, so several deployments can share one Redis. */
  prefix: string;
}

export interface QueryConfig {
  defaultLimit: number;
  /** null: no maximum, and limit=-1 reads everything. */
  maxLimit: number | null;
  /** How many relations deep `fields`, `sort` and filters may go. */
  maxDepth: number;
  /** The most items one batch write may hold. */
  maxBatchSize: number;
}

/** The limits a GraphQL document must keep to before it runs. */
export interface GraphQLConfig {
  /** How deeply fields may nest, counting from the root field. */
  maxDepth: number;
  /** How many aliases one document may hold. */
  maxAliases: number;
  /** The largest cost: each field costs 1, each object 2, multiplied down the nesting. */
  maxCost: number;
  /** The most tokens (names, punctuation, values) a document may hold. */
  maxTokens: number;
}

/** The limits of each realtime WebSocket connection. */
export interface RealtimeConfig {
  /** How often the server pings; a connection that has not answered by the next ping is closed. */
  heartbeatMs: number;
  maxSubscriptions: number;
  /** The largest message a client may send. */
  maxMessageBytes: number;
  /** Messages a client may send per second; beyond, they are refused, and at twice as many the connection is closed. */
  messagesPerSecond: number;
  /** How much may wait unsent to one client before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** The least time between two rounds of writes to the clients while events keep coming. */
  flushIntervalMs: number;
}

/** How webhooks are sent. */
export interface WebhooksConfig {
  /** Whether this instance sends the outbox's deliveries (every instance may; each delivery is claimed once). */
  dispatch: boolean;
  /** How often the outbox is looked at when no change woke the dispatcher. */
  pollIntervalMs: number;
  /** How long a receiver has to answer. */
  timeoutMs: number;
  /** The waits before the second, third, … attempt; after the last, a delivery has failed. */
  retrySchedule: number[];
  /** Addresses and CIDRs that webhooks may reach although they are not public (loopback, private). */
  allowedTargets: string[];
  /** How long the previous secret still signs after a rotation. */
  secretOverlapMs: number;
}

/** How sandboxed JavaScript handlers run: their worker processes, their limits, their queue. */
export interface HandlersConfig {
  /** How many worker processes keep isolates warm for handler runs. */
  workers: number;
  /** How many runs one worker process runs at once, each in its own isolate. */
  runsPerWorker: number;
  /** The wall-clock deadline of a run when its handler sets none. */
  timeoutMs: number;
  /** The largest deadline a handler may set. */
  maxTimeoutMs: number;
  /** The heap limit of a run's isolate when its handler sets none. */
  memoryMb: number;
  /** The largest heap limit a handler may set. */
  maxMemoryMb: number;
  /** How many runs may wait for a free isolate; beyond, a run is refused with 503. */
  queueSize: number;
  /** How many runs of one workspace may run at once; its further runs wait in the queue. */
  workspaceConcurrency: number;
  /** How deeply handlers may nest: a hook fired by a handler's own write is one level deeper. */
  maxDepth: number;
  /** How many runs the run log keeps per handler, newest first. */
  runLogSize: number;
}

/** How flows run. */
export interface FlowsConfig {
  /** Whether this instance runs flows' pending runs and inserts their scheduled ones (every instance may; each run is claimed once). */
  run: boolean;
  /** How often pending runs and the schedules are looked at when nothing woke the runner. */
  pollIntervalMs: number;
  /** The most operations one flow may hold. */
  maxSteps: number;
  /** How many flows deep a chain of flow-caused changes may trigger further flows. */
  maxDepth: number;
  /** How long the receiver of a `request` operation has to answer. */
  requestTimeoutMs: number;
}

/** External database connections (connections/). */
export interface ConnectionsConfig {
  /** The AES-256-GCM key that encrypts their passwords at rest; null: connections cannot be used. */
  encryptionKey: Buffer | null;
  /** How long connecting to an external database may take. */
  connectTimeoutMs: number;
  /** How long one statement on an external database may run. */
  queryTimeoutMs: number;
  /** The most connections each external database's pool opens. */
  poolSize: number;
}

/** At most `limit` requests per key within `windowMs`. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** null: that limit is off. */
export interface RateLimitConfig {
  /** On the auth routes: failed sign-ins per email and client address, and sign-ups or mail requests per email. */
  auth: RateLimit | null;
  /** On the auth routes: failed sign-ins, refused tokens, and sign-ups or mail requests per client address; null when `auth` is. */
  authAddress: RateLimit | null;
  /** Per principal (or client address, for anonymous callers) on every other route. */
  global: RateLimit | null;
}

/** How mail leaves Cairn: through an SMTP server, into an in-memory outbox for development, or nowhere. */
export type MailTransportKind = 'smtp' | 'dev' | 'none';

export interface MailConfig {
  transport: MailTransportKind;
  /** The SMTP server, for the smtp transport: smtp://user:pass@host:587 or smtps://…. */
  smtpUrl: string | null;
  /** The sender of every message. */
  from: string;
  /** How many messages the dev outbox keeps per workspace, newest first. */
  devOutboxSize: number;
}

export interface AppUsersConfig {
  /** How long a password-reset token stays usable. */
  passwordResetTtlMs: number;
  /** How long an email-verification token stays usable. */
  emailVerificationTtlMs: number;
}

/** Where uploaded files' bytes go, and which uploads are accepted. */
export interface FilesConfig {
  driver: 'local' | 's3';
  /** The folder of the local driver; each workspace has a subfolder. */
  localRoot: string;
  /** The bucket of the S3 driver; null unless S3_BUCKET is set. */
  s3: S3Config | null;
  /** The largest file an upload may hold. */
  maxSizeBytes: number;
  /** MIME types (`type/subtype`, `type/*`, `*\/*`) an upload may have. */
  allowedTypes: string[];
  /** MIME types refused even when allowed. */
  deniedTypes: string[];
}

export interface S3Config {
  bucket: string;
  region: string;
  /** An S3-compatible service (MinIO, R2); null for AWS. */
  endpoint: string | null;
  forcePathStyle: boolean;
  /** null: the SDK's default credential chain (environment, profile, instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
}

/** Cairn's whole configuration, typed and validated once at start (see load-config.ts). */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  dataDir: string;
  /** The built console (Cairn Studio) served at /admin: console/dist of the package unless CONSOLE_DIR says. */
  consoleDir: string;
  database: DatabaseConfig;
  redis: RedisConfig | null;
  auth: AuthConfig;
  query: QueryConfig;
  graphql: GraphQLConfig;
  realtime: RealtimeConfig;
  webhooks: WebhooksConfig;
  handlers: HandlersConfig;
  flows: FlowsConfig;
  connections: ConnectionsConfig;
  rateLimits: RateLimitConfig;
  mail: MailConfig;
  appUsers: AppUsersConfig;
  files: FilesConfig;
}

/** The injection token under which the validated configuration is provided. */
export const APP_CONFIG = Symbol('APP_CONFIG');
