import { Injectable } from '@nestjs/common';
import type { ReadFrom } from '../../common/database/database.service';
import type { ReadResult } from '../../engine/read/query-runner';
import type { RequestOrigin } from '../audit/activity.recorder';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import type { CreateCommand, DeleteCommand, ItemRequest, QueryParams, ReadRequest, UpdateCommand } from './items.commands';
import { ItemsReader } from './read/items.reader';
import { ReadYourWrites } from './read/read-your-writes';
import type { ImportResult, ImportRow, ItemsExport } from './transfer/transfer.types';
import { ItemsWriter } from './write/items.writer';
import { NestedWrites } from './write/nested-writes';


type Row = Record<string, unknown>;

/**
 * The items door: every way to a workspace's items (REST, GraphQL, realtime, handlers, flows, views,
 * revisions) comes through here with a typed request. Reads go down the reader's line, writes down
 * the writer's; both check the caller's right to the action first (see ItemTargets). With read replicas,
 * reads may go to one, except a caller's own for a moment after it wrote (see ReadYourWrites); what a
 * write answers, and what subscribers are sent (a subscription's first rows, a change), is read from the primary.
 */
@Injectable()
export class ItemsService {
  constructor(
    private readonly reader: ItemsReader,
    private readonly writer: ItemsWriter,
    private readonly nested: NestedWrites,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** `from: 'primary'` for a read that must see every committed write (see ReadFrom); by default the caller's reads may go to a replica. */
  async list(access: ItemsAccess, request: ReadRequest, from?: ReadFrom): Promise<ReadResult> {
    return this.reader.list(access, request, from ?? (await this.readYourWrites.readFrom(access)));
  }

  /** One item; 404 when it does not exist or the caller may not see it. */
  async get(access: ItemsAccess, request: ItemRequest): Promise<Row> {
    return this.reader.get(access, request, await this.readYourWrites.readFrom(access));
  }

  /** What a subscriber is sent of a change (see ItemsReader.readChanged). */
  readChanged(subscriber: ItemsAccess, collection: string, keys: unknown[], params: QueryParams, stored: Row[] | null = null): Promise<Row[]> {
    return this.reader.readChanged(subscriber, collection, keys, params, stored);
  }

  async exportItems(access: ItemsAccess, request: { collection: string; params: QueryParams }): Promise<ItemsExport> {
    return this.reader.exportItems(access, request, await this.readYourWrites.readFrom(access));
  }

  /**
   * Creates the items; answers them as the caller may read them, in their order (maybe none). Items
   * given with related items (a nested write) are written with them, all in one transaction.
   */
  create(access: ItemsAccess, command: CreateCommand): Promise<Row[]> {
    return this.writing(access, async () => {
      if (await this.nested.involves(access, command.collection, command.items)) return this.nested.create(access, command);
      return this.writer.create(access, command);
    });
  }

  /** Updates the items (with their related items, when given: see create); answers those updated as the caller may read them. */
  update(access: ItemsAccess, command: UpdateCommand): Promise<Row[]> {
    return this.writing(access, async () => {
      if (await this.nested.involves(access, command.collection, 'each' in command ? command.each : [command.values])) return this.nested.update(access, command);
      return this.writer.update(access, command);
    });
  }

  delete(access: ItemsAccess, command: DeleteCommand): Promise<void> {
    return this.writing(access, () => this.writer.delete(access, command));
  }

  importItems(access: ItemsAccess, collection: string, rows: AsyncIterable<ImportRow>, options: { dryRun: boolean; origin: RequestOrigin }): Promise<ImportResult> {
    return this.writing(access, () => this.writer.importItems(access, collection, rows, options));
  }

  /**
   * A write, noted for read-your-writes once it is over (even failed: part of it may have been made),
   * before its answer leaves: the caller's next read, on any instance, finds it noted.
   */
  private async writing<T>(access: ItemsAccess, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      await this.readYourWrites.wrote(access);
    }
  }
}
