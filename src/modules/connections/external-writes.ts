import { forbidden } from '../../common/errors/app-error';
import type { FilterNode, QueryContext } from '../../engine/query/query.ast';
import { keysMatching } from '../../engine/read/query-runner';
import type { ReadContext } from '../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import { encodeRow } from '../../engine/sql/value-codec';
import { deleteStatement, insertStatement, updateStatement } from '../../engine/write/write.sql';
import { primaryKeyField } from '../schema/schema.lookup';
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
        const statement = insertStatement(this.dialect, this.collection, encodeRow(this.collection, row, this.database.kind));
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
          const statement = updateStatement(this.dialect, this.collection, encodeRow(this.collection, change.values, this.database.kind), keys);
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
  private lock(run: RunStatement, keys: unknown[]): Promise<unknown[]> {
    return keysMatching(this.collection, keys, this.guard, { lock: true }, this.reading(run));
  }

  /** Refuses, rolling back, a write that leaves a row outside what the app role may write. */
  private async assertWithinGuard(run: RunStatement, keys: unknown[], action: string): Promise<void> {
    if (!this.guard || keys.length === 0) return;
    const kept = await keysMatching(this.collection, keys, this.guard, { lock: false }, this.reading(run));
    if (kept.length !== keys.length) throw forbidden(`You may not ${action} an item with these values.`);
  }

  /** Reads in the write's transaction, compiled for the external database. */
  private reading(run: RunStatement): ReadContext {
    return { schema: this.schema, dialect: this.dialect, ctx: this.ctx, run: async (sql, params) => (await run(sql, params)).rows };
  }

  private asKey(value: unknown): unknown {
    return this.collection.primaryKey === 'integer' ? Number(value) : String(value);
  }
}
