import { forbidden } from '../../common/errors/app-error';
import type { FilterNode, QueryContext } from '../../engine/query/query.ast';
import { keysQuery } from '../../engine/query/query.ast';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import { compileSelect } from '../../engine/sql/select.compiler';
import { toDatabase } from '../../engine/sql/value-codec';
import { deleteStatement, insertStatement, updateStatement } from '../../engine/write/write.sql';
import { findField, primaryKeyField } from '../schema/schema.lookup';
import type { CollectionDef, WorkspaceSchema } from '../schema/schema.types';
import type { ExternalDatabase, RunStatement } from './external-database';

type Row = Record<string, unknown>;

/**
 * Row writes on a table of an external database, each call one transaction there: INSERT, UPDATE and
 * DELETE by primary key, built by the write line's own statement builders with the external
 * database's dialect. Values arrive validated by the items door; an app role's write filter (`guard`)
 * limits the rows locked, and is checked again on the rows written before commit.
 */
export class ExternalWrites {
  private readonly dialect: SqlDialect;

  constructor(
    private readonly database: ExternalDatabase,
    private readonly schema: WorkspaceSchema,
    private readonly collection: CollectionDef,
    private readonly ctx: QueryContext,
    private readonly guard: FilterNode | null,
  ) {
    this.dialect = dialectFor(database.kind);
  }

  /** Inserts the rows; answers their keys, given or generated. */
  insert(rows: Row[]): Promise<unknown[]> {
    const key = primaryKeyField(this.collection).field;
    return this.database.transaction(async (run) => {
      const keys: unknown[] = [];
      for (const row of rows) {
        const statement = insertStatement(this.dialect, this.collection, this.encode(row));
        const result = await run(statement.sql, statement.params);
        keys.push(this.asKey(row[key] ?? result.rows[0]?.[key] ?? result.insertId));
      }
      await this.assertWithinGuard(run, keys, 'create');
      return keys;
    });
  }

  /** Applies each change to those of its keys that exist (and that the guard lets through); answers them. */
  update(changes: Array<{ keys: unknown[]; values: Row }>): Promise<unknown[]> {
    return this.database.transaction(async (run) => {
      const existing = new Set((await this.lock(run, changes.flatMap((change) => change.keys))).map(String));
      const updated: unknown[] = [];
      for (const change of changes) {
        const keys = change.keys.filter((key) => existing.has(String(key)));
        if (keys.length === 0) continue;
        // An update that sets nothing still answers its items, as it does on Cairn's own collections.
        if (Object.keys(change.values).length > 0) {
          const statement = updateStatement(this.dialect, this.collection, this.encode(change.values), keys);
          await run(statement.sql, statement.params);
        }
        updated.push(...keys);
      }
      await this.assertWithinGuard(run, updated, 'update');
      return updated;
    });
  }

  /** Deletes the rows with these keys that exist (and that the guard lets through); answers their keys. */
  remove(keys: unknown[]): Promise<unknown[]> {
    return this.database.transaction(async (run) => {
      const existing = await this.lock(run, keys);
      if (existing.length === 0) return [];
      const statement = deleteStatement(this.dialect, this.collection, existing);
      await run(statement.sql, statement.params);
      return existing;
    });
  }

  /** The keys among `keys` that exist and match the guard, their rows locked in key order. */
  private async lock(run: RunStatement, keys: unknown[]): Promise<unknown[]> {
    if (keys.length === 0) return [];
    const compiled = this.keysMatching(keys, this.guard);
    return (await run(`${compiled.sql} FOR UPDATE`, compiled.params)).rows.map((row) => this.asKey(row[primaryKeyField(this.collection).field]));
  }

  /** Refuses, rolling back, a write that leaves a row outside what the app role may write. */
  private async assertWithinGuard(run: RunStatement, keys: unknown[], action: string): Promise<void> {
    if (!this.guard || keys.length === 0) return;
    const compiled = this.keysMatching(keys, this.guard);
    const kept = (await run(compiled.sql, compiled.params)).rows;
    if (kept.length !== keys.length) throw forbidden(`You may not ${action} an item with these values.`);
  }

  private keysMatching(keys: unknown[], guard: FilterNode | null): { sql: string; params: unknown[] } {
    const key = primaryKeyField(this.collection).field;
    const byKey: FilterNode = { type: 'compare', field: key, operator: '_in', value: keys as Array<string | number> };
    const query = keysQuery(this.collection.name, {
      selection: { fields: [key], relations: [] },
      filter: guard ? { type: 'and', children: [byKey, guard] } : byKey,
      sort: [{ path: [key], direction: 'asc' }],
    });
    return compileSelect(query, this.schema, this.dialect, this.ctx);
  }

  private encode(row: Row): Row {
    return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, toDatabase(findField(this.collection, name)!, value, this.database.kind)]));
  }

  private asKey(value: unknown): unknown {
    return this.collection.primaryKey === 'integer' ? Number(value) : String(value);
  }
}
