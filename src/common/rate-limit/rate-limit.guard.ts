import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../../config/app-config';
import type { RequestWithPrincipal } from '../../modules/auth/principal';
import { AppError } from '../errors/app-error';
import { RATE_LIMIT_METADATA } from './rate-limit.decorators';

type LimitedRequest = FastifyRequest & RequestWithPrincipal;

/**
 * The one global rate-limit guard, registered after PrincipalGuard so request.user is known. Routes
 * marked @AuthRateLimit count against their client address and their identifier; every other route
 * counts against its caller. Every attempt counts, successful or not.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(retryAfterSeconds));
    throw new AppError('RATE_LIMITED', `Too many requests; retry after ${retryAfterSeconds} seconds.`);
  }
}

/** The throttlers of a configuration: only the limits that are on. */
export function rateLimitThrottlers(config: RateLimitConfig, isAuthLimited: RouteFlag, isExempt: RouteFlag): ThrottlerOptions[] {
  const throttlers: ThrottlerOptions[] = [];
  if (config.auth) {
    const { limit, windowMs } = config.auth;
    throttlers.push(
      { name: 'auth-address', limit, ttl: windowMs, skipIf: (context) => !isAuthLimited(context), getTracker: (request) => clientAddress(request as LimitedRequest) },
      {
        name: 'auth-identifier',
        limit,
        ttl: windowMs,
        skipIf: (context) => !isAuthLimited(context) || identifierOf(requestOf(context)) === null,
        getTracker: (request) => identifierOf(request as LimitedRequest) ?? '',
      },
    );
  }
  if (config.global) {
    const { limit, windowMs } = config.global;
    throttlers.push({
      name: 'global',
      limit,
      ttl: windowMs,
      skipIf: (context) => isAuthLimited(context) || isExempt(context),
      getTracker: (request) => principalKey(request as LimitedRequest),
    });
  }
  return throttlers;
}

export type RouteFlag = (context: ExecutionContext) => boolean;

/** Reads one of the rate-limit decorators of the route. */
export function routeFlag(reflector: Reflector, key: keyof typeof RATE_LIMIT_METADATA): RouteFlag {
  return (context) => reflector.getAllAndOverride<boolean | undefined>(RATE_LIMIT_METADATA[key], [context.getHandler(), context.getClass()]) === true;
}

/**
 * The storage key of one count. The auth counts are per route and per workspace, the global one
 * spans every route. Hashed, so no address or email is kept in clear in Redis.
 */
export function rateLimitKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
  const scope = throttlerName === 'global' ? '' : `${context.getClass().name}.${context.getHandler().name}|${workspaceOf(requestOf(context))}`;
  return `rate-limit:${createHash('sha256').update(`${throttlerName}|${scope}|${tracker}`).digest('hex')}`;
}

function requestOf(context: ExecutionContext): LimitedRequest {
  return context.switchToHttp().getRequest<LimitedRequest>();
}

/** Fastify's request.ip honours TRUST_PROXY; an IPv6 address counts for its /64, which one client usually holds whole. */
function clientAddress(request: LimitedRequest): string {
  return normalizeIp(request.ip);
}

/** The identifier an auth request names: its email, lower-cased and trimmed, so spelling variants count as one. */
function identifierOf(request: LimitedRequest): string | null {
  const email = (request.body as Record<string, unknown> | undefined)?.email;
  if (typeof email !== 'string') return null;
  const normalized = email.trim().toLowerCase();
  return normalized === '' ? null : normalized;
}

function workspaceOf(request: LimitedRequest): string {
  const ws = (request.params as Record<string, unknown> | undefined)?.ws;
  return typeof ws === 'string' ? `w:${ws}` : 'platform';
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
