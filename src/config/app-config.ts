import type { AppConfig } from './sections';

/** The configuration's types, each inferred from its section's declarations in sections/. */
export type { AppConfig, ConfigSectionName } from './sections';
export type { DatabaseKind } from './sections/database';
export type { RateLimit } from './sections/rate-limits';

export type ServerConfig = AppConfig['server'];
export type DatabaseConfig = AppConfig['database'];
/** null: no Redis, pub/sub and cache stay inside the process. */
export type RedisConfig = NonNullable<AppConfig['redis']>;
export type AuthConfig = AppConfig['auth'];
export type QueryConfig = AppConfig['query'];
export type GraphQLConfig = AppConfig['graphql'];
export type RealtimeConfig = AppConfig['realtime'];
export type WebhooksConfig = AppConfig['webhooks'];
export type HandlersConfig = AppConfig['handlers'];
export type FlowsConfig = AppConfig['flows'];
export type ConnectionsConfig = AppConfig['connections'];
export type RateLimitConfig = AppConfig['rateLimits'];
export type MailConfig = AppConfig['mail'];
export type MailTransportKind = MailConfig['transport'];
export type AppUsersConfig = AppConfig['appUsers'];
export type SsoConfig = AppConfig['sso'];
export type FilesConfig = AppConfig['files'];
export type MetricsConfig = AppConfig['metrics'];
export type S3Config = NonNullable<FilesConfig['s3']>;
