import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import type { RunningApp } from '../support/app';
import { assertAccessible, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount, newWorkspace, Workspace } from '../support/factories';
import { LocalOidcProvider } from '../support/oidc-provider';
import { studioStage } from '../support/studio';

/**
 * A front for the test instance, listening before it starts, so that Cairn can be told its address
 * (PUBLIC_URL) although it listens on a port chosen at its start: the console, Cairn's callback and the
 * provider's redirects then all agree on one origin, as behind a deployment's proxy.
 */
async function frontDoor(): Promise<{ url: string; forwardTo(port: number): void; close(): Promise<void> }> {
  let target = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo: (port) => (target = port),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const PLATFORM_CLIENT = { client_id: 'studio', client_secret: 'studio-secret-0123456789' };
const WORKSPACE_SECRET = 'workspace-secret-never-shown-0123';

/** Single sign-on in Cairn Studio on one database: a member signs in with SSO, an owner sets the workspace's provider. */
export function describeStudioSso(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio single sign-on [${kind}]`, () => {
    let idp: LocalOidcProvider;
    let front: Awaited<ReturnType<typeof frontDoor>>;
    let PUBLIC_URL = '';
    const env: Record<string, string> = {};
    before(async () => {
      idp = await LocalOidcProvider.start();
      front = await frontDoor();
      PUBLIC_URL = front.url;
      Object.assign(env, {
        PUBLIC_URL,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: PLATFORM_CLIENT.client_id,
        OIDC_CLIENT_SECRET: PLATFORM_CLIENT.client_secret,
        OIDC_ALLOW_INSECURE_ISSUERS: 'true',
      });
    });
    after(async () => {
      await idp?.close();
      await front?.close();
    });
    const stage = studioStage(kind, env);

    let app: RunningApp;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let owner: Account;
    let workspace: Workspace;

    before(async () => {
      ({ app } = stage);
      front.forwardTo(Number(new URL(app.url).port));
      owner = await newAccount(app.api, 'owner');
      workspace = await newWorkspace(app.api, owner, 'Acme SSO');
      idp.register([
        { ...PLATFORM_CLIENT, redirect_uris: [`${PUBLIC_URL}/api/v1/auth/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'] },
        { client_id: 'acme-app', client_secret: WORKSPACE_SECRET, redirect_uris: [`${PUBLIC_URL}/api/v1/w/${workspace.id}/auth/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'] },
      ]);
      context = await stage.chromium.browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
      page = await context.newPage();
      // A workspace without a provider answers GET /sso with 404, which the form reads as "none yet".
      errors = watchErrors(page, [/\/api\/v1\/w\/[^/]+\/sso$/]);
    });
    after(() => context?.close());

    it('signs a member in with SSO from the sign-in page', async () => {
      idp.nextIdentity = { email: owner.email, email_verified: true, name: 'Owner' };
      await page.goto(`${PUBLIC_URL}/admin/`);
      await page.waitForURL(/\/admin\/sign-in/);
      const sso = page.getByRole('link', { name: 'Sign in with SSO' });
      await sso.waitFor();
      await assertAccessible(page, 'sign-in with SSO');
      if (kind === 'sqlite') await screenshot(page, 'studio-sso-sign-in');
      await sso.click();
      await page.waitForURL(/\/admin\/(w\/[^/]+\/collections|workspaces)?$/);
      assert.equal(new URL(page.url()).searchParams.has('sso_code'), false);
      await page.getByRole('complementary', { name: 'Navigation' }).waitFor();
    });

    it("sets the workspace's provider for its app users, the secret never shown again", async () => {
      await page.goto(`${PUBLIC_URL}/admin/w/${workspace.slug}/settings`);
      const card = page.getByRole('region', { name: 'Single sign-on for app users' });
      await card.getByLabel('Issuer URL').fill(idp.issuer);
      await card.getByLabel('Client ID').fill('acme-app');
      await card.getByLabel('Client secret').fill(WORKSPACE_SECRET);
      await card.getByLabel('Return URLs').fill('https://app.example.com/signed-in');
      await card.getByRole('button', { name: 'Save single sign-on' }).click();
      await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await card.getByText('A secret is stored; leave this empty to keep it.').waitFor();
      await card.getByText(`${PUBLIC_URL}/api/v1/w/${workspace.id}/auth/oidc/callback`).waitFor();
      assert.equal(await card.getByLabel('Client secret').inputValue(), '');
      await page.reload();
      await card.getByText('A secret is stored; leave this empty to keep it.').waitFor();
      assert.equal((await page.content()).includes(WORKSPACE_SECRET), false);
      await assertAccessible(page, 'workspace single sign-on');
      await card.scrollIntoViewIfNeeded();
      if (kind === 'sqlite') await screenshot(page, 'studio-sso-workspace');
      const providers = await app.api.get(`/api/v1/w/${workspace.slug}/auth/providers`, { token: null });
      assert.equal(providers.body.data.oidc.enabled, true);
      assert.deepEqual(errors, []);
    });
  });
}
