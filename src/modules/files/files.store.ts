import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Database } from '../../common/database/database.service';
import type { QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { allOf, FilterNode, keysQuery, QueryContext } from '../../engine/query/query.ast';
import { parseItemsQuery } from '../../engine/query/query.parser';
import { keysMatching, readByKeys, ReadResult, runRead } from '../../engine/read/query-runner';
import type { ReadContext, RunSql } from '../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import { compileSelect } from '../../engine/sql/select.compiler';
import { encodeRow } from '../../engine/sql/value-codec';
import { deleteStatement, insertStatement, updateStatement } from '../../engine/write/write.sql';
import { scopeReadQuery } from '../policies/read-permissions';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { FilesReadScope } from './files-access';
import { FILES_COLLECTION, FilesCollectionName, filesSchema, FOLDERS_COLLECTION } from '../schema/files.collection';

type Row = Record<string, unknown>;

/**
 * The rows of `cairn_files` and `cairn_folders`, read with the items' query language (parser, policy
 * scoping, query runner) with the workspace's filter forced, and written with the items' statements
 * and value codec, so that what is written compares and sorts as the compiler expects.
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
  list(scope: FilesReadScope, collection: FilesCollectionName, params: Row): Promise<ReadResult> {
    const parsed = parseItemsQuery(collection, params, scope.visible, this.config);
    const { query, scope: rows } = scope.permissions ? scopeReadQuery(parsed, scope.permissions) : { query: parsed, scope: null };
    const own = ownRows(scope.schema.workspaceId);
    // total_count counts what the caller may see of the workspace's rows; filter_count what the request's filter keeps of them.
    return runRead({ ...query, filter: allOf(own, query.filter) }, allOf(own, rows), this.reading(scope.schema, scope.context, this.runner()));
  }

  /** The rows with these keys that the caller may see, with the request's `fields`. */
  byKeys(scope: FilesReadScope, collection: FilesCollectionName, keys: string[], params: Row): Promise<Row[]> {
    const { fields } = params;
    const parsed = parseItemsQuery(collection, fields === undefined ? {} : { fields }, scope.visible, this.config);
    const { query } = scope.permissions ? scopeReadQuery(parsed, scope.permissions) : { query: parsed };
    return readByKeys({ ...query, filter: allOf(ownRows(scope.schema.workspaceId), query.filter) }, keys, this.reading(scope.schema, scope.context, this.runner()));
  }

  /**
   * The keys among `keys` of the workspace's rows that match `filter` (a write grant's; null: any),
   * locked until the transaction ends where the database locks rows.
   */
  async lock(manager: EntityManager, workspaceId: string, collection: FilesCollectionName, keys: string[], filter: FilterNode | null, ctx: QueryContext): Promise<string[]> {
    const locked = await keysMatching(definitionOf(collection), keys, allOf(ownRows(workspaceId), filter), { lock: true }, this.reading(filesSchema(workspaceId), ctx, inTransaction(manager)));
    return locked.map(String);
  }

  /** Whether the workspace's row with this key matches a filter (and exists). */
  async matches(manager: EntityManager, workspaceId: string, collection: FilesCollectionName, key: string, filter: FilterNode, ctx: QueryContext): Promise<boolean> {
    const matching = await keysMatching(definitionOf(collection), [key], allOf(ownRows(workspaceId), filter), { lock: false }, this.reading(filesSchema(workspaceId), ctx, inTransaction(manager)));
    return matching.length > 0;
  }

  /** Raw rows by a plain condition on one column, for Cairn's own checks (not through policies). */
  async rowsWhere(manager: EntityManager | null, collection: FilesCollectionName, workspaceId: string, field: string, value: string | null): Promise<Row[]> {
    const filter: FilterNode = value === null ? { type: 'compare', field, operator: '_null', value: true } : { type: 'compare', field, operator: '_eq', value };
    const definition = definitionOf(collection);
    const query = { ...keysQuery(collection, { filter: allOf(ownRows(workspaceId), filter) }), selection: { fields: definition.fields.map((f) => f.field), relations: [] } };
    const compiled = compileSelect(query, filesSchema(workspaceId), this.dialect, { now: new Date(), userId: null, role: null });
    return (await (manager ? manager.query(compiled.sql, compiled.params) : this.db.read(compiled.sql, compiled.params))) as Row[];
  }

  async insert(manager: EntityManager, collection: FilesCollectionName, row: Row): Promise<void> {
    const statement = insertStatement(this.dialect, definitionOf(collection), encodeRow(definitionOf(collection), row, this.db.kind));
    await manager.query(statement.sql, statement.params);
  }

  async update(manager: EntityManager, collection: FilesCollectionName, key: string, values: Row): Promise<void> {
    if (Object.keys(values).length === 0) return;
    const statement = updateStatement(this.dialect, definitionOf(collection), encodeRow(definitionOf(collection), values, this.db.kind), [key]);
    await manager.query(statement.sql, statement.params);
  }

  async delete(manager: EntityManager, collection: FilesCollectionName, key: string): Promise<void> {
    const statement = deleteStatement(this.dialect, definitionOf(collection), [key]);
    await manager.query(statement.sql, statement.params);
  }

  /** How the store's reads run: compiled against the workspace's files and folders, on `run`. */
  private reading(schema: WorkspaceSchema, ctx: QueryContext, run: RunSql): ReadContext {
    return { schema, dialect: this.dialect, ctx, run };
  }

  /** Reads outside any transaction, on the database door's fast path. */
  private runner(): RunSql {
    return (sql, params) => this.db.read(sql, params);
  }
}

/** Statements inside a write's transaction. */
function inTransaction(manager: EntityManager): RunSql {
  return (sql, params) => manager.query(sql, params);
}

/** The files table is shared by all workspaces: every statement keeps to the caller's. */
function ownRows(workspaceId: string): FilterNode {
  return { type: 'compare', field: 'workspace_id', operator: '_eq', value: workspaceId };
}

function definitionOf(collection: FilesCollectionName) {
  return collection === 'files' ? FILES_COLLECTION : FOLDERS_COLLECTION;
}
