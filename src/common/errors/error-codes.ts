/** The closed set of error codes of the HTTP contract (docs/API.md). */
export const ERROR_CODES = [
  'INVALID_PAYLOAD',
  'INVALID_QUERY',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'INVALID_TOKEN',
  'FORBIDDEN',
  'MFA_REQUIRED',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RANGE_NOT_SATISFIABLE',
  'VALIDATION_FAILED',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
  'HANDLER_FAILED',
  'HANDLER_TIMEOUT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(code: unknown): code is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code);
}

/** The HTTP status each code answers with; the switch is exhaustive, so a new code cannot be forgotten. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_PAYLOAD':
    case 'INVALID_QUERY':
      return 400;
    case 'INVALID_CREDENTIALS':
    case 'TOKEN_EXPIRED':
    case 'INVALID_TOKEN':
      return 401;
    case 'FORBIDDEN':
    case 'MFA_REQUIRED':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RANGE_NOT_SATISFIABLE':
      return 416;
    case 'VALIDATION_FAILED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL_SERVER_ERROR':
    case 'HANDLER_FAILED':
      return 500;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    case 'HANDLER_TIMEOUT':
      return 504;
  }
}
