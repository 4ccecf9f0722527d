import { ErrorCode, httpStatusOf } from './error-codes';

/** A value as JSON carries it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Extra facts about an error that a client may act on, such as the offending field or what stands in the way. */
export type ErrorExtensions = Record<string, JsonValue | undefined>;

/** An error whose message and code are meant for the client; everything else is answered as a 500. */
export class AppError extends Error {
  readonly status: number;

  /** Further errors of the same request, answered as more entries of the envelope (one per field). */
  readonly more: Array<{ message: string; extensions: ErrorExtensions }> = [];

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: ErrorExtensions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = httpStatusOf(code);
  }
}

export const invalidPayload = (message: string, field?: string) =>
  new AppError('INVALID_PAYLOAD', message, field === undefined ? {} : { field });
export const invalidCredentials = (message = 'Invalid user credentials.') => new AppError('INVALID_CREDENTIALS', message);
export const invalidToken = (message = 'Invalid token.') => new AppError('INVALID_TOKEN', message);
export const tokenExpired = (message = 'Token expired.') => new AppError('TOKEN_EXPIRED', message);
export const forbidden = (message = 'You do not have permission to do this.') => new AppError('FORBIDDEN', message);
export const notFound = (message = 'Not found.') => new AppError('NOT_FOUND', message);
export const conflict = (message: string, extensions: ErrorExtensions = {}) => new AppError('CONFLICT', message, extensions);
export const serviceUnavailable = (message = 'Service unavailable.') => new AppError('SERVICE_UNAVAILABLE', message);

/** What every refusal of a body tells the client to do instead: Fastify's own 415 and Cairn's say it alike. */
export const SEND_JSON = 'send the body as JSON, with content-type: application/json';
