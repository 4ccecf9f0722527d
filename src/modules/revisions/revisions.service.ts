import { Injectable } from '@nestjs/common';
import { conflict, notFound } from '../../common/errors/app-error';
import type { RequestOrigin } from '../audit/activity.recorder';
import { LogReader } from '../audit/log.reader';
import { ItemsService } from '../data/items.service';
import type { FilterNode } from '../../engine/query/query.ast';
import type { ReadResult } from '../../engine/read/query-runner';
import { SchemaRegistry } from '../schema/schema.registry';
import type { CollectionDef } from '../schema/schema.types';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { REVISIONS_COLLECTION, revisionsSchema } from './revisions.collection';

type Row = Record<string, unknown>;
type Params = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Item revisions: read with the query language like the activity log (the write path records them,
 * in the transaction of each change), and reverted through the items door, so a revert is an
 * ordinary write: validated, policed, logged, revised, announced.
 */
@Injectable()
export class RevisionsService {
  constructor(
    private readonly items: ItemsService,
    private readonly logs: LogReader,
    private readonly registry: SchemaRegistry,
  ) {}

  list(access: WorkspaceAccess, params: Params): Promise<ReadResult> {
    return this.logs.read(access, revisionsSchema(access.workspace.id), REVISIONS_COLLECTION.name, params);
  }

  async get(access: WorkspaceAccess, id: string, params: Params): Promise<Row> {
    if (!UUID.test(id)) throw notFound('Revision not found.');
    const byId: FilterNode = { type: 'compare', field: 'id', operator: '_eq', value: id.toLowerCase() };
    const { data } = await this.logs.read(access, revisionsSchema(access.workspace.id), REVISIONS_COLLECTION.name, { fields: params.fields }, byId);
    if (data.length === 0) throw notFound('Revision not found.');
    return data[0];
  }

  /**
   * Writes a revision's snapshot back: the item's fields as they were, except the key, the system
   * fields and autocodes (Cairn's to write), and fields that no longer exist. An item deleted since
   * is created again with its key. Answers the item as `params` asks.
   */
  async revert(access: WorkspaceAccess, id: string, params: Params, origin: RequestOrigin): Promise<Row | null> {
    const revision = await this.get(access, id, { fields: 'collection,item,data' });
    const collectionName = revision.collection as string;
    const schema = await this.registry.forWorkspace(access.workspace);
    const collection = schema.collections.get(collectionName);
    if (!collection) throw conflict(`The collection "${collectionName}" of this revision no longer exists.`);
    const data = revision.data as Row;
    const values = restorableValues(collection, data);
    const item = revision.item as string;
    const answer = { fields: params.fields, origin };
    const written = (await this.exists(access, collectionName, data.id ?? item))
      ? await this.items.update(access, { collection: collectionName, keys: { id: item }, values, ...answer })
      : await this.items.create(access, { collection: collectionName, items: [{ ...values, id: data.id }], batch: false, ...answer });
    return written[0] ?? null;
  }

  private async exists(access: WorkspaceAccess, collection: string, key: unknown): Promise<boolean> {
    const { data } = await this.items.list(access, { collection, params: { fields: 'id', filter: { id: { _eq: key } }, limit: 1 } });
    return data.length > 0;
  }
}

/** The values of a snapshot that a write may set again: current, writable fields only. */
function restorableValues(collection: CollectionDef, data: Row): Row {
  const values: Row = {};
  for (const field of collection.fields) {
    if (field.system || field.type === 'autocode' || !(field.field in data)) continue;
    values[field.field] = data[field.field];
  }
  return values;
}
