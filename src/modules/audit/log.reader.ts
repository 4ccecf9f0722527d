import { Injectable } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import type { QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { allOf, type FilterNode } from '../../engine/query/query.ast';
import { parseItemsQuery } from '../../engine/query/query.parser';
import { ReadResult, runRead } from '../../engine/read/query-runner';
import { dialectFor } from '../../engine/sql/dialect';
import { personId } from '../../common/principal/principal';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { ACTIVITY_COLLECTION, activitySchema } from './activity.collection';

type Params = Record<string, unknown>;

/**
 * Reads the system logs shared by all workspaces (activity, revisions), each described as a collection
 * of a schema of its own, with the query language and the items' query runner. The workspace's filter
 * is forced: only its own rows are ever visible.
 */
@Injectable()
export class LogReader {
  constructor(
    private readonly db: Database,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {}

  /** The workspace's activity log. */
  activity(access: WorkspaceAccess, params: Params): Promise<ReadResult> {
    return this.read(access, activitySchema(access.workspace.id), ACTIVITY_COLLECTION.name, params);
  }

  /** A log read with the caller's parameters; `only` narrows it further (one row by id, say). */
  read(access: WorkspaceAccess, schema: WorkspaceSchema, collection: string, params: Params, only: FilterNode | null = null): Promise<ReadResult> {
    const query = parseItemsQuery(collection, params, schema, this.config);
    const own: FilterNode = { type: 'compare', field: 'workspace_id', operator: '_eq', value: access.workspace.id };
    const ctx = { now: new Date(), userId: personId(access.principal), role: access.role };
    // `own` is also the scope of `total_count`, which would otherwise count every workspace's rows.
    return runRead({ ...query, filter: allOf(own, only, query.filter) }, own, { schema, dialect: dialectFor(this.db.kind), ctx, run: (sql, sqlParams) => this.db.read(sql, sqlParams) });
  }
}
