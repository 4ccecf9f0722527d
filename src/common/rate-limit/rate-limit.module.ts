import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AppConfig } from '../../config/app-config';
import { AuthAttemptsInterceptor } from './auth-attempts.interceptor';
import { rateLimitKey, RateLimitGuard, rateLimitThrottlers, routeFlag } from './rate-limit.guard';
import { RedisRateLimitStorage } from './rate-limit.storage';
import { WindowCountStorage } from './window-count.storage';

/**
 * The auth and global rate limits, counted in Redis when it is configured and in this process
 * otherwise, both in the throttler's storage. AppModule imports it after PrincipalGuardModule: global
 * guards run in the order they are registered, and the global limit needs the principal PrincipalGuard finds.
 */
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { auth, global } = config.rateLimits;
    if (!auth && !global) return { module: RateLimitModule };
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [Reflector],
          useFactory: (reflector: Reflector): ThrottlerModuleOptions => ({
            throttlers: rateLimitThrottlers(global, routeFlag(reflector, 'AUTH_LIMITED'), routeFlag(reflector, 'EXEMPT')),
            generateKey: rateLimitKey,
            setHeaders: false,
            storage: config.redis ? new RedisRateLimitStorage(config.redis) : new WindowCountStorage(),
          }),
        }),
      ],
      providers: [
        ...(global ? [{ provide: APP_GUARD, useClass: RateLimitGuard }] : []),
        ...(auth ? [{ provide: APP_INTERCEPTOR, useClass: AuthAttemptsInterceptor }] : []),
      ],
    };
  }
}
