import ms from 'ms';
import { defineSection } from '../section';
import { matching, text, Variable } from '../variable';

/** At most `limit` requests per key within `windowMs`. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** A count per window such as 10/15m, or off (also 0). */
const RATE_LIMIT = /^(off|0|[1-9]\d*\/[1-9]\d*(s|m|h|d))$/i;

/** A limit, or null when it is off. */
function rateLimit(name: string, fallback: string): Variable<RateLimit | null> {
  return text(name, fallback, matching(RATE_LIMIT, `must be a count per window such as ${fallback}, or off`)).to((value) => {
    const [count, window] = value.split('/');
    return window === undefined ? null : { limit: Number(count), windowMs: ms(window.toLowerCase() as ms.StringValue) };
  });
}

/** The request limits; null: that limit is off. */
export const rateLimits = defineSection({
  variables: {
    auth: rateLimit('RATE_LIMIT_AUTH', '10/15m'),
    authAddress: rateLimit('RATE_LIMIT_AUTH_ADDRESS', '100/15m'),
    global: rateLimit('RATE_LIMIT_GLOBAL', '600/1m'),
  },
  build: (v) => ({
    /** On the auth routes: failed sign-ins per email and client address, and sign-ups or mail requests per email. */
    auth: v.auth,
    /** On the auth routes: failed sign-ins, refused tokens, and sign-ups or mail requests per client address; null when `auth` is. */
    // RATE_LIMIT_AUTH=off lifts every auth limit, this one with it.
    authAddress: v.auth && v.authAddress,
    /** Per principal (or client address, for anonymous callers) on every other route. */
    global: v.global,
  }),
});
