import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimit } from '../../config/app-config';
import type { RequestWithPrincipal } from '../../modules/auth/principal';
import { AppError } from '../errors/app-error';
import { RATE_LIMIT_METADATA } from './rate-limit.decorators';

type LimitedRequest = FastifyRequest & RequestWithPrincipal;

/**
 * The global rate-limit guard, registered after PrincipalGuard so request.user is known: every route
 * but the auth routes (counted by AuthAttemptsInterceptor) and the exempt ones counts against its caller.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw rateLimited(context, detail.timeToBlockExpire * 1000);
  }
}

/** The 429 of a request over a limit, with `Retry-After` set to the whole seconds left (at least 1). */
export function rateLimited(context: ExecutionContext, msLeft: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msLeft / 1000));
  void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(retryAfterSeconds));
  return new AppError('RATE_LIMITED', `Too many requests; retry after ${retryAfterSeconds} seconds.`);
}

/** The throttler of the global limit, when it is on. */
export function rateLimitThrottlers(global: RateLimit | null, isAuthLimited: RouteFlag, isExempt: RouteFlag): ThrottlerOptions[] {
  if (!global) return [];
  return [
    {
      name: 'global',
      limit: global.limit,
      ttl: global.windowMs,
      skipIf: (context) => isAuthLimited(context) || isExempt(context),
      getTracker: (request) => principalKey(request as LimitedRequest),
    },
  ];
}

export type RouteFlag = (context: ExecutionContext) => boolean;

/** Reads one of the rate-limit decorators of the route. */
export function routeFlag(reflector: Reflector, key: keyof typeof RATE_LIMIT_METADATA): RouteFlag {
  return (context) => reflector.getAllAndOverride<unknown>(RATE_LIMIT_METADATA[key], [context.getHandler(), context.getClass()]) !== undefined;
}

/** The storage key of the global count, which spans every route. Hashed, so no address is kept in clear in Redis. */
export function rateLimitKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
  return hashedKey(throttlerName, '', tracker);
}

/** A count's key: its limit's name, the scope it is counted in and what it counts (address, email). */
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
