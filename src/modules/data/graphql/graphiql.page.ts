import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphiQLOptions } from 'graphql-yoga';

/** The package that holds GraphiQL's built assets; its version names them, so they can be cached for good. */
const GRAPHIQL_PACKAGE = '@graphql-yoga/render-graphiql';

export const GRAPHIQL_ASSETS_VERSION: string = (
  JSON.parse(readFileSync(join(require.resolve(`${GRAPHIQL_PACKAGE}/package.json`), '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** Where the GraphiQL page finds its assets: served by Cairn itself, so GraphiQL works without internet. */
export const GRAPHIQL_ASSETS_PATH = `/api/v1/graphiql/${GRAPHIQL_ASSETS_VERSION}`;

/** What the package's `graphiql` module exports: each built file as a string. */
interface BuiltAssets {
  js: string;
  favicon: string;
  css: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
}

/** The files of the page: GraphiQL's bundle, its styles, the editor's workers, and the page's own start script. */
export const GRAPHIQL_ASSETS: Record<string, { type: string; content: (built: BuiltAssets) => string | Buffer }> = {
  'graphiql.js': { type: 'text/javascript; charset=utf-8', content: (built) => built.js },
  'graphiql.css': { type: 'text/css; charset=utf-8', content: (built) => built.css },
  'editor.worker.js': { type: 'text/javascript; charset=utf-8', content: (built) => built.editorWorkerService },
  'json.worker.js': { type: 'text/javascript; charset=utf-8', content: (built) => built.jsonWorker },
  'graphql.worker.js': { type: 'text/javascript; charset=utf-8', content: (built) => built.graphqlWorker },
  'start.js': { type: 'text/javascript; charset=utf-8', content: () => START_SCRIPT },
  // The package carries its icon as a data URL.
  'favicon.ico': { type: 'image/x-icon', content: (built) => Buffer.from(built.favicon.slice(built.favicon.indexOf(',') + 1), 'base64') },
};

/**
 * Starts GraphiQL with the options the page carries as JSON. A file rather than an inline script, so
 * the page's Content-Security-Policy allows scripts of its own origin only. A token in the address's
 * fragment (`#access_token=…`, which browsers never send to the server) becomes the Authorization header
 * GraphiQL sends: the console's API explorer opens it so, as the principal it sends as.
 */
const START_SCRIPT = `(function () {
  var base = document.currentScript.src.replace(/start\\.js$/, '');
  var workers = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (_, label) { return base + workers[label]; } };
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  var token = new URLSearchParams(location.hash.slice(1)).get('access_token');
  if (token) {
    options.headers = JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
    options.shouldPersistHeaders = false;
  }
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

/** The built assets, read on first use: they weigh megabytes that most processes never serve. */
let built: BuiltAssets | undefined;

/** One asset's type and content, or null for a name that is not one of them. */
export function graphiqlAsset(name: string): { type: string; content: string | Buffer } | null {
  const asset = Object.hasOwn(GRAPHIQL_ASSETS, name) ? GRAPHIQL_ASSETS[name] : undefined;
  if (!asset) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  built ??= require(`${GRAPHIQL_PACKAGE}/graphiql`) as BuiltAssets;
  return { type: asset.type, content: asset.content(built) };
}

/** What the page may load: its own origin only (the editor's workers included), and the API it talks to. */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // GraphiQL sets styles on elements as it lays out its panes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** JSON safe inside a <script> element: no sequence in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** GraphiQL's page, loading everything from Cairn: Yoga's default would load it from a public CDN. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="${GRAPHIQL_ASSETS_PATH}/favicon.ico">
<link rel="stylesheet" href="${GRAPHIQL_ASSETS_PATH}/graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root"></div>
<script type="application/json" id="graphiql-options">${scriptJson(options)}</script>
<script src="${GRAPHIQL_ASSETS_PATH}/graphiql.js"></script>
<script src="${GRAPHIQL_ASSETS_PATH}/start.js"></script>
</body>
</html>`;
}
