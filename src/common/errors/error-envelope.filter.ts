import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response';

/** Answers every error raised inside a route in the contract's envelope. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}

/** Sends an error envelope; unforeseen errors are logged with the request id, never shown. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, unexpected } = toErrorResponse(error);
  if (unexpected) request.log.error({ err: error }, 'unexpected error');
  else if (status === 503) request.log.warn({ err: error }, 'dependency unavailable');
  if (reply.sent) return;
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
}
