import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp, startApp } from './app';
import { launchBrowser, RunningBrowser } from './browser';
import { createTestDatabase, TestDatabase } from './databases';

const BUILT_CONSOLE = join(__dirname, '..', '..', '..', 'console', 'dist', 'index.html');

/** What a Studio scenario runs against: Cairn on a fresh database of its kind, and Chromium beside it. */
export interface StudioStage {
  db: TestDatabase;
  app: RunningApp;
  chromium: RunningBrowser;
}

/**
 * Registers the hooks that set up and take down a Studio scenario's stage, before the scenario's own:
 * checks the console is built, makes a fresh database, starts Cairn on it (with `env`) and launches
 * Chromium; stops all three after. The stage's fields are set once its `before` has run.
 */
export function studioStage(kind: DatabaseKind, env: Record<string, string> = {}): StudioStage {
  const stage = {} as StudioStage;
  before(async () => {
    assert.ok(existsSync(BUILT_CONSOLE), 'The console must be built first: npm run build.');
    stage.db = await createTestDatabase(kind);
    stage.app = await startApp(stage.db.url, env);
    stage.chromium = await launchBrowser();
  });
  after(async () => {
    await stage.chromium?.close();
    await stage.app?.close();
    await stage.db?.drop();
  });
  return stage;
}

/**
 * Opens `address`, is sent to the sign-in form, signs in there as `account`, and waits to land where the
 * console then takes it (`landing`).
 */
export async function signInAt(page: Page, address: string, account: { email: string; password: string }, landing: RegExp | string): Promise<void> {
  await page.goto(address);
  await page.waitForURL(/\/admin\/sign-in/);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing);
}

/** Follows a link of the workspace's navigation and waits for its screen's address. */
export async function openFromNavigation(page: Page, link: string, path: RegExp): Promise<void> {
  await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: link, exact: true }).click();
  await page.waitForURL(path);
}
