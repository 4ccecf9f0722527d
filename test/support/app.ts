import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { createLogger } from '../../src/common/logging/logger';
import type { AppConfig, DatabaseKind } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { TestClock } from './clock';
import { createTestDatabase, selectedDatabases, TestDatabase } from './databases';
import { Api } from './http';

/** The JWT secret of test instances, so tests can forge tokens signed with the right and wrong keys. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/**
 * The setup token of test instances (CAIRN_SETUP_TOKEN), which newAccount always sends: the first account
 * of a fresh instance needs it, later ones ignore it.
 */
export const TEST_SETUP_TOKEN = 'test-setup-token-that-is-long-enough-0123456789';

export interface RunningApp {
  /** The Nest application, for tests that reach a provider (hooks) as a plugin would. */
  nest: NestFastifyApplication;
  url: string;
  config: AppConfig;
  /** The instance's clock, which a test moves forward to pass a lifetime. */
  clock: TestClock;
  api: Api;
  close(): Promise<void>;
}

/** The environment a test instance starts with; tests override single variables. */
export function testEnvironment(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.CAIRN_TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    BCRYPT_ROUNDS: '4',
    CAIRN_SETUP_TOKEN: TEST_SETUP_TOKEN,
    DATABASE_URL: databaseUrl,
    DATABASE_CONNECT_TIMEOUT: '2s',
    // Far above what any suite sends, so only the rate-limit tests, which set their own, meet a limit.
    RATE_LIMIT_AUTH: '1000000/1m',
    RATE_LIMIT_AUTH_ADDRESS: '1000000/1m',
    RATE_LIMIT_GLOBAL: '1000000/1m',
    ...overrides,
  };
}

/** Starts Cairn in this process on a free port, exactly as main.ts builds it. */
export async function startApp(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-data-'));
  const config = loadConfig(testEnvironment(databaseUrl, { DATA_DIR: dataDir, ...env }));
  const clock = new TestClock();
  const app: NestFastifyApplication = await createApp(config, createLogger(config.server), clock);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    nest: app,
    url,
    config,
    clock,
    api: new Api(url),
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a suite started by describeEachDatabase gets: its database and a running app on it. */
export interface Suite {
  kind: DatabaseKind;
  db: TestDatabase;
  app: RunningApp;
  api: Api;
}

/**
 * Declares a suite once per selected database (CAIRN_TEST_DATABASES), each with its own new database
 * and a Cairn instance started on it before the suite's tests and stopped after them.
 */
export function describeEachDatabase(title: string, options: { env?: Record<string, string> }, body: (suite: Suite) => void): void {
  for (const kind of selectedDatabases()) {
    describe(`${title} [${kind}]`, () => {
      const suite = { kind } as Suite;
      before(async () => {
        suite.db = await createTestDatabase(kind);
        suite.app = await startApp(suite.db.url, options.env);
        suite.api = suite.app.api;
      });
      after(async () => {
        await suite.app?.close();
        await suite.db?.drop();
      });
      body(suite);
    });
  }
}
