import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { isRecord } from '../../engine/query/filter.parser';
import type { CommittedChange, PendingWrite, WriteIntent, WriteParticipant, WritePlan } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';
import { HandlerCatalog, RunnableHandler } from './handler.catalog';
import { HandlerRunner } from './handler.runner';

/**
 * Joins the workspaces' before and after handlers to the writes of items. A before handler runs once
 * per item written (once per delete, with no payload), in the order the handlers were made; it may
 * answer a new payload (validated again by the items door) or throw to refuse the write. After handlers
 * run once the change is committed, without the client waiting for them: their failures are only in
 * their run log.
 */
@Injectable()
export class HandlerHooks implements WriteParticipant, OnModuleInit, OnApplicationShutdown {
  readonly order = 50;
  private readonly logger = new Logger(HandlerHooks.name);
  private remove: (() => void) | null = null;

  constructor(
    private readonly participants: WriteParticipants,
    private readonly catalog: HandlerCatalog,
    private readonly runner: HandlerRunner,
  ) {}

  onModuleInit(): void {
    this.remove = this.participants.register(this);
  }

  /** Only once the sandbox pool has closed: the writes of runs finishing at shutdown still fire their hooks. */
  onApplicationShutdown(): void {
    this.remove?.();
  }

  async prepare({ workspaceId, collection, action }: WriteIntent): Promise<WritePlan | null> {
    const [before, after] = await Promise.all([this.catalog.hooks(workspaceId, 'before', collection.name, action), this.catalog.hooks(workspaceId, 'after', collection.name, action)]);
    if (before.length === 0 && after.length === 0) return null;
    return {
      ...(before.length > 0 ? { before: (write: PendingWrite) => this.before(before, write) } : {}),
      ...(after.length > 0 ? { afterCommit: (change: CommittedChange) => this.after(after, change) } : {}),
    };
  }

  private async before(handlers: RunnableHandler[], event: PendingWrite): Promise<boolean> {
    const collection = event.collection.name;
    const payloads = event.payloads.length > 0 ? event.payloads : [null];
    for (const payload of payloads) {
      for (const handler of handlers) {
        const answer = await this.runner.run(handler, event.access, { event: { action: event.action, collection, keys: event.keys, payload } });
        if (answer === null || answer === undefined || payload === null) continue;
        if (!isRecord(answer)) throw new AppError('HANDLER_FAILED', `The before handler "${handler.name}" must answer the payload as an object, or nothing to keep it.`, { handler: handler.name });
        // In place: the items service writes the objects it handed over.
        for (const name of Object.keys(payload)) delete payload[name];
        Object.assign(payload, answer);
      }
    }
    return true;
  }

  private after(handlers: RunnableHandler[], event: CommittedChange): Promise<void> {
    for (const handler of handlers) {
      // Not awaited: the change stands whatever its after handlers do, and the client need not wait.
      this.runner.run(handler, event.access, { event: { action: event.action, collection: event.collection.name, keys: event.keys, payload: null } }).catch((error: unknown) => {
        if (!(error instanceof AppError)) this.logger.error(`The after handler "${handler.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    return Promise.resolve();
  }
}
