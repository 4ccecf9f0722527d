import { createHash } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimit, RateLimitConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import type { RequestWithPrincipal } from '../principal/principal';
import { AppError } from '../errors/app-error';
import { Metrics } from '../metrics/metrics';
import { RATE_LIMIT_METADATA } from './rate-limit.decorators';

type LimitedRequest = FastifyRequest & RequestWithPrincipal;

/** Distinct callers whose count keys are kept hashed; beyond it the memo starts over. */
const MAX_MEMOIZED_KEYS = 10_000;

/**
 * The global rate-limit guard, registered after PrincipalGuard so request.user is known: every route
 * but the auth routes (counted by AuthAttemptsInterceptor) and the exempt ones counts against its caller,
 * in the throttler's storage (Redis when configured). It does what the throttler's own guard did for
 * Cairn's one limit, without that guard's per-request work for options Cairn never sets (seven metadata
 * reads per request, a digest per request): whether a route counts is read once per route, and a
 * caller's key is hashed once.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limit: RateLimit;
  private readonly counted = new WeakMap<object, boolean>();
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly reflector: Reflector,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @InjectConfig('rateLimits') config: RateLimitConfig,
    private readonly metrics: Metrics,
  ) {
    // This guard is registered only when RATE_LIMIT_GLOBAL is on.
    this.limit = config.global!;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.counts(context)) return true;
    const request = context.switchToHttp().getRequest<LimitedRequest>();
    const { windowMs, limit } = this.limit;
    const counted = await this.storage.increment(this.keyOf(principalKey(request)), windowMs, limit, windowMs, GLOBAL_LIMIT);
    if (counted.isBlocked) {
      this.metrics.rateLimited('global');
      throw rateLimited(context, counted.timeToBlockExpire * 1000);
    }
    return true;
  }

  /** Whether the route counts: not an auth route, not exempt. */
  private counts(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let counts = this.counted.get(handler);
    if (counts === undefined) {
      const targets = [handler, context.getClass()];
      const flagged = (key: string) => this.reflector.getAllAndOverride<unknown>(key, targets) !== undefined;
      counts = !flagged(RATE_LIMIT_METADATA.AUTH_LIMITED) && !flagged(RATE_LIMIT_METADATA.EXEMPT);
      this.counted.set(handler, counts);
    }
    return counts;
  }

  /** The storage key of a caller's global count, which spans every route. */
  private keyOf(tracker: string): string {
    let key = this.keys.get(tracker);
    if (key === undefined) {
      if (this.keys.size >= MAX_MEMOIZED_KEYS) this.keys.clear();
      key = hashedKey(GLOBAL_LIMIT, '', tracker);
      this.keys.set(tracker, key);
    }
    return key;
  }
}

/** The 429 of a request over a limit, with `Retry-After` set to the whole seconds left (at least 1). */
export function rateLimited(context: ExecutionContext, msLeft: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msLeft / 1000));
  void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(retryAfterSeconds));
  return new AppError('RATE_LIMITED', `Too many requests; retry after ${retryAfterSeconds} seconds.`);
}

/** The name the global count is kept under in the throttler's storage (hashed into its key, too). */
const GLOBAL_LIMIT = 'global';

/**
 * A count's key: its limit's name, the scope it is counted in and what it counts (address, email).
 * Hashed, so no address is kept in clear in Redis.
 */
export function hashedKey(name: string, scope: string, tracker: string): string {
  return `rate-limit:${createHash('sha256').update(`${name}|${scope}|${tracker}`).digest('hex')}`;
}

/** Fastify's request.ip honours TRUST_PROXY; an IPv6 address counts for its /64, which one client usually holds whole. */
export function clientAddress(request: FastifyRequest): string {
  return normalizeIp(request.ip);
}

function principalKey(request: LimitedRequest): string {
  const principal = request.user;
  switch (principal?.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'api_key':
      return `api_key:${principal.apiKeyId}`;
    case 'app_user':
      return `app_user:${principal.appUserId}`;
    // A flow never makes a request; it is named for completeness.
    case 'flow':
      return `flow:${principal.flowId}`;
    case undefined:
      return `address:${clientAddress(request)}`;
  }
}
