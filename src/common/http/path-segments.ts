import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors/app-error';

/**
 * Refuses, before any guard or route reads it, a path whose segments name nothing: no slug, name or
 * key holds a NUL character (and PostgreSQL could not even look one up), so such a path answers 404.
 * Segments that are not UTF-8, or longer than any name, are answered 404 by the router already.
 */
export function refuseNulInPath(fastify: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and a promise per request costs more than the check.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    for (const name in params) {
      const value = params[name];
      if (typeof value === 'string' && value.includes('\u0000')) return done(notFound('No resource is named by this path: a path segment holds a NUL character.'));
    }
    done();
  });
}
