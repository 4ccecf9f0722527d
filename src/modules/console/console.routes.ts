import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../common/errors/app-error';
import { sendError } from '../../common/errors/error-envelope.filter';

/** Where the console lives; its client-side routes are every path below it. */
export const CONSOLE_PATH = '/admin';

/**
 * The console loads nothing but its own files and talks only to this origin (WebSockets included), so it
 * works offline and an injected script has nowhere to send what it reads. Scripts come only from its own
 * files; inline styles are allowed because React Aria and CodeMirror set styles at run time (positions of
 * popovers, the editor's theme), and a style cannot run code.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names every file under assets/ by a hash of its content: a new build is new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built console at /admin: files of the build as they are, hashed assets cached for good,
 * index.html (never cached, so a new build is picked up on the next visit) for every other path below
 * /admin, which the console's router reads. A browser opening `/` is sent to the console; API clients
 * asking for `/` keep the JSON 404.
 */
export async function serveConsole(fastify: FastifyInstance, consoleDir: string): Promise<void> {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' && request.url === '/' && prefersHtml(request)) {
      return reply.redirect(`${CONSOLE_PATH}`, 302);
    }
  });

  const built = existsSync(join(consoleDir, 'index.html'));
  if (built) await fastify.register(fastifyStatic, { root: consoleDir, serve: false, wildcard: false });

  const answer = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    void reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin');
    if (!built) {
      return reply
        .status(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(`Cairn Studio has not been built: ${consoleDir} holds no index.html. Run \`npm run build\` (it builds the console too), then start Cairn again.\n`);
    }
    const path = request.params['*'] ?? '';
    if (path.startsWith('assets/')) {
      if (!isPlainFilePath(path) || !existsSync(join(consoleDir, path))) {
        return sendError(notFound(`The console has no file ${path}.`), request, reply);
      }
      return reply.header('cache-control', IMMUTABLE).sendFile(path, { cacheControl: false });
    }
    if (path !== '' && path !== 'index.html' && isPlainFilePath(path) && existsSync(join(consoleDir, path))) {
      return reply.header('cache-control', 'no-cache').sendFile(path, { cacheControl: false });
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', { cacheControl: false });
  };
  fastify.get(CONSOLE_PATH, answer);
  fastify.get(`${CONSOLE_PATH}/*`, answer);
}

/** Browsers put text/html in Accept for a page; fetch, curl and SDKs do not. */
function prefersHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').split(',').some((part) => part.trim().toLowerCase().startsWith('text/html'));
}

/** A relative path of names only: no `..`, no empty segment, no backslash, so it stays inside the build. */
function isPlainFilePath(path: string): boolean {
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\\')) && /\.[a-z0-9]+$/i.test(path);
}
