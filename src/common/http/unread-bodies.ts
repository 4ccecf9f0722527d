import type { FastifyInstance } from 'fastify';
import { AppError, SEND_JSON } from '../errors/app-error';

/** The 415 of a body Cairn does not read, saying what to send instead. */
export function unreadBodyError(contentType: string | undefined): AppError {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return new AppError('UNSUPPORTED_MEDIA_TYPE', `A form-encoded body (application/x-www-form-urlencoded) is not read: ${SEND_JSON}.`);
  if (type === 'multipart/form-data') {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', `A multipart/form-data body is read only by the upload routes, POST /api/v1/w/{ws}/files and POST /api/v1/w/{ws}/items/{collection}/import; here, ${SEND_JSON}.`);
  }
  if (type === '') return new AppError('UNSUPPORTED_MEDIA_TYPE', `A body without a content type is not read: ${SEND_JSON}.`);
  return new AppError('UNSUPPORTED_MEDIA_TYPE', `A body of type ${type} is not read: ${SEND_JSON}.`, { type });
}

/** Answers every body of a type no parser reads (forms, XML, text, …) with the 415 above, rather than a bare one. */
export function refuseUnreadBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('*', (request, _payload, done) => done(unreadBodyError(request.headers['content-type']), undefined));
}
