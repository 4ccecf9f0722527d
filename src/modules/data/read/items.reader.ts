import { Injectable } from '@nestjs/common';
import { Database, type ReadFrom } from '../../../common/database/database.service';
import { forbidden, notFound } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { ParsedQueryCache } from '../../../engine/query/parsed-query.cache';
import { allOf, type FilterNode, type ItemsQuery } from '../../../engine/query/query.ast';
import { readByKeys, ReadResult, runRead } from '../../../engine/read/query-runner';
import { countItems, pickColumns, readItems, RunSql } from '../../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../../engine/sql/dialect';
import { invalidQuery } from '../../../engine/sql/filter.compiler';
import { ExternalDatabases } from '../../connections/external-databases';
import { scopeReadQuery } from '../../policies/read-permissions';
import { primaryKeyField } from '../../schema/schema.lookup';
import type { CollectionDef, WorkspaceSchema } from '../../schema/schema.types';
import { ItemsAccess, WorkspaceAccess, WorkspacesService } from '../../workspaces/workspaces.service';
import { type ItemRequest, type QueryParams, type ReadRequest, SELECTING_PARAMETERS, type SelectingQuery, type WriteAnswer } from '../items.commands';
import { keyFromPath } from '../items.keys';
import { ItemTargets, queryContext, Target } from '../items.targets';
import type { ItemsExport } from '../transfer/transfer.types';
import { exportBatches, virtualExport } from './items.export';

type Row = Record<string, unknown>;


/**
 * The read line of the items door: parameters → query AST (parsed against what the caller may see) →
 * the caller's policy merged in → compiled SQL → run → shaped rows. Views hand it a query they parsed;
 * names that are no collection go to the virtual collections (views) instead.
 */
@Injectable()
export class ItemsReader {
  private readonly dialect: SqlDialect;
  private readonly queries: ParsedQueryCache;

