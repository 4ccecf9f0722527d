import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { unreadBodyError } from './unread-bodies';

/** The route config flag of the routes that read a multipart body (uploads); everywhere else it is 415. */
export const ACCEPTS_MULTIPART = 'acceptsMultipart';

/**
 * Lets upload routes read multipart/form-data as a stream (`request.parts()`), and keeps refusing it
 * everywhere else with 415, as before. The plugin's parser reads nothing: the route consumes the body
 * itself, after the guards have let the caller in.
 */
export async function registerMultipart(fastify: FastifyInstance): Promise<void> {
  // Limits are given per upload by the route (its size limit comes from the configuration).
  await fastify.register(fastifyMultipart, { throwFileSizeLimit: true });
  // A callback hook: it runs on every request, and an async one would cost a promise each time.
  fastify.addHook('preValidation', (request, _reply, done) => {
    const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
    if (request.isMultipart() && config?.[ACCEPTS_MULTIPART] !== true) return done(unreadBodyError(request.headers['content-type']));
    done();
  });
}
