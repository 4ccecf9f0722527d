import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors/app-error';

/**
 * Refuses, before any guard or route reads it, a path whose segments name nothing: no slug, name or
 * key holds a NUL character (and PostgreSQL could not even look one up), so such a path answers 404.
 * Segments that are not UTF-8, or longer than any name, are answered 404 by the router already.
 */
export function refuseNulInPath(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    for (const value of Object.values((request.params ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string' && value.includes('\u0000')) throw notFound('No resource is named by this path: a path segment holds a NUL character.');
    }
  });
}
