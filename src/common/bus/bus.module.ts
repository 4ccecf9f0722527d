import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { RedisConfig } from '../../config/app-config';
import { BUS_HEALTH, KEY_VALUE_CACHE, MESSAGE_BUS } from './bus';
import { LocalKeyValueCache, LocalMessageBus } from './local-bus';
import { RedisBus } from './redis-bus';

const BUS_IMPLEMENTATION = Symbol('BUS_IMPLEMENTATION');

/** Provides the message bus and cache: Redis when configured, in-process otherwise. */
@Global()
@Module({})
export class BusModule implements OnApplicationShutdown {
  constructor(@Inject(BUS_IMPLEMENTATION) private readonly implementation: { close?: () => Promise<void> }) {}

  static forRoot(redis: RedisConfig | null): DynamicModule {
    const providers = redis
      ? [
          { provide: BUS_IMPLEMENTATION, useFactory: () => new RedisBus(redis) },
          { provide: MESSAGE_BUS, useExisting: BUS_IMPLEMENTATION },
          { provide: KEY_VALUE_CACHE, useExisting: BUS_IMPLEMENTATION },
          { provide: BUS_HEALTH, useExisting: BUS_IMPLEMENTATION },
        ]
      : [
          { provide: BUS_IMPLEMENTATION, useFactory: () => new LocalMessageBus() },
          { provide: MESSAGE_BUS, useExisting: BUS_IMPLEMENTATION },
          { provide: KEY_VALUE_CACHE, useFactory: () => new LocalKeyValueCache() },
          { provide: BUS_HEALTH, useExisting: BUS_IMPLEMENTATION },
        ];
    return { module: BusModule, providers, exports: [MESSAGE_BUS, KEY_VALUE_CACHE, BUS_HEALTH] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.implementation.close?.();
  }
}
