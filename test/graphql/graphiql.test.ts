import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** Every address a page's elements load from: `src` and `href` attributes. */
function loadedAddresses(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1]);
}

/** GraphiQL is served with all its assets from Cairn, so it works on a machine without internet. */
describeEachDatabase('GraphiQL', {}, (suite) => {
  let api: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
  });

  it('serves its page to a browser, loading nothing from another host, under a Content-Security-Policy', async () => {
    const page = await api.get(`${base}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200, page.text);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'no absolute address in the page');
    const addresses = loadedAddresses(page.text);
    assert.ok(addresses.some((address) => address.endsWith('/graphiql.js')), page.text);
    for (const address of addresses) assert.match(address, /^\/api\/v1\/graphiql\//);
  });

  it('serves each asset the page and its editor load, cached for good', async () => {
    const page = await api.get(`${base}/graphql`, { headers: { accept: 'text/html' } });
    const folder = loadedAddresses(page.text)[0].replace(/[^/]+$/, '');
    const expected: Record<string, RegExp> = {
      'graphiql.js': /^text\/javascript/,
      'start.js': /^text\/javascript/,
      'graphiql.css': /^text\/css/,
      'favicon.ico': /^image\/x-icon/,
      'editor.worker.js': /^text\/javascript/,
      'json.worker.js': /^text\/javascript/,
      'graphql.worker.js': /^text\/javascript/,
    };
    for (const [file, type] of Object.entries(expected)) {
      const asset = await suite.api.get(`${folder}${file}`, { token: null });
      assert.equal(asset.status, 200, file);
      assert.match(asset.headers.get('content-type') ?? '', type, file);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/, file);
      assert.ok(asset.text.length > 0, file);
    }
    // The start script asks for the workers by the names served above.
    const start = await suite.api.get(`${folder}start.js`);
    for (const worker of ['editor.worker.js', 'json.worker.js', 'graphql.worker.js']) assert.ok(start.text.includes(worker), worker);
  });

  it('answers 404 for a file that is not one of its assets, or another version', async () => {
    const page = await api.get(`${base}/graphql`, { headers: { accept: 'text/html' } });
    const folder = loadedAddresses(page.text)[0].replace(/[^/]+$/, '');
    assertError(await suite.api.get(`${folder}package.json`), 404, 'NOT_FOUND');
    assertError(await suite.api.get(`${folder}..%2Fpackage.json`), 404, 'NOT_FOUND');
    assertError(await suite.api.get('/api/v1/graphiql/0.0.1/graphiql.js'), 404, 'NOT_FOUND');
  });
});
