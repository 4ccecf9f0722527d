import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { RateLimitConfig, RedisConfig } from '../../config/app-config';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisRateLimitStorage } from './rate-limit.storage';
import { WindowCountStorage } from './window-count.storage';

/**
 * The auth and global rate limits, counted in Redis when it is configured and in this process
 * otherwise, both in the throttler's storage. AppModule imports it after PrincipalGuardModule: global
 * guards run in the order they are registered, and the global limit needs the principal PrincipalGuard finds.
 */
@Module({})
export class RateLimitModule {
  static forRoot(limits: RateLimitConfig, redis: RedisConfig | null): DynamicModule {
    const { auth, global } = limits;
    if (!auth && !global) return { module: RateLimitModule };
    return {
      module: RateLimitModule,
      imports: [
        // Only for its storage: RateLimitGuard and AuthAttemptsInterceptor count there themselves.
        ThrottlerModule.forRootAsync({
          useFactory: (): ThrottlerModuleOptions => ({
            throttlers: [],
            storage: redis ? new RedisRateLimitStorage(redis) : new WindowCountStorage(),
          }),
        }),
      ],
      // The auth limits are counted by AuthAttemptsInterceptor, which @AuthRateLimit binds to its routes.
      providers: global ? [{ provide: APP_GUARD, useClass: RateLimitGuard }] : [],
    };
  }
}
