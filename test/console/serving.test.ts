import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunningApp, startApp } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { assertError } from '../support/factories';

const INDEX = '<!doctype html><html><head><script type="module" src="/admin/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>';
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** A build of the console as Vite lays it out: index.html, hashed files under assets/, others beside. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), 'console.log("studio");');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** Serving reads no table: SQLite is enough, whatever databases the run selects. */
describe('the console at /admin', () => {
  let db: TestDatabase;
  let app: RunningApp;
  let build: string;
  before(async () => {
    build = fakeBuild();
    db = await createTestDatabase('sqlite');
    app = await startApp(db.url, { CONSOLE_DIR: build });
  });
  after(async () => {
    await app?.close();
    await db?.drop();
    rmSync(build, { recursive: true, force: true });
  });

  it('answers index.html, never cached, with a Content-Security-Policy that allows only its own origin', async () => {
    for (const path of ['/admin', '/admin/', '/admin/index.html']) {
      const page = await app.api.get(path, { headers: BROWSER });
      assert.equal(page.status, 200, path);
      assert.equal(page.text, INDEX);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /connect-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /style-src 'self' 'unsafe-inline'(;|$)/);
      assert.doesNotMatch(csp.replace("style-src 'self' 'unsafe-inline'", ''), /unsafe-inline|unsafe-eval|https?:|\*/);
    }
  });

  it("answers index.html for the console's own routes, with their query strings", async () => {
    for (const path of ['/admin/w/acme/collections/posts', '/admin/setup?token=abc', '/admin/sign-in?redirect=%2Fadmin%2Fw%2Facme']) {
      const page = await app.api.get(path, { headers: BROWSER });
      assert.equal(page.status, 200, path);
      assert.equal(page.text, INDEX, path);
      assert.equal(page.headers.get('cache-control'), 'no-cache', path);
    }
  });

  it('serves hashed assets as immutable, with their content type', async () => {
    const script = await app.api.get('/admin/assets/index-Ab12Cd34.js');
    assert.equal(script.status, 200);
    assert.equal(script.text, 'console.log("studio");');
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const icon = await app.api.get('/admin/favicon.svg');
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.equal(icon.headers.get('cache-control'), 'no-cache');
  });

  it('answers a missing asset with a JSON 404, not with the page', async () => {
    assertError(await app.api.get('/admin/assets/index-gone.js'), 404, 'NOT_FOUND');
    assertError(await app.api.get('/admin/assets/%2e%2e/%2e%2e/package.json'), 404, 'NOT_FOUND');
  });

  it('sends a browser asking for / to the console, and keeps the JSON 404 for API clients', async () => {
    const browser = await fetch(`${app.url}/`, { headers: BROWSER, redirect: 'manual' });
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get('location'), '/admin');
    for (const accept of [undefined, 'application/json', '*/*']) {
      const answer = await app.api.get('/', { headers: accept ? { accept } : {} });
      assertError(answer, 404, 'NOT_FOUND');
    }
  });

  it('leaves the API where it is', async () => {
    const health = await app.api.get('/api/v1/health', { headers: BROWSER });
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
  });
});

describe('the console when it has not been built', () => {
  let db: TestDatabase;
  let app: RunningApp;
  let empty: string;
  before(async () => {
    empty = mkdtempSync(join(tmpdir(), 'cairn-console-empty-'));
    db = await createTestDatabase('sqlite');
    app = await startApp(db.url, { CONSOLE_DIR: empty });
  });
  after(async () => {
    await app?.close();
    await db?.drop();
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers /admin with a message that says how to build it', async () => {
    for (const path of ['/admin', '/admin/w/acme']) {
      const page = await app.api.get(path, { headers: BROWSER });
      assert.equal(page.status, 503, path);
      assert.match(page.text, /Cairn Studio has not been built/);
      assert.match(page.text, /npm run build/);
    }
  });
});
