import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import type { RedisConfig } from '../../config/app-config';
import { AttemptCounts, WindowCount, WindowCountStorage } from './window-count.storage';

const COMMAND_TIMEOUT_MS = 2_000;

/** Adds one to a count, opening its window (an expiry) when none is open; answers the count and the window's time left. */
const ADD_ATTEMPT = `
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { hits, left }`;

/** A count and its window's time left, or nothing when no window is open. */
const PEEK_ATTEMPTS = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
local left = redis.call('PTTL', KEYS[1])
if left < 0 then return { 0, 0 } end
return { hits, left }`;

/**
 * Counters in Redis, shared by every instance on it, under the deployment's key prefix. While Redis
 * cannot be reached the counting falls back to this process rather than failing every request:
 * the limits then hold per instance until Redis answers again.
 */
export class RedisRateLimitStorage implements ThrottlerStorage, AttemptCounts, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisRateLimitStorage.name);
  private readonly redis: Redis;
  private readonly shared: ThrottlerStorageRedisService;
  private readonly fallback = new WindowCountStorage();

  constructor(config: RedisConfig) {
    this.redis = new Redis(config.url, {
      keyPrefix: config.prefix,
      maxRetriesPerRequest: 2,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Fail at once while disconnected rather than hold every request until Redis is back; hence the
      // connection is opened at start, before the first request.
      enableOfflineQueue: false,
      lazyConnect: true,
      connectionName: 'cairn-rate-limit',
    });
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.shared = new ThrottlerStorageRedisService(this.redis);
  }

  async onModuleInit(): Promise<void> {
    // Redis down at start does not stop Cairn: ioredis keeps reconnecting, and counts stay local until then.
    await this.redis.connect().catch((error: Error) => this.logger.warn(`Redis unreachable at start: ${error.message}`));
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): ReturnType<ThrottlerStorage['increment']> {
    try {
      return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.warn(`Rate limit counted in this process only; Redis failed: ${error instanceof Error ? error.message : String(error)}`);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  peek(key: string): Promise<WindowCount> {
    return this.attempts(PEEK_ATTEMPTS, key, 0, () => this.fallback.peek(key));
  }

  add(key: string, windowMs: number): Promise<WindowCount> {
    return this.attempts(ADD_ATTEMPT, key, windowMs, () => this.fallback.add(key, windowMs));
  }

  private async attempts(script: string, key: string, windowMs: number, locally: () => Promise<WindowCount>): Promise<WindowCount> {
    try {
      const [hits, msLeft] = (await this.redis.eval(script, 1, `attempts:${key}`, windowMs)) as [number, number];
      return { hits, msLeft };
    } catch (error) {
      this.logger.warn(`Rate limit counted in this process only; Redis failed: ${error instanceof Error ? error.message : String(error)}`);
      return locally();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }
}
