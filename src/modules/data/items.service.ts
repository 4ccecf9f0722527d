import { Injectable } from '@nestjs/common';
import type { ReadResult } from '../../engine/read/query-runner';
import type { RequestOrigin } from '../audit/activity.recorder';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import type { CreateCommand, DeleteCommand, ItemRequest, QueryParams, ReadRequest, UpdateCommand } from './items.commands';
import { ItemsReader } from './read/items.reader';
import type { ImportResult, ImportRow, ItemsExport } from './transfer/transfer.types';
import { ItemsWriter } from './write/items.writer';
import { NestedWrites } from './write/nested-writes';


type Row = Record<string, unknown>;

/**
 * The items door: every way to a workspace's items (REST, GraphQL, realtime, handlers, flows, views,
 * revisions) comes through here with a typed request. Reads go down the reader's line, writes down
 * the writer's; both check the caller's right to the action first (see ItemTargets).
 */
@Injectable()
export class ItemsService {
  constructor(
    private readonly reader: ItemsReader,
    private readonly writer: ItemsWriter,
    private readonly nested: NestedWrites,
  ) {}

  list(access: ItemsAccess, request: ReadRequest): Promise<ReadResult> {
    return this.reader.list(access, request);
  }

  /** One item; 404 when it does not exist or the caller may not see it. */
  get(access: ItemsAccess, request: ItemRequest): Promise<Row> {
    return this.reader.get(access, request);
  }

  /** What a subscriber is sent of a change (see ItemsReader.readChanged). */
  readChanged(subscriber: ItemsAccess, collection: string, keys: unknown[], params: QueryParams, stored: Row[] | null = null): Promise<Row[]> {
    return this.reader.readChanged(subscriber, collection, keys, params, stored);
  }

  exportItems(access: ItemsAccess, request: { collection: string; params: QueryParams }): Promise<ItemsExport> {
    return this.reader.exportItems(access, request);
  }

  /**
   * Creates the items; answers them as the caller may read them, in their order (maybe none). Items
   * given with related items (a nested write) are written with them, all in one transaction.
   */
  async create(access: ItemsAccess, command: CreateCommand): Promise<Row[]> {
    if (await this.nested.involves(access, command.collection, command.items)) return this.nested.create(access, command);
    return this.writer.create(access, command);
  }

  /** Updates the items (with their related items, when given: see create); answers those updated as the caller may read them. */
  async update(access: ItemsAccess, command: UpdateCommand): Promise<Row[]> {
    if (await this.nested.involves(access, command.collection, 'each' in command ? command.each : [command.values])) return this.nested.update(access, command);
    return this.writer.update(access, command);
  }

  delete(access: ItemsAccess, command: DeleteCommand): Promise<void> {
    return this.writer.delete(access, command);
  }

  importItems(access: ItemsAccess, collection: string, rows: AsyncIterable<ImportRow>, options: { dryRun: boolean; origin: RequestOrigin }): Promise<ImportResult> {
    return this.writer.importItems(access, collection, rows, options);
  }
}
