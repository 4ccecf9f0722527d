import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Database } from '../../common/database/database.service';
import type { QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { FilterNode, ItemsQuery, keysQuery, QueryContext } from '../../engine/query/query.ast';
import { parseItemsQuery } from '../../engine/query/query.parser';
import { aggregateItems, countItems, readItems, RunSql } from '../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import { compileSelect } from '../../engine/sql/select.compiler';
import { toDatabase } from '../../engine/sql/value-codec';
import { deleteStatement, insertStatement, updateStatement } from '../../engine/write/write.sql';
import { scopeReadQuery } from '../policies/read-permissions';
import { findField } from '../schema/schema.lookup';
import type { FilesReadScope } from './files-access';
import { FILES_COLLECTION, FilesCollectionName, filesSchema, FOLDERS_COLLECTION } from './files.collection';

type Row = Record<string, unknown>;

export interface ReadResult {
  data: Row[];
  meta?: Record<string, number>;
}

/**
 * The rows of `cairn_files` and `cairn_folders`, read with the items' query language (parser, policy
 * scoping, compiler, read runner) with the workspace's filter forced, and written with the items'
 * statements and value codec, so that what is written compares and sorts as the compiler expects.
 */
@Injectable()
export class FilesStore {
  private readonly dialect: SqlDialect;

  constructor(
    private readonly db: Database,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {
    this.dialect = dialectFor(db.kind);
  }

  /** A read with the query language, as the caller may see it. */
  async list(scope: FilesReadScope, collection: FilesCollectionName, params: Row): Promise<ReadResult> {
    const parsed = parseItemsQuery(collection, params, scope.visible, this.config);
    const { query, scope: rows } = scope.permissions ? scopeReadQuery(parsed, scope.permissions) : { query: parsed, scope: null };
    const own = this.ownRows(scope.schema.workspaceId);
    const forced = { ...query, filter: both(own, query.filter) };
    const run = this.runner();
    if (query.aggregate.length > 0 || query.groupBy.length > 0) return { data: await aggregateItems(forced, scope.schema, this.dialect, scope.context, run) };
    const data = await readItems(forced, scope.schema, this.dialect, scope.context, run);
    if (query.meta.length === 0) return { data };
    const meta: Record<string, number> = {};
    for (const name of query.meta) {
      // total_count counts what the caller may see of the workspace's rows; filter_count what the request's filter keeps of them.
      const counted: ItemsQuery = name === 'filter_count' ? forced : { ...forced, filter: both(own, rows), search: null };
      meta[name] = await countItems(counted, scope.schema, this.dialect, scope.context, { applyFilter: true }, run);
    }
    return { data, meta };
  }

  /** The rows with these keys that the caller may see, with the request's `fields`. */
  async byKeys(scope: FilesReadScope, collection: FilesCollectionName, keys: string[], params: Row): Promise<Row[]> {
    if (keys.length === 0) return [];
    const { fields } = params;
    const parsed = parseItemsQuery(collection, fields === undefined ? {} : { fields }, scope.visible, this.config);
    const byKey: FilterNode = { type: 'compare', field: 'id', operator: '_in', value: keys };
    const read = { ...parsed, filter: byKey, limit: null, offset: 0, sort: [] };
    const { query } = scope.permissions ? scopeReadQuery(read, scope.permissions) : { query: read };
    return readItems({ ...query, filter: both(this.ownRows(scope.schema.workspaceId), query.filter) }, scope.schema, this.dialect, scope.context, this.runner());
  }

  /**
   * The keys among `keys` of the workspace's rows that match `filter` (a write grant's; null: any),
   * locked until the transaction ends where the database locks rows.
   */
  async lock(manager: EntityManager, workspaceId: string, collection: FilesCollectionName, keys: string[], filter: FilterNode | null, ctx: QueryContext): Promise<string[]> {
    if (keys.length === 0) return [];
    const byKey: FilterNode = { type: 'compare', field: 'id', operator: '_in', value: keys };
    const query = keysQuery(collection, { filter: both(both(this.ownRows(workspaceId), byKey), filter), sort: [{ path: ['id'], direction: 'asc' }] });
    const compiled = compileSelect(query, filesSchema(workspaceId), this.dialect, ctx);
    const rows = (await manager.query(`${compiled.sql}${this.db.kind === 'sqlite' ? '' : ' FOR UPDATE'}`, compiled.params)) as Row[];
    return rows.map((row) => String(row.id));
  }

  /** Whether the workspace's row with this key matches a filter (and exists). */
  async matches(manager: EntityManager, workspaceId: string, collection: FilesCollectionName, key: string, filter: FilterNode, ctx: QueryContext): Promise<boolean> {
    const byKey: FilterNode = { type: 'compare', field: 'id', operator: '_eq', value: key };
    const query = keysQuery(collection, { filter: both(both(this.ownRows(workspaceId), byKey), filter) });
    const compiled = compileSelect(query, filesSchema(workspaceId), this.dialect, ctx);
    return ((await manager.query(compiled.sql, compiled.params)) as Row[]).length > 0;
  }

  /** Raw rows by a plain condition on one column, for Cairn's own checks (not through policies). */
  async rowsWhere(manager: EntityManager | null, collection: FilesCollectionName, workspaceId: string, field: string, value: string | null): Promise<Row[]> {
    const filter: FilterNode = value === null ? { type: 'compare', field, operator: '_null', value: true } : { type: 'compare', field, operator: '_eq', value };
    const definition = definitionOf(collection);
    const query = { ...keysQuery(collection, { filter: both(this.ownRows(workspaceId), filter) }), selection: { fields: definition.fields.map((f) => f.field), relations: [] } };
    const compiled = compileSelect(query, filesSchema(workspaceId), this.dialect, { now: new Date(), userId: null, role: null });
    return (await (manager ? manager.query(compiled.sql, compiled.params) : this.db.read(compiled.sql, compiled.params))) as Row[];
  }

  async insert(manager: EntityManager, collection: FilesCollectionName, row: Row): Promise<void> {
    const statement = insertStatement(this.dialect, definitionOf(collection), this.encode(collection, row));
    await manager.query(statement.sql, statement.params);
  }

  async update(manager: EntityManager, collection: FilesCollectionName, key: string, values: Row): Promise<void> {
    if (Object.keys(values).length === 0) return;
    const statement = updateStatement(this.dialect, definitionOf(collection), this.encode(collection, values), [key]);
    await manager.query(statement.sql, statement.params);
  }

  async delete(manager: EntityManager, collection: FilesCollectionName, key: string): Promise<void> {
    const statement = deleteStatement(this.dialect, definitionOf(collection), [key]);
    await manager.query(statement.sql, statement.params);
  }

  private ownRows(workspaceId: string): FilterNode {
    return { type: 'compare', field: 'workspace_id', operator: '_eq', value: workspaceId };
  }

  private encode(collection: FilesCollectionName, row: Row): Row {
    const definition = definitionOf(collection);
    return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, toDatabase(findField(definition, name)!, value, this.db.kind)]));
  }

  private runner(): RunSql {
    return (sql, params) => this.db.read(sql, params);
  }
}

function definitionOf(collection: FilesCollectionName) {
  return collection === 'files' ? FILES_COLLECTION : FOLDERS_COLLECTION;
}

function both(left: FilterNode | null, right: FilterNode | null): FilterNode | null {
  if (left === null) return right;
  if (right === null) return left;
  return { type: 'and', children: [left, right] };
}