  constructor(
    private readonly db: Database,
    private readonly targets: ItemTargets,
    private readonly workspaces: WorkspacesService,
    private readonly external: ExternalDatabases,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {
    this.dialect = dialectFor(db.kind);
    this.queries = new ParsedQueryCache(config);
  }

  /** `from`: where the statements may run (see ReadFrom); the items door decides it for the caller. */
  async list(access: ItemsAccess, request: ReadRequest, from: ReadFrom = 'primary'): Promise<ReadResult> {
    if ('params' in request) {
      const virtual = await this.targets.virtualCollection(access, request.collection);
      if (virtual) return virtual.list(access, request.params);
    }
    const target = await this.targets.read(access, request.collection);
    const { query, scope } = this.scoped(target, 'query' in request ? request.query : this.parse(target, request.params));
    return this.run(query, target.schema, access, scope, from);
  }

  async get(access: ItemsAccess, request: ItemRequest, from: ReadFrom = 'primary'): Promise<Row> {
    const virtual = await this.targets.virtualCollection(access, request.collection);
    if (virtual) return virtual.get(access, request.id, request.params);
    const target = await this.targets.read(access, request.collection);
    const key = keyFromPath(target.collection, request.id);
    const [item] = await this.readKeys(target, [key], request.params, from);
    if (!item) throw notFound('Item not found.');
    return item;
  }

  /**
   * The items with these keys that a read with `params` finds (its fields, filter, search and deep;
   * not its paging or sort), as the caller may see them: what a subscriber is sent of a change.
   * `stored` (a change's `rows`) answers a read that would only pick their columns (no filter of the
   * subscription or of the caller's policy, no search, no relation to expand) without a statement.
   */
  async readChanged(subscriber: ItemsAccess, collectionName: string, keys: unknown[], params: QueryParams, stored: Row[] | null = null): Promise<Row[]> {
    if (keys.length === 0) return [];
    // The workspace as it is now: a subscriber's copy, from when it subscribed, may predate a schema
    // change, and an outdated schema version would make every read load the schema again.
    const workspace = await this.workspaces.findByRef(subscriber.workspace.id);
    if (!workspace) return [];
    const access = { ...subscriber, workspace };
    const target = await this.targets.read(access, collectionName);
    const query = this.parse(target, params);
    const byKey: FilterNode = { type: 'compare', field: primaryKeyField(target.collection).field, operator: '_in', value: keys as Array<string | number> };
    const filter: FilterNode = query.filter ? { type: 'and', children: [byKey, query.filter] } : byKey;
    const { query: scoped, scope } = this.scoped(target, { ...query, filter, limit: null, offset: 0, sort: [] });
    const picked = stored && query.filter === null && scope === null ? pickColumns(stored, scoped) : null;
    if (picked) return picked;
    const { dialect, run } = this.source(target.collection);
    return readItems(scoped, target.schema, dialect, queryContext(access), run);
  }

  /** The whole result of a read for an export (see exportBatches): the same parameters, policies and statements as `list`, without its default page. */
  async exportItems(access: ItemsAccess, { collection, params }: { collection: string; params: QueryParams }, from: ReadFrom = 'primary'): Promise<ItemsExport> {
    const explicit = params.limit !== undefined || params.page !== undefined;
    const { export: _format, meta: _meta, ...readParams } = params;
    const virtual = await this.targets.virtualCollection(access, collection);
    if (virtual) return virtualExport(access, virtual, readParams, explicit);
    const target = await this.targets.read(access, collection);
    const parsed = this.parse(target, readParams);
    if (parsed.aggregate.length > 0 || parsed.groupBy.length > 0) throw invalidQuery('An export reads items: aggregate and groupBy can not be exported.', { parameter: 'export' });
    const { query } = this.scoped(target, parsed);
    const { dialect, run } = this.source(target.collection, from);
    const context = queryContext(access);
    return exportBatches(query, target.collection, params.fields, explicit, (page) => readItems(page, target.schema, dialect, context, run));
  }

  /**
   * Reads items by key with the request's `fields` (and `deep`, for a read of one item: its related
   * lists' filters, sorts and limits), in the order of the keys: what a write or a read by id answers.
   */
  async readKeys(target: Target, keys: unknown[], request: WriteAnswer | QueryParams, from: ReadFrom = 'primary'): Promise<Row[]> {
    if (keys.length === 0) return [];
    // A role that wrote without a read policy reads nothing back.
    if (target.permissions && !target.permissions.grants.has(target.collection.name)) return [];
    // `fields` and `deep` as they came: a value, or REST's bracket keys (`deep[comments][_limit]`).
    const params = Object.fromEntries(Object.entries(request).filter(([name, value]) => value !== undefined && /^(fields|deep)($|\[)/.test(name)));
    const { query } = this.scoped(target, this.parse(target, params));
    return readByKeys(query, keys, { schema: target.schema, ctx: queryContext(target.access), ...this.source(target.collection, from) });
  }

  /**
   * The keys of the items a write by query names (see SelectingQuery): those its filter and search find
   * among what the caller may read, and that `within` (the write's grant) keeps, in its sort, at most its
   * limit and at most `cap` of them. `filter` is what they were found by (the query's filter with the
   * read policy's), for the write to test again on the rows it locks; `count` counts every item named.
   */
  async keysNamed(target: Target, params: SelectingQuery, within: FilterNode | null, cap: number): Promise<{ keys: unknown[]; filter: FilterNode | null; count: () => Promise<number> }> {
    const other = Object.keys(params).find((name) => !(SELECTING_PARAMETERS as readonly string[]).includes(name));
    if (other !== undefined) throw invalidQuery(`A write by query takes ${SELECTING_PARAMETERS.join(', ')}; "${other}" does not say which items.`, { parameter: other });
    // A caller changes by query only items it may see: without a read policy, nothing to name them by.
    if (target.permissions && !target.permissions.grants.has(target.collection.name)) throw forbidden(`You may not read "${target.collection.name}", so you can not name its items by a query.`);
    const parsed = this.parse(target, params);
    // Without a limit a query names every item it finds, not a first page.
    const { query } = this.scoped(target, { ...parsed, limit: params.limit === undefined ? null : parsed.limit });
    const key = primaryKeyField(target.collection).field;
    const found: ItemsQuery = { ...query, selection: { fields: [key], relations: [] }, filter: allOf(query.filter, within), offset: 0, meta: [] };
    const { dialect, run } = this.source(target.collection);
    const context = queryContext(target.access);
    const rows = await readItems({ ...found, limit: Math.min(found.limit ?? cap, cap) }, target.schema, dialect, context, run);
    const count = async () => Math.min(await countItems(found, target.schema, dialect, context, { applyFilter: true }, run), found.limit ?? Infinity);
    return { keys: rows.map((row) => row[key]), filter: query.filter, count };
  }

  /**
   * What a create answers from the rows RETURNING gave back (`stored`, decoded), when the caller reads
   * everything and the requested fields are plain columns (no relation to expand); otherwise null, and
   * the items are read back.
   */
  pickWritten(target: Target, stored: Row[], { fields }: WriteAnswer): Row[] | null {
    if (target.permissions) return null;
    return pickColumns(stored, this.parse(target, fields === undefined ? {} : { fields }));
  }

  /**
   * Where a collection's statements run: Cairn's database, or the external database a connection
   * serves it from (relations never cross databases, so a read's every level runs there too).
   * `from` says whether Cairn's own read replicas may answer.
   */
  source(collection: CollectionDef | undefined, from: ReadFrom = 'primary'): { dialect: SqlDialect; run: RunSql } {
    return collection?.external ? this.external.reader(collection.external) : { dialect: this.dialect, run: (sql, params) => this.db.read(sql, params, from) };
  }

  /**
   * Runs a parsed read: rows or aggregates, with the meta counts asked for. `scope` is the row filter
   * of the caller's policy: `total_count` counts the rows it keeps, not the table's.
   */
  private run(query: ItemsQuery, schema: WorkspaceSchema, access: WorkspaceAccess | ItemsAccess, scope: FilterNode | null, from: ReadFrom): Promise<ReadResult> {
    return runRead(query, scope, { schema, ctx: queryContext(access), ...this.source(schema.collections.get(query.collection), from) });
  }

  /** A parsed read with the caller's row filters merged in; `scope` is the root's (null: every row). */
  private scoped(target: Target, query: ItemsQuery): { query: ItemsQuery; scope: FilterNode | null } {
    if (!target.permissions) return { query, scope: null };
    return scopeReadQuery(query, target.permissions);
  }

  private parse(target: Target, params: QueryParams): ItemsQuery {
    return this.queries.parse(target.collection.name, params, target.visible);
  }
}
