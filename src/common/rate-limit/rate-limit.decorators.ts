import { SetMetadata } from '@nestjs/common';

const AUTH_LIMITED = 'cairn:rate-limit:auth';
const EXEMPT = 'cairn:rate-limit:exempt';

/**
 * Puts a route under the auth limit (RATE_LIMIT_AUTH) instead of the per-principal one: each request
 * counts against the client address and against the body's `email`, both within the route's
 * workspace (its `ws` parameter) when it has one. For sign-in, sign-up and token refresh routes.
 */
export const AuthRateLimit = () => SetMetadata(AUTH_LIMITED, true);

/** Exempts a route from every rate limit: health probes and API descriptions. */
export const SkipRateLimit = () => SetMetadata(EXEMPT, true);

export const RATE_LIMIT_METADATA = { AUTH_LIMITED, EXEMPT } as const;
