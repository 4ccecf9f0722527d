import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

describe('configuration', () => {
  it('defaults to SQLite in ./data on port 3000 with no Redis', () => {
    const config = loadConfig({});
    assert.equal(config.server.port, 3000);
    assert.equal(config.database.kind, 'sqlite');
    assert.match(config.database.url, /data[\\/]cairn\.sqlite$/);
    assert.equal(config.redis, null);
  });

  it('recognises each database from DATABASE_URL', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database.kind, 'postgres');
    assert.equal(loadConfig({ DATABASE_URL: 'mysql://u@h/db' }).database.kind, 'mysql');
    assert.equal(loadConfig({ DATABASE_URL: 'mariadb://u@h/db' }).database.kind, 'mysql');
  });

  it('names the variable of each wrong value', () => {
    assert.match(problemsOf({ PORT: 'eighty' }), /PORT/);
    assert.match(problemsOf({ DATABASE_URL: 'oracle://db' }), /DATABASE_URL/);
    assert.match(problemsOf({ ACCESS_TOKEN_TTL: 'soon' }), /ACCESS_TOKEN_TTL/);
    assert.match(problemsOf({ AUTH_SELF_REGISTRATION: 'perhaps' }), /AUTH_SELF_REGISTRATION/);
    assert.match(problemsOf({ MAX_BODY_SIZE: 'huge' }), /MAX_BODY_SIZE/);
    assert.match(problemsOf({ REDIS_URL: 'http://cache' }), /REDIS_URL/);
    assert.match(problemsOf({ RATE_LIMIT_AUTH: '10 per minute' }), /RATE_LIMIT_AUTH/);
    assert.match(problemsOf({ RATE_LIMIT_AUTH: '10/0m' }), /RATE_LIMIT_AUTH/);
    assert.match(problemsOf({ RATE_LIMIT_GLOBAL: '-5/1m' }), /RATE_LIMIT_GLOBAL/);
    assert.match(problemsOf({ RATE_LIMIT_GLOBAL: '600/1' }), /RATE_LIMIT_GLOBAL/);
  });

  it('reads the first account\'s setup: a fixed setup token, or the superadmin to create at start', () => {
    assert.deepEqual([loadConfig({}).auth.setupToken, loadConfig({}).auth.initialAdmin], [null, null]);
    const token = 'a'.repeat(32);
    assert.equal(loadConfig({ CAIRN_SETUP_TOKEN: token }).auth.setupToken, token);
    assert.deepEqual(loadConfig({ CAIRN_ADMIN_EMAIL: 'root@example.com', CAIRN_ADMIN_PASSWORD: 'long-enough' }).auth.initialAdmin, { email: 'root@example.com', password: 'long-enough' });
    assert.match(problemsOf({ CAIRN_SETUP_TOKEN: 'short' }), /CAIRN_SETUP_TOKEN must be a random string of at least 32 characters/);
    assert.match(problemsOf({ CAIRN_ADMIN_EMAIL: 'root@example.com' }), /CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD must be set together/);
    assert.match(problemsOf({ CAIRN_ADMIN_PASSWORD: 'long-enough' }), /must be set together/);
    assert.match(problemsOf({ CAIRN_ADMIN_EMAIL: 'root', CAIRN_ADMIN_PASSWORD: 'long-enough' }), /CAIRN_ADMIN_EMAIL must be an email address/);
    assert.match(problemsOf({ CAIRN_ADMIN_EMAIL: 'root@example.com', CAIRN_ADMIN_PASSWORD: 'short' }), /CAIRN_ADMIN_PASSWORD must be at least 8 characters/);
    assert.match(problemsOf({ CAIRN_ADMIN_EMAIL: 'root@example.com', CAIRN_ADMIN_PASSWORD: 'é'.repeat(40) }), /CAIRN_ADMIN_PASSWORD must be at most 72 bytes/);
  });

  it('names the GraphQL, realtime and webhook variable of each wrong value', () => {
    assert.match(problemsOf({ GRAPHQL_MAX_DEPTH: '1' }), /GRAPHQL_MAX_DEPTH/);
    assert.match(problemsOf({ GRAPHQL_MAX_ALIASES: 'many' }), /GRAPHQL_MAX_ALIASES/);
    assert.match(problemsOf({ REALTIME_HEARTBEAT: 'often' }), /REALTIME_HEARTBEAT/);
    assert.match(problemsOf({ REALTIME_MAX_BUFFER: 'lots' }), /REALTIME_MAX_BUFFER/);
    assert.match(problemsOf({ WEBHOOK_RETRY_SCHEDULE: '5s,then 5m' }), /WEBHOOK_RETRY_SCHEDULE/);
    assert.match(problemsOf({ WEBHOOK_ALLOWED_TARGETS: '10.0.0.0/33' }), /WEBHOOK_ALLOWED_TARGETS/);
    assert.match(problemsOf({ WEBHOOK_ALLOWED_TARGETS: '999.1.1.1' }), /WEBHOOK_ALLOWED_TARGETS/);
    assert.match(problemsOf({ WEBHOOK_DISPATCH: 'sometimes' }), /WEBHOOK_DISPATCH/);
  });

  it('reads the GraphQL, realtime and webhook settings', () => {
    const config = loadConfig({ GRAPHQL_MAX_DEPTH: '6', REALTIME_HEARTBEAT: '10s', REALTIME_MAX_MESSAGE_SIZE: '1kb', WEBHOOK_RETRY_SCHEDULE: '1s, 1m', WEBHOOK_ALLOWED_TARGETS: '10.0.0.0/8, ::1' });
    assert.equal(config.graphql.maxDepth, 6);
    assert.deepEqual([config.realtime.heartbeatMs, config.realtime.maxMessageBytes], [10_000, 1024]);
    assert.deepEqual(config.webhooks.retrySchedule, [1_000, 60_000]);
    assert.deepEqual(config.webhooks.allowedTargets, ['10.0.0.0/8', '::1']);
    assert.equal(config.webhooks.dispatch, true);
  });

  it('reads the rate limits as a count per window, and off or 0 as no limit', () => {
    assert.deepEqual(loadConfig({}).rateLimits, {
      auth: { limit: 10, windowMs: 15 * 60_000 },
      authAddress: { limit: 100, windowMs: 15 * 60_000 },
      global: { limit: 600, windowMs: 60_000 },
    });
    assert.deepEqual(loadConfig({ RATE_LIMIT_AUTH: '5/1H', RATE_LIMIT_AUTH_ADDRESS: '50/2h', RATE_LIMIT_GLOBAL: '100/30s' }).rateLimits, {
      auth: { limit: 5, windowMs: 3_600_000 },
      authAddress: { limit: 50, windowMs: 7_200_000 },
      global: { limit: 100, windowMs: 30_000 },
    });
    assert.equal(loadConfig({ RATE_LIMIT_AUTH_ADDRESS: 'off' }).rateLimits.authAddress, null);
    // off lifts every auth limit, the per-address one too.
    assert.deepEqual(loadConfig({ RATE_LIMIT_AUTH: 'off', RATE_LIMIT_GLOBAL: '0' }).rateLimits, { auth: null, authAddress: null, global: null });
    assert.match(problemsOf({ RATE_LIMIT_AUTH_ADDRESS: '100 per hour' }), /RATE_LIMIT_AUTH_ADDRESS/);
  });

  it('refuses production without a strong JWT_SECRET', () => {
    assert.match(problemsOf({ NODE_ENV: 'production' }), /JWT_SECRET/);
    assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' }), /JWT_SECRET/);
    assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'change-me' }), /JWT_SECRET/);
    const strong = 'k'.repeat(16) + 'Q9x!'.repeat(5);
    assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong }).auth.jwtSecret, strong);
  });

  it('sends no mail by default, and reads the mail and app-user settings', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.mail, { transport: 'none', smtpUrl: null, from: 'Cairn <no-reply@localhost>', devOutboxSize: 50 });
    assert.deepEqual(defaults.appUsers, { passwordResetTtlMs: 3_600_000, emailVerificationTtlMs: 86_400_000 });
    const smtp = loadConfig({ MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://user:pass@mail.example.com:587', MAIL_FROM: 'App <hello@example.com>', PASSWORD_RESET_TTL: '15m', EMAIL_VERIFICATION_TTL: '2d' });
    assert.deepEqual(smtp.mail, { transport: 'smtp', smtpUrl: 'smtp://user:pass@mail.example.com:587', from: 'App <hello@example.com>', devOutboxSize: 50 });
    assert.deepEqual(smtp.appUsers, { passwordResetTtlMs: 900_000, emailVerificationTtlMs: 172_800_000 });
    assert.equal(loadConfig({ MAIL_TRANSPORT: 'dev', MAIL_DEV_OUTBOX_SIZE: '5' }).mail.devOutboxSize, 5);
  });

  it('names the mail and app-user variable of each wrong value', () => {
    assert.match(problemsOf({ MAIL_TRANSPORT: 'pigeon' }), /MAIL_TRANSPORT/);
    assert.match(problemsOf({ MAIL_TRANSPORT: 'smtp' }), /SMTP_URL must be set when MAIL_TRANSPORT=smtp/);
    assert.match(problemsOf({ MAIL_TRANSPORT: 'smtp', SMTP_URL: 'http://mail.example.com' }), /SMTP_URL/);
    assert.match(problemsOf({ MAIL_FROM: 'nobody' }), /MAIL_FROM/);
    assert.match(problemsOf({ MAIL_DEV_OUTBOX_SIZE: '0' }), /MAIL_DEV_OUTBOX_SIZE/);
    assert.match(problemsOf({ PASSWORD_RESET_TTL: 'a while' }), /PASSWORD_RESET_TTL/);
    assert.match(problemsOf({ EMAIL_VERIFICATION_TTL: 'later' }), /EMAIL_VERIFICATION_TTL/);
    const strong = 'k'.repeat(16) + 'Q9x!'.repeat(5);
    assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: strong, MAIL_TRANSPORT: 'dev' }), /MAIL_TRANSPORT=dev/);
  });

  it('stops the process with a message naming the variable', async () => {
    const main = join(__dirname, '..', '..', 'src', 'main.js');
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, PORT: 'not-a-port', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /PORT/);
    assert.match(stderr, /JWT_SECRET/);
  });
});
