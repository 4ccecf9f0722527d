import { HttpException } from '@nestjs/common';
import { classifyDatabaseError } from '../database/db-errors';
import { AppError, SEND_JSON } from './app-error';
import { ErrorCode, httpStatusOf } from './error-codes';

/** The body of every failed response: the envelope the @directus/sdk client understands. */
export interface ErrorEnvelope {
  errors: Array<{ message: string; extensions: { code: ErrorCode } & Record<string, unknown> }>;
}

export interface ErrorResponse {
  status: number;
  body: ErrorEnvelope;
  /** True when the error was not foreseen and deserves a log line with its stack. */
  unexpected: boolean;
}

/** Fastify's own errors (body parsing, routing) that clients can cause, by Fastify error code. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is larger than allowed.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_PAYLOAD', message: 'Request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_PAYLOAD', message: 'Request body is empty but its content type is JSON.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: `Unsupported content type: ${SEND_JSON}.` },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_PAYLOAD', message: 'Request body does not match its Content-Length.' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'INVALID_PAYLOAD', message: 'Invalid content type.' },
  FST_ERR_BAD_URL: { code: 'NOT_FOUND', message: 'No resource is named by this path: it is not valid percent-encoded UTF-8.' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'NOT_FOUND', message: 'No resource is named by this path: a path segment is longer than any name or key.' },
};

/** Maps any thrown value to the contract's status and envelope, never leaking stack, SQL or driver text. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AppError) {
    const response = envelope(error.code, error.message, error.extensions);
    for (const extra of error.more) response.body.errors.push(envelope(error.code, extra.message, extra.extensions).body.errors[0]);
    return response;
  }

  const fastifyCode = (error as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && FASTIFY_ERRORS[fastifyCode]) {
    const known = FASTIFY_ERRORS[fastifyCode];
    return envelope(known.code, known.message);
  }
  // Fastify's JSON parser rejects __proto__ and constructor.prototype keys with a SyntaxError.
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return envelope('INVALID_PAYLOAD', 'Request body is not valid JSON or holds a forbidden key.');
  }

  if (error instanceof HttpException) return fromHttpException(error);

  switch (classifyDatabaseError(error)) {
    case 'unique_violation':
      return envelope('CONFLICT', 'A record with this unique value already exists.');
    case 'foreign_key_violation':
      return envelope('CONFLICT', 'The record is referenced by, or references, a record that prevents this change.');
    case 'unavailable':
      return envelope('SERVICE_UNAVAILABLE', 'The database is unavailable, or every connection to it is busy. Try again shortly.');
    case 'stale_statement':
      return envelope('SERVICE_UNAVAILABLE', "The collection's fields changed while this write ran; nothing was written. Try again.");
    // Where a number can go out of range, the code that runs the statement names the culprit.
    case 'out_of_range':
    case 'other':
      break;
  }

  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return fromStatus(status);
  return { ...envelope('INTERNAL_SERVER_ERROR', 'An unexpected error occurred.'), unexpected: true };
}

/**
 * Nest turns Fastify's body-parsing errors into HttpExceptions that keep Fastify's message (safe, and
 * more telling than a generic one) but lose its code, so these are mapped by status.
 */
function fromHttpException(error: HttpException): ErrorResponse {
  const status = error.getStatus();
  if (status === 404) return envelope('NOT_FOUND', 'Route not found.');
  if (status === 415) return envelope('UNSUPPORTED_MEDIA_TYPE', FASTIFY_ERRORS.FST_ERR_CTP_INVALID_MEDIA_TYPE.message);
  const mapped = fromStatus(status);
  if (mapped.unexpected || status >= 500) return mapped;
  return envelope(mapped.body.errors[0].extensions.code, sentence(error.message));
}

function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

function fromStatus(status: number): ErrorResponse {
  const byStatus: Record<number, ErrorCode> = {
    400: 'INVALID_PAYLOAD',
    401: 'INVALID_CREDENTIALS',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    409: 'CONFLICT',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    416: 'RANGE_NOT_SATISFIABLE',
    422: 'VALIDATION_FAILED',
    429: 'RATE_LIMITED',
    503: 'SERVICE_UNAVAILABLE',
  };
  const code = byStatus[status];
  if (!code) return { ...envelope('INTERNAL_SERVER_ERROR', 'An unexpected error occurred.'), unexpected: true };
  return envelope(code, GENERIC_MESSAGES[code]);
}

const GENERIC_MESSAGES: Record<ErrorCode, string> = {
  INVALID_PAYLOAD: 'Invalid payload.',
  INVALID_QUERY: 'Invalid query.',
  INVALID_CREDENTIALS: 'Authentication required.',
  TOKEN_EXPIRED: 'Token expired.',
  INVALID_TOKEN: 'Invalid token.',
  FORBIDDEN: 'You do not have permission to do this.',
  MFA_REQUIRED: 'Two-factor authentication is required.',
  NOT_FOUND: 'Not found.',
  CONFLICT: 'Conflict.',
  PAYLOAD_TOO_LARGE: 'Request body is larger than allowed.',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type.',
  RANGE_NOT_SATISFIABLE: 'The range asked for is outside the file.',
  VALIDATION_FAILED: 'Validation failed.',
  RATE_LIMITED: 'Too many requests.',
  INTERNAL_SERVER_ERROR: 'An unexpected error occurred.',
  SERVICE_UNAVAILABLE: 'Service unavailable.',
  HANDLER_FAILED: 'A handler failed.',
  HANDLER_TIMEOUT: 'A handler did not finish in time.',
};

function envelope(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): ErrorResponse {
  const clean = Object.fromEntries(Object.entries(extensions).filter(([, value]) => value !== undefined));
  return {
    status: httpStatusOf(code),
    body: { errors: [{ message, extensions: { ...clean, code } }] },
    unexpected: false,
  };
}
