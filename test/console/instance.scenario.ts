import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { signInAt, studioStage } from '../support/studio';
import { ExternalFixture, externalPostgres } from '../connections/external-databases';

/** Refused on purpose, to see the refusals shown: the app user's wrong password in "send as", a connection to a closed port. */
const EXPECTED_REFUSALS = [/\/api\/v1\/w\/acme\/auth\/login$/, /\/api\/v1\/w\/acme\/connections\/test$/];

function signIn(page: Page, app: RunningApp, account: Account): Promise<void> {
  return signInAt(page, `${app.url}/admin/`, account, /\/admin\/(w\/[^/]+\/collections|workspaces)?$/);
}

/**
 * The instance screen, the API explorer and the connections screen of Cairn Studio on one database. The
 * accounts, workspace, a collection, an API key and an app user are made through the API; the screens
 * are driven in the browser. The connection is to the test's own PostgreSQL: on PostgreSQL, Cairn's own
 * database; on SQLite (which Cairn does not connect to as an external database), a database on the test
 * PostgreSQL server.
 */
export function describeStudioInstance(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio instance, API explorer and connections [${kind}]`, () => {
    let app: RunningApp;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let root: Account;
    let other: Account;
    let apiKey: string;
    let workspaceId: string;
    const appUser = { email: `reader-${randomBytes(3).toString('hex')}@example.com`, password: 'reader-password-1' };
    let external: ExternalFixture | null = null;
    /** Every address the page and its frames asked for. */
    const requested: string[] = [];
    const shots = kind === 'sqlite';

    const stage = studioStage(kind, { CONNECTIONS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), CONNECTIONS_CONNECT_TIMEOUT: '3s' });
    before(async () => {
      ({ app } = stage);
      browser = stage.chromium.browser;
      root = await newAccount(app.api, 'root');
      assert.equal(root.isSuperadmin, true);
      other = await newAccount(app.api, 'other');
      const workspace = await app.api.post('/api/v1/workspaces', { name: 'Acme Publishing', slug: 'acme' }, { token: root.accessToken });
      assert.equal(workspace.status, 201, workspace.text);
      workspaceId = workspace.body.data.id;
      const collection = await app.api.post(
        '/api/v1/w/acme/collections',
        { collection: 'posts', fields: [{ field: 'title', type: 'string' }] },
        { token: root.accessToken },
      );
      assert.equal(collection.status, 201, collection.text);
      const key = await app.api.post('/api/v1/workspaces/acme/api-keys', { name: 'explorer', role: 'viewer' }, { token: root.accessToken });
      assert.equal(key.status, 201, key.text);
      apiKey = key.body.data.key;
      const registered = await app.api.post('/api/v1/w/acme/auth/register', appUser, { token: null });
      assert.equal(registered.status, 201, registered.text);
      if (kind !== 'postgres') external = await externalPostgres();
      context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
      page = await context.newPage();
      page.on('request', (request) => requested.push(request.url()));
      errors = watchErrors(page, EXPECTED_REFUSALS);
    });

    after(async () => {
      await context?.close();
      await external?.drop();
    });

    it('shows the superadmin the instance: version, database and Redis status, settings and accounts', async () => {
      await signIn(page, app, root);
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Health and accounts' }).click();
      await page.waitForURL(/\/admin\/instance$/);
      const version = ((await app.api.get('/api/v1/health')).body as { info: { application: { version: string } } }).info.application.version;
      await page.getByTestId('instance-version').filter({ hasText: version }).waitFor();
      const health = page.getByRole('region', { name: 'Health' });
      await health.getByText(kind, { exact: false }).first().waitFor();
      await health.locator('dd', { hasText: kind }).locator('.badge', { hasText: 'up' }).waitFor();
      await health.getByText('Redis', { exact: true }).waitFor();
      const settings = page.getByRole('table', { name: 'Instance settings' });
      await settings.getByRole('row', { name: /self-registration/ }).getByText('AUTH_SELF_REGISTRATION').waitFor();
      await page.getByRole('table', { name: 'Platform accounts' }).getByRole('row', { name: new RegExp(other.email) }).waitFor();
      await assertAccessible(page, 'instance');
      if (shots) await screenshot(page, 'instance');
    });

    it('turns self-registration off over the environment, then resets it to AUTH_SELF_REGISTRATION', async () => {
      const register = () => app.api.post('/api/v1/auth/register', { email: `late-${randomBytes(3).toString('hex')}@example.com`, password: 'a-long-password' }, { token: null });
      const row = page.getByRole('table', { name: 'Instance settings' }).getByRole('row', { name: /self-registration/ });
      await row.locator('label.checkbox').click();
      await row.getByText('this screen', { exact: false }).waitFor();
      assert.equal((await register()).status, 403, 'nobody registers while it is off');
      await assertAccessible(page, 'instance-settings-overridden');
      await row.getByRole('button', { name: 'Reset to default: self-registration' }).click();
      await row.getByRole('button', { name: /^Reset/ }).waitFor({ state: 'detached' });
      await row.getByText('AUTH_SELF_REGISTRATION', { exact: true }).waitFor();
      const settings = await app.api.get('/api/v1/instance/settings', { token: root.accessToken });
      assert.deepEqual(settings.body.data.map((s: { value: boolean; overridden: boolean }) => [s.value, s.overridden]), [[true, false]]);
    });

    it('disables a platform account, which then cannot sign in', async () => {
      const row = page.getByRole('table', { name: 'Platform accounts' }).getByRole('row', { name: new RegExp(other.email) });
      await row.getByRole('button', { name: `Disable ${other.email}` }).click();
      await row.getByText('disabled', { exact: true }).waitFor();
      await row.getByRole('button', { name: `Enable ${other.email}` }).waitFor();
      const login = await app.api.post('/api/v1/auth/login', { email: other.email, password: other.password }, { token: null });
      assert.equal(login.status, 401, login.text);
      // Its token stops working too.
      assert.equal((await app.api.get('/api/v1/auth/me', { token: other.accessToken })).status, 401);
    });

    it('hides the instance screen from an account that is not the superadmin', async () => {
      const row = page.getByRole('table', { name: 'Platform accounts' }).getByRole('row', { name: new RegExp(other.email) });
      await row.getByRole('button', { name: `Enable ${other.email}` }).click();
      await row.getByText('active', { exact: true }).waitFor();
      const otherContext = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
      try {
        const otherPage = await otherContext.newPage();
        const otherErrors = watchErrors(otherPage);
        await signIn(otherPage, app, other);
        const navigation = otherPage.getByRole('complementary', { name: 'Navigation' });
        await navigation.getByRole('link', { name: 'All workspaces' }).waitFor();
        assert.equal(await navigation.getByRole('link', { name: 'Health and accounts' }).count(), 0);
        await otherPage.goto(`${app.url}/admin/instance`);
        await otherPage.getByText("Only the instance's superadmin sees its settings and accounts.").waitFor();
        assert.equal(await otherPage.getByRole('table', { name: 'Platform accounts' }).count(), 0);
        assert.deepEqual(otherErrors, []);
      } finally {
        await otherContext.close();
      }
    });

    it('loads Swagger UI from Cairn itself, sending as the signed-in account, then as an API key', async () => {
      requested.length = 0;
      await page.goto(`${app.url}/admin/w/acme/collections`);
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'API explorer' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/api$/);
      const swagger = page.frameLocator('iframe[title="Swagger UI of the workspace\'s REST API"]');
      await swagger.locator('.swagger-ui .opblock-summary-path', { hasText: '/items/posts' }).first().waitFor({ timeout: 20_000 });
      await page.getByRole('status').filter({ hasText: `Sending as me (${root.email})` }).waitFor();
      await assertAccessible(page, 'api-explorer');
      if (shots) await screenshot(page, 'api-explorer');

      // As an API key: the page is loaded again and its requests carry the key.
      const documentAuthorization = new Promise<string | undefined>((resolve) => {
        page.on('request', (request) => {
          if (request.url().endsWith('/api/v1/w/acme/openapi.json')) resolve(request.headers().authorization);
        });
      });
      await page.getByRole('button', { name: /Send as/ }).first().click();
      await page.getByRole('option', { name: 'An API key' }).click();
      await page.getByLabel('API key', { exact: true }).fill(apiKey);
      await page.getByRole('button', { name: 'Send as', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Sending as API key' }).waitFor();
      assert.equal(await documentAuthorization, `Bearer ${apiKey}`);
      await swagger.locator('.swagger-ui .opblock-summary-path', { hasText: '/items/posts' }).first().waitFor({ timeout: 20_000 });

      const origin = new URL(app.url).origin;
      const elsewhere = requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'));
      assert.ok(requested.some((url) => url.includes('/api/docs/swagger-ui-bundle.js')), 'Swagger UI came from Cairn');
      assert.deepEqual(elsewhere, [], 'nothing is loaded from another host');
      assert.ok(requested.every((url) => !new URL(url, origin).search.includes('access_token')), 'no token in an address the server sees');
    });

    it('signs in as an app user and opens GraphiQL sending as it, from Cairn itself', async () => {
      requested.length = 0;
      await page.getByRole('button', { name: /Send as/ }).first().click();
      await page.getByRole('option', { name: 'An app user' }).click();
      await page.getByLabel('App user email').fill(appUser.email);
      await page.getByLabel('App user password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in and send as' }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).waitFor();
      await page.getByLabel('App user password').fill(appUser.password);
      await page.getByRole('button', { name: 'Sign in and send as' }).click();
      await page.getByRole('status').filter({ hasText: `Sending as app user ${appUser.email}` }).waitFor();
      await page.getByRole('tab', { name: 'GraphQL (GraphiQL)' }).click();
      const graphiql = page.frameLocator('iframe[title="GraphiQL for the workspace\'s GraphQL API"]');
      await graphiql.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
      await graphiql.getByText('Authorization', { exact: false }).first().waitFor({ state: 'attached' });
      const origin = new URL(app.url).origin;
      assert.ok(requested.some((url) => url.includes('/api/v1/graphiql/')), 'GraphiQL came from Cairn');
      assert.deepEqual(requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')), []);
      await assertAccessible(page, 'api-explorer-graphql');
      if (shots) await screenshot(page, 'api-explorer-graphql');
    });

    it('tests a connection to the test database, registers it with a table, and shows its columns', async () => {
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Connections' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/connections$/);
      await page.getByText('No connection yet.', { exact: false }).waitFor();
      await assertAccessible(page, 'connections-empty');
      await page.getByRole('button', { name: 'New connection' }).click();
      const dialog = page.getByRole('dialog');

      if (kind === 'sqlite') {
        // A SQLite file is not something Cairn connects to: the URL is refused with the reason.
        await dialog.getByLabel('Database URL').fill(`${app.url.replace(/^http/, 'sqlite')}/cairn.sqlite`);
        await dialog.getByRole('button', { name: 'Fill from URL' }).click();
        await dialog.getByText('Cairn connects to PostgreSQL and MySQL only', { exact: false }).waitFor();
      }
      const url = external ? `postgres://${external.user}${external.password ? `:${encodeURIComponent(external.password)}` : ''}@${external.host}:${external.port}/${external.database}` : stage.db.url;
      // Cairn's own table of the posts collection is prefixed with its workspace.
      const table = external ? 'orders' : `cw_${workspaceId.replace(/-/g, '').slice(0, 10)}_posts`;

      // A wrong port first: the server's clear 400, shown at the host.
      await dialog.getByLabel('Database URL').fill(url.replace(/:\d+\//, ':1/'));
      await dialog.getByRole('button', { name: 'Fill from URL' }).click();
      await dialog.getByRole('button', { name: 'Test connection' }).click();
      await dialog.getByText('Could not connect to', { exact: false }).waitFor();

      await dialog.getByLabel('Database URL').fill(url);
      await dialog.getByRole('button', { name: 'Fill from URL' }).click();
      await dialog.getByRole('button', { name: 'Test connection' }).click();
      await dialog.getByRole('status').filter({ hasText: 'Connected.' }).waitFor();
      const serve = dialog.getByRole('checkbox', { name: `Serve ${table}` });
      await dialog.locator('label.checkbox').filter({ hasText: new RegExp(`^Serve ${table}$`) }).click();
      assert.equal(await serve.isChecked(), true);
      await dialog.getByLabel('Name').fill('own');
      await assertAccessible(page, 'connections-new');
      if (shots) await screenshot(page, 'connections-new');
      await dialog.getByRole('button', { name: 'Register connection' }).click();
      await dialog.waitFor({ state: 'detached' });

      const connections = page.getByRole('table', { name: 'Connections' });
      await connections.getByRole('row', { name: /own/ }).waitFor();
      const tables = page.getByRole('region', { name: 'Tables of own' });
      const served = tables.locator('.connection-table', { has: page.getByText(`as own__${table}`) });
      await served.locator('.badge').filter({ hasText: /^served$/ }).waitFor();
      await served.locator('summary').click();
      await served.getByRole('table', { name: `Columns of ${table}` }).getByText('id', { exact: true }).waitFor();
      await assertAccessible(page, 'connections');
      if (shots) await screenshot(page, 'connections');

      const listed = await app.api.get('/api/v1/w/acme/connections', { token: root.accessToken });
      assert.deepEqual(listed.body.data.map((c: { name: string; tables: string[] }) => [c.name, c.tables]), [['own', [table]]]);
      const rows = await app.api.get(`/api/v1/w/acme/items/own__${table}`, { token: root.accessToken });
      assert.equal(rows.status, 200, rows.text);
    });

    it('logged no error in the browser', () => {
      assert.deepEqual(errors, []);
    });
  });
}
