import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { isRecord } from '../../engine/query/filter.parser';
import { AfterCommit, BeforeWrite, ItemHooks } from '../data/write/item-hooks';
import { HandlerCatalog } from './handler.catalog';
import { HandlerRunner } from './handler.runner';

/**
 * Plugs the workspaces' before and after handlers into the write path's hook points. A before handler
 * runs once per item written (once per delete, with no payload), in the order the handlers were made;
 * it may answer a new payload (validated again by the items service) or throw to refuse the write. After
 * handlers run once the change is committed, without the client waiting for them: their failures are
 * only in their run log.
 */
@Injectable()
export class HandlerHooks implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(HandlerHooks.name);
  private removers: Array<() => void> = [];

  constructor(
    private readonly hooks: ItemHooks,
    private readonly catalog: HandlerCatalog,
    private readonly runner: HandlerRunner,
  ) {}

  onModuleInit(): void {
    this.removers = [this.hooks.onBeforeWrite((event) => this.before(event)), this.hooks.onAfterCommit((event) => this.after(event))];
  }

  /** Only once the sandbox pool has closed: the writes of runs finishing at shutdown still fire their hooks. */
  onApplicationShutdown(): void {
    for (const remove of this.removers) remove();
  }

  private async before(event: BeforeWrite): Promise<boolean> {
    const handlers = await this.catalog.hooks(event.workspaceId, 'before', event.collection, event.action);
    if (handlers.length === 0) return false;
    const payloads = event.payloads.length > 0 ? event.payloads : [null];
    for (const payload of payloads) {
      for (const handler of handlers) {
        const answer = await this.runner.run(handler, event.access, { event: { action: event.action, collection: event.collection, keys: event.keys, payload } });
        if (answer === null || answer === undefined || payload === null) continue;
        if (!isRecord(answer)) throw new AppError('HANDLER_FAILED', `The before handler "${handler.name}" must answer the payload as an object, or nothing to keep it.`, { handler: handler.name });
        // In place: the items service writes the objects it handed over.
        for (const name of Object.keys(payload)) delete payload[name];
        Object.assign(payload, answer);
      }
    }
    return true;
  }

  private async after(event: AfterCommit): Promise<void> {
    const handlers = await this.catalog.hooks(event.workspaceId, 'after', event.collection, event.action);
    for (const handler of handlers) {
      // Not awaited: the change stands whatever its after handlers do, and the client need not wait.
      this.runner.run(handler, event.access, { event: { action: event.action, collection: event.collection, keys: event.keys, payload: null } }).catch((error: unknown) => {
        if (!(error instanceof AppError)) this.logger.error(`The after handler "${handler.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }
}
