import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import type { RedisConfig } from '../../config/app-config';
import { BUS_RECONNECTED, BusHealth, BusHealthProbe, KeyValueCache, MessageBus, MessageHandler } from './bus';

const COMMAND_TIMEOUT_MS = 2_000;

/**
 * The bus and cache over Redis. Two connections: one for commands and publishing, one held in
 * subscriber mode. ioredis reconnects by itself and resubscribes every channel when it does; then
 * BUS_RECONNECTED tells this instance's subscribers that they may have missed messages.
 */
export class RedisBus implements MessageBus, KeyValueCache, BusHealthProbe {
  private readonly logger = new Logger(RedisBus.name);
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  /** Whether the subscriber connection was lost since it last was ready. */
  private lost = false;
  /** Whether the command connection was lost since it last was ready (not before its first start). */
  private commandsLost = false;

  constructor(private readonly config: RedisConfig) {
    const options = { maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS, lazyConnect: false, connectionName: 'cairn' };
    this.commands = new Redis(config.url, options);
    // No ready check on the subscriber: SUBSCRIBE may go out during the handshake, and once the
    // connection is in subscriber mode Redis refuses the INFO that the ready check sends.
    this.subscriber = new Redis(config.url, { ...options, commandTimeout: undefined, enableReadyCheck: false });
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.commands.on('close', () => (this.commandsLost = true));
    this.commands.on('ready', () => (this.commandsLost = false));
    this.subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    this.subscriber.on('close', () => (this.lost = true));
    this.subscriber.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      this.logger.log('Redis is back: dropping what was cached meanwhile.');
      this.dispatch(this.key(BUS_RECONNECTED), 'null');
    });
  }

  /**
   * Publishes to every instance. While Redis is lost, the message reaches this instance's own
   * subscribers alone (its realtime clients still hear its own writes, its outbox wakes at once) and
   * the publish fails at once: queued for a Redis that is not there, it would hold the caller until the
   * command timeout and then maybe arrive long after, when Redis is back.
   */
  async publish(channel: string, payload: unknown): Promise<void> {
    const message = JSON.stringify(payload ?? null);
    if (this.commandsLost) {
      this.dispatch(this.key(channel), message);
      throw new Error('Redis is unreachable: the message reached this instance only.');
    }
    await this.commands.publish(this.key(channel), message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const key = this.key(channel);
    let handlers = this.handlers.get(key);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(key, handlers);
      await this.subscriber.subscribe(key);
    }
    handlers.add(handler);
    return async () => {
      const current = this.handlers.get(key);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(key);
      await this.subscriber.unsubscribe(key);
    };
  }

  async get<T>(key: string): Promise<T | undefined> {
    const value = await this.commands.get(this.key(key));
    return value === null ? undefined : (JSON.parse(value) as T);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.commands.set(this.key(key), JSON.stringify(value ?? null), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.commands.del(this.key(key));
  }

  async check(): Promise<BusHealth> {
    const started = performance.now();
    try {
      await this.commands.ping();
      return { status: 'up', responseTime: Math.round(performance.now() - started) };
    } catch (error) {
      this.logger.warn(`Redis health check failed: ${error instanceof Error ? error.message : String(error)}`);
      return { status: 'down', message: 'Redis is unreachable.' };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  private key(name: string): string {
    return `${this.config.prefix}${name}`;
  }

  private dispatch(channel: string, message: string): void {
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      this.logger.warn(`Ignored a message that is not JSON on ${channel}`);
      return;
    }
    for (const handler of handlers) {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error(`A subscriber of ${channel} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
