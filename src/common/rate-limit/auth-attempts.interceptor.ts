import { CallHandler, ExecutionContext, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { catchError, Observable } from 'rxjs';
import type { RateLimit, RateLimitConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { AppError } from '../errors/app-error';
import type { ErrorCode } from '../errors/error-codes';
import { Metrics } from '../metrics/metrics';
import { RATE_LIMIT_METADATA } from './rate-limit.decorators';
import type { AuthLimit } from './rate-limit.decorators';
import { clientAddress, hashedKey, rateLimited } from './rate-limit.guard';
import type { AttemptCounts, WindowCount } from './window-count.storage';

/** One count an attempt is held to: its key and its limit. */
interface Count {
  key: string;
  limit: RateLimit;
}

/** The answers that make an attempt a failure, for the limits that count failures only. */
const FAILURES: Record<Exclude<AuthLimit, 'request'>, ReadonlySet<ErrorCode>> = {
  'sign-in': new Set(['INVALID_CREDENTIALS']),
  token: new Set(['INVALID_TOKEN', 'TOKEN_EXPIRED']),
};

/**
 * The limits of the auth routes (@AuthRateLimit). Sign-in counts only failures, so that successful
 * sign-ins never use up a limit and one person's wrong passwords lock out only that email from that
 * address: strictly per email and address (RATE_LIMIT_AUTH), loosely per address (RATE_LIMIT_AUTH_ADDRESS),
 * which bounds one address trying many emails. A failure is counted after the route answers, and the
 * counts are checked before the route runs, so once over a limit even the right password is refused
 * (the answer cannot tell a guess that would have succeeded). Counts live in the throttler's storage:
 * Redis, shared by every instance, when it is configured. Bound by @AuthRateLimit to the auth routes
 * alone; with RATE_LIMIT_AUTH off it lets every request through.
 */
@Injectable()
export class AuthAttemptsInterceptor implements NestInterceptor {
  private readonly counts: AttemptCounts | null;
  private readonly perIdentifier: RateLimit | null;
  private readonly perAddress: RateLimit | null;

  constructor(
    private readonly reflector: Reflector,
    // rate-limit.module.ts gives the throttler one of Cairn's storages, which also count attempts; there
    // is none when every rate limit is off.
    @Optional() @InjectThrottlerStorage() storage: ThrottlerStorage | null,
    @InjectConfig('rateLimits') config: RateLimitConfig,
    private readonly metrics: Metrics,
  ) {
    this.perIdentifier = config.auth;
    this.perAddress = config.authAddress;
    this.counts = this.perIdentifier && storage ? (storage as ThrottlerStorage & AttemptCounts) : null;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (!this.counts) return next.handle();
    const kind = this.reflector.getAllAndOverride<AuthLimit | undefined>(RATE_LIMIT_METADATA.AUTH_LIMITED, [context.getHandler(), context.getClass()]);
    if (kind === undefined) return next.handle();
    const counts = this.countsOf(kind, context);
    const storage = this.counts;
    const refused = () => this.metrics.rateLimited(kind);
    if (kind === 'request') {
      refuseOver(context, await Promise.all(counts.map(({ key, limit }) => storage.add(key, limit.windowMs))), counts, 1, refused);
      return next.handle();
    }
    refuseOver(context, await Promise.all(counts.map(({ key }) => storage.peek(key))), counts, 0, refused);
    return next.handle().pipe(
      catchError(async (error: unknown) => {
        if (error instanceof AppError && FAILURES[kind].has(error.code)) await Promise.all(counts.map(({ key, limit }) => storage.add(key, limit.windowMs)));
        throw error;
      }),
    );
  }

  private countsOf(kind: AuthLimit, context: ExecutionContext): Count[] {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const scope = `${context.getClass().name}.${context.getHandler().name}|${workspaceOf(request)}`;
    const address = clientAddress(request);
    const email = identifierOf(request);
    const counts: Count[] = [];
    if (this.perAddress) counts.push({ key: hashedKey('auth-address', scope, address), limit: this.perAddress });
    if (email !== null && kind === 'sign-in') counts.push({ key: hashedKey('auth-sign-in', scope, `${email}|${address}`), limit: this.perIdentifier! });
    if (email !== null && kind === 'request') counts.push({ key: hashedKey('auth-email', scope, email), limit: this.perIdentifier! });
    return counts;
  }
}

/** Refuses the request when a count is over its limit (`slack` 1: the count includes this request), telling `refused` first. */
function refuseOver(context: ExecutionContext, found: WindowCount[], counts: Count[], slack: number, refused: () => void): void {
  const over = found.filter((count, i) => count.hits >= counts[i].limit.limit + slack);
  if (over.length === 0) return;
  refused();
  throw rateLimited(context, Math.max(...over.map((count) => count.msLeft)));
}

/** The email an auth request names, lower-cased and trimmed, so spelling variants count as one. */
function identifierOf(request: FastifyRequest): string | null {
  const email = (request.body as Record<string, unknown> | undefined)?.email;
  if (typeof email !== 'string') return null;
  const normalized = email.trim().toLowerCase();
  return normalized === '' ? null : normalized;
}

function workspaceOf(request: FastifyRequest): string {
  const ws = (request.params as Record<string, unknown> | undefined)?.ws;
  return typeof ws === 'string' ? `w:${ws}` : 'platform';
}
