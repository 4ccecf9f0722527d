import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { AuthAttemptsInterceptor } from './auth-attempts.interceptor';

const AUTH_LIMITED = 'cairn:rate-limit:auth';
const EXEMPT = 'cairn:rate-limit:exempt';

/**
 * How an auth route is limited (auth-attempts.interceptor.ts), instead of by the per-principal limit.
 * Counts are per route and per workspace (the route's `ws` parameter).
 * - `sign-in`: only failed sign-ins count (401 INVALID_CREDENTIALS), per email and client address
 *   (RATE_LIMIT_AUTH) and per client address (RATE_LIMIT_AUTH_ADDRESS); over either, sign-in is refused,
 *   even with the right password.
 * - `token`: only refused tokens count (401 INVALID_TOKEN, TOKEN_EXPIRED), per client address
 *   (RATE_LIMIT_AUTH_ADDRESS): refresh and reset tokens cannot be guessed, the bound is against floods.
 * - `request`: every request counts, per email (RATE_LIMIT_AUTH) and per client address
 *   (RATE_LIMIT_AUTH_ADDRESS): sign-up and requests that send mail.
 */
export type AuthLimit = 'sign-in' | 'token' | 'request';

/**
 * The interceptor is bound here, to the auth routes only, not globally: a global interceptor puts every
 * request of every route through Nest's observable pipeline, which costs more than many routes' work.
 */
export const AuthRateLimit = (limit: AuthLimit) => applyDecorators(SetMetadata(AUTH_LIMITED, limit), UseInterceptors(AuthAttemptsInterceptor));

/** Exempts a route from every rate limit: health probes and API descriptions. */
export const SkipRateLimit = () => SetMetadata(EXEMPT, true);

export const RATE_LIMIT_METADATA = { AUTH_LIMITED, EXEMPT } as const;
