import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppError, conflict, forbidden, notFound } from '../../common/errors/app-error';
import type { QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { ItemsService } from '../data/items.service';
import { ParsedQueryCache } from '../../engine/query/parsed-query.cache';
import { parseItemsQuery } from '../../engine/query/query.parser';
import type { ComputedColumn, ItemsQuery } from '../../engine/query/query.ast';
import type { ReadResult } from '../../engine/read/query-runner';
import { FollowedSource, VirtualCollection, VirtualCollectionInfo, VirtualCollections, VirtualCollectionSource } from '../data/virtual-collections';
import { appCaller, PoliciesService } from '../policies/policies.service';
import { findField } from '../schema/schema.lookup';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { isAppRoleAccess, ItemsAccess, WorkspaceAccess } from '../workspaces/workspaces.service';
import { expressionFields } from './computed.parser';
import { checkView, definitionParams, isAggregateView, ViewDefinition } from './view-definition';
import { planViewRead } from './view-query';
import { viewRowSchema } from './view-schema';
import { ViewsService } from './views.service';

type Params = Record<string, unknown>;
type Row = Record<string, unknown>;

/**
 * Reads views. A view answers under `/items/{view}` (it registers with the items door as a virtual
 * collection) by merging the caller's parameters onto its definition and reading its source through
 * the items door with the caller's own access, so the caller's policies on the source and on every
 * collection it joins apply as they would to the same items query.
 */
@Injectable()
export class ViewReader implements OnModuleInit, VirtualCollectionSource {
  /** The source's queries a view's reads come to, parsed once per shape as the items door parses its own. */
  private readonly queries: ParsedQueryCache;

  constructor(
    private readonly views: ViewsService,
    private readonly items: ItemsService,
    private readonly virtual: VirtualCollections,
    private readonly registry: SchemaRegistry,
    private readonly policies: PoliciesService,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {
    this.queries = new ParsedQueryCache(config);
  }

  onModuleInit(): void {
    this.virtual.register(this);
  }

  async find(workspaceId: string, name: string): Promise<VirtualCollection | null> {
    const view = await this.views.find(workspaceId, name);
    if (!view) return null;
    return {
      list: (access, params) => this.read(access, view, params),
      get: (access, id, params) => this.readOne(access, view, id, params),
      follow: (params) => this.follow(view, params),
      readOnlyReason: `"${view.name}" is a view, and views are read-only.`,
    };
  }

  /**
   * The workspace's views for its OpenAPI document and GraphQL schemas; a view a schema change broke is
   * left out. With `visible` (an app role's schema), only the views that role may read, each shaped as
   * its reads answer it: the same all-or-nothing rule as a read.
   */
  async describe(schema: WorkspaceSchema, visible: WorkspaceSchema = schema): Promise<{ stamp: string; collections: VirtualCollectionInfo[] }> {
    const { byName, stamp } = await this.views.forWorkspace(schema.workspaceId);
    const collections: VirtualCollectionInfo[] = [];
    for (const view of byName.values()) {
      let defined: { query: ItemsQuery; computed: ComputedColumn[] };
      try {
        defined = checkView(view, schema, this.config);
      } catch {
        continue;
      }
      const query = visible === schema ? defined.query : this.readWithin(view, visible, defined.computed);
      if (!query) continue;
      collections.push({
        name: view.name,
        description: `A read-only view of "${view.source}".`,
        rowSchema: viewRowSchema(view, query, defined.computed, visible),
        shape: isAggregateView(view)
          ? { kind: 'groups', source: view.source, groupBy: query.groupBy, aggregate: query.aggregate }
          : { kind: 'items', source: view.source, selection: query.selection, computed: defined.computed.map(({ alias, type }) => ({ alias, type })) },
        publicPath: view.isPublic ? `/public/{ws}/views/${view.name}` : null,
      });
    }
    return { stamp, collections };
  }

  async stamp(workspaceId: string): Promise<string> {
    return (await this.views.forWorkspace(workspaceId)).stamp;
  }

  /**
   * A published view, read for anyone: as a viewer of the workspace (members read every row), bounded by
   * the view's own fields and filter. Publishing a view exposes exactly its output.
   */
  readPublished(workspace: WorkspaceEntity, view: ViewDefinition, params: Params): Promise<ReadResult> {
    const access: WorkspaceAccess = { workspace, role: 'viewer', principal: { kind: 'api_key', apiKeyId: `view:${view.id}`, workspaceId: workspace.id, role: 'viewer' } };
    return this.read(access, view, params);
  }

  async read(access: ItemsAccess, view: ViewDefinition, params: Params, only: Params | null = null): Promise<ReadResult> {
    const schema = await this.registry.forWorkspace(access.workspace);
    const { computed } = this.defined(view, schema);
    const visible = await this.readableBy(access, view, schema, computed);
    const defined = parseItemsQuery(view.source, definitionParams(view), visible, { ...this.config, maxLimit: null });
    const plan = planViewRead(view, defined, computed, visible, params, this.config);
    if (only) plan.params.filter = [...(plan.params.filter === undefined ? [] : Array.isArray(plan.params.filter) ? plan.params.filter : [plan.params.filter]), only];
    const query = this.queries.parse(view.source, plan.params, visible);
    const result = await this.items.list(access, { collection: view.source, query: plan.computed.length > 0 ? { ...query, computed: plan.computed } : query });
    if (plan.stripId) for (const row of result.data) delete row.id;
    if (plan.totalParams) {
      const total = await this.items.list(access, { collection: view.source, query: this.queries.parse(view.source, plan.totalParams, visible) });
      result.meta = { total_count: total.meta?.filter_count ?? 0, ...(result.meta ?? {}) };
    }
    return result;
  }

  /** One row of a view by its id: only for views that show `id` and are not aggregates. */
  private async readOne(access: ItemsAccess, view: ViewDefinition, id: string, params: Params): Promise<Row> {
    if (isAggregateView(view) || !view.fields.some((path) => path === 'id' || path === '*')) throw notFound('Item not found.');
    const schema = await this.registry.forWorkspace(access.workspace);
    const key = schema.collections.get(view.source)?.primaryKey === 'integer' ? (/^\d{1,15}$/.test(id) ? Number(id) : null) : /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : null;
    if (key === null) throw notFound('Item not found.');
    const { data } = await this.read(access, view, { ...params, limit: 1 }, { id: { _eq: key } });
    if (data.length === 0) throw notFound('Item not found.');
    return data[0];
  }

  /**
   * How a subscription to a view hears of its changes: those of its source, each changed item read
   * through the view (its definition as it is then, the subscription's parameters, the caller's
   * policies), so an item that leaves the view is not found and its subscribers are told it is gone.
   * An aggregate view's rows are groups, and a read of computed values alone has no key: neither is
   * followed.
   */
  private follow(view: ViewDefinition, params: Params): FollowedSource | null {
    if (isAggregateView(view) || asksComputedAlone(view, params.fields)) return null;
    const { limit: _limit, offset: _offset, page: _page, meta: _meta, ...unpaged } = params;
    return {
      source: view.source,
      read: async (access, keys) => {
        const current = await this.views.find(view.workspaceId, view.name);
        if (!current || current.source !== view.source || isAggregateView(current)) throw conflict(`View "${view.name}" no longer reads "${view.source}": subscribe again.`, { view: view.name });
        const rows: Row[] = [];
        const size = this.config.maxLimit ?? keys.length;
        for (let from = 0; from < keys.length; from += size) {
          const batch = keys.slice(from, from + size);
          rows.push(...(await this.read(access, current, { ...unpaged, limit: String(batch.length) }, { id: { _in: batch } })).data);
        }
        return rows;
      },
    };
  }

  /** The view checked against the current schema: a view that a schema change broke answers 409, naming the problem. */
  private defined(view: ViewDefinition, schema: WorkspaceSchema): { query: ItemsQuery; computed: ComputedColumn[] } {
    try {
      return checkView(view, schema, this.config);
    } catch (error) {
      if (error instanceof AppError && error.code === 'INVALID_PAYLOAD') {
        throw conflict(`View "${view.name}" no longer matches the schema: ${error.message.replace(/^Invalid payload: /, '')} Update or delete the view.`, { view: view.name });
      }
      throw error;
    }
  }

  /**
   * The schema as the caller reads it, when it may read everything the view reads: its source, the
   * fields and relations it shows, filters and sorts on, and computes from. An app role that may not
   * gets 403 (its row filters then narrow the rows, as on any read); members read everything.
   */
  private async readableBy(access: ItemsAccess, view: ViewDefinition, schema: WorkspaceSchema, computed: ComputedColumn[]): Promise<WorkspaceSchema> {
    if (!isAppRoleAccess(access)) return schema;
    const { visibleSchema } = await this.policies.readPermissions(access.workspace, schema, appCaller(access));
    if (!this.readWithin(view, visibleSchema, computed)) throw forbidden(`You may not read everything view "${view.name}" reads.`);
    return visibleSchema;
  }

  /** The view's query parsed on what a caller may read (`visible`), or null when it reads something outside it. */
  private readWithin(view: ViewDefinition, visible: WorkspaceSchema, computed: ComputedColumn[]): ItemsQuery | null {
    const source = visible.collections.get(view.source);
    if (!source) return null;
    let query: ItemsQuery;
    try {
      query = parseItemsQuery(view.source, definitionParams(view), visible, { ...this.config, maxLimit: null });
    } catch (error) {
      if (error instanceof AppError && (error.code === 'INVALID_QUERY' || error.code === 'NOT_FOUND')) return null;
      throw error;
    }
    if (computed.some((column) => expressionFields(column.expression).some((field) => !findField(source, field)))) return null;
    return query;
  }
}

/** Whether `fields` names only computed values of the view: its rows then carry no key. */
function asksComputedAlone(view: ViewDefinition, fields: unknown): boolean {
  if (fields === undefined || fields === null) return false;
  const asked = (Array.isArray(fields) ? fields : [fields]).flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter((item) => item !== '');
  return asked.length > 0 && asked.every((item) => Object.hasOwn(view.computed, item));
}
