import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import type { RunningApp } from '../support/app';
import { linkIn } from '../support/app-users';
import { assertAccessible, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { currentCode, platformOutbox, TOTP_STEP_MS } from '../support/mfa';
import { signInAt, studioStage } from '../support/studio';

/**
 * Two-factor authentication and magic links in Cairn Studio on one database: an owner enrols an
 * authenticator on Your account, requires MFA of the workspace's members, signs in again in two steps, and
 * then signs in by a mailed link, which still asks for the code. Codes are computed from the secret the page
 * shows, at the instance's clock.
 */
export function describeStudioMfa(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio two-factor authentication and magic links [${kind}]`, () => {
    let app: RunningApp;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let owner: Account;
    let secret = '';
    const shots = kind === 'sqlite';

    const stage = studioStage(kind, { MAIL_TRANSPORT: 'dev', ACCESS_TOKEN_TTL: '1d' });
    before(async () => {
      ({ app } = stage);
      browser = stage.chromium.browser;
      owner = await newAccount(app.api, 'owner');
      const workspace = await app.api.post('/api/v1/workspaces', { name: 'Acme Publishing', slug: 'acme' }, { token: owner.accessToken });
      assert.equal(workspace.status, 201, workspace.text);
      context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page);
    });

    after(async () => {
      await context?.close();
    });

    /** Moves the instance's clock to a fresh TOTP step, and answers its code. */
    const freshCode = () => {
      app.clock.advance(TOTP_STEP_MS);
      return currentCode(secret, app.clock);
    };

    const signOut = async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/admin\/sign-in/);
    };

    it('enrols an authenticator on Your account and shows the recovery codes once', async () => {
      await signInAt(page, `${app.url}/admin/`, owner, /\/admin\/(w\/[^/]+\/collections|workspaces)?$/);
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Your account' }).click();
      await page.waitForURL(/\/admin\/account$/);
      await page.getByRole('button', { name: 'Set up an authenticator' }).click();
      secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
      assert.match(secret, /^[A-Z2-7]{16,}$/);
      assert.match((await page.getByTestId('otpauth-url').textContent()) ?? '', /^otpauth:\/\/totp\//);
      await assertAccessible(page, 'account-mfa-setup');
      if (shots) await screenshot(page, 'account-mfa-setup');
      await page.getByLabel('Code from the app').fill(currentCode(secret, app.clock));
      await page.getByRole('button', { name: 'Turn on' }).click();
      const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await codes.first().waitFor();
      assert.equal(await codes.count(), 10);
      await page.getByRole('region', { name: 'Two-factor authentication' }).locator('.badge', { hasText: /^On$/ }).waitFor();
      if (shots) await screenshot(page, 'account-mfa-recovery-codes');
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByText('Sign-in asks for a code of your authenticator app.', { exact: false }).waitFor();
      const status = await app.api.get('/api/v1/auth/mfa', { token: owner.accessToken });
      assert.deepEqual(status.body.data, { enabled: true, recovery_codes_left: 10 });
    });

    it("requires MFA of the workspace's members from its settings", async () => {
      await page.goto(`${app.url}/admin/w/acme/settings`);
      const rules = page.getByRole('region', { name: 'Sign-in' });
      await rules.locator('label.checkbox').filter({ hasText: 'Require two-factor authentication of members' }).click();
      await rules.getByRole('checkbox', { name: 'Require two-factor authentication of members', checked: true }).waitFor();
      await assertAccessible(page, 'workspace-sign-in-rules');
      if (shots) await screenshot(page, 'workspace-sign-in-rules');
      const saved = await app.api.get('/api/v1/workspaces/acme/sign-in', { token: owner.accessToken });
      assert.deepEqual(saved.body.data, { require_mfa_members: true, require_mfa_app_users: false, app_user_magic_links: false });
    });

    it('signs in again in two steps: the password, then a code', async () => {
      await signOut();
      await page.getByLabel('Email').fill(owner.email);
      await page.getByLabel('Password').fill(owner.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      await assertAccessible(page, 'sign-in-mfa');
      if (shots) await screenshot(page, 'sign-in-mfa');
      await page.getByLabel('Code').fill(freshCode());
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(/\/admin\/(w\/[^/]+\/collections|workspaces)?$/);
    });

    it('signs in by a mailed link, which still asks for the code', async () => {
      await signOut();
      await page.getByLabel('Email').fill(owner.email);
      await page.getByRole('button', { name: 'Email me a sign-in link instead' }).click();
      await page.getByRole('status').filter({ hasText: 'a sign-in link is on its way' }).waitFor();
      const { link, token } = linkIn(platformOutbox(app)[0]);
      assert.equal(link.pathname, '/admin/magic-link');
      await page.goto(`${app.url}/admin/magic-link?token=${encodeURIComponent(token)}`);
      await assertAccessible(page, 'magic-link');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      await page.getByLabel('Code').fill(freshCode());
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(/\/admin\/(w\/[^/]+\/collections|workspaces)?$/);
    });

    it('logged no error in the browser', () => {
      assert.deepEqual(errors, []);
    });
  });
}
