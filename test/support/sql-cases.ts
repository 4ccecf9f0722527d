import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DatabaseKind } from '../../src/config/app-config';
import { dialectFor, type SqlDialect } from '../../src/engine/sql/dialect';
import type { CompiledSql } from '../../src/engine/sql/select.compiler';
import type { WorkspaceSchema } from '../../src/modules/schema/schema.types';

/** The dialects every compiler case is checked on. */
export const DIALECTS: DatabaseKind[] = ['sqlite', 'postgres', 'mysql'];

/** The SQL text and parameters a case compiles to on one database. */
export type Expected = [sql: string, params: unknown[]];

/** A compilation and the exact SQL it must give on each database. */
export interface SqlCase {
  name: string;
  compile: (dialect: SqlDialect) => CompiledSql;
  sqlite: Expected;
  postgres: Expected;
  mysql: Expected;
}

/** One test per case, comparing its SQL and parameters on every dialect. */
export function runCases(cases: SqlCase[]): void {
  for (const testCase of cases) {
    it(testCase.name, () => {
      for (const kind of DIALECTS) {
        const [sql, params] = testCase[kind];
        assert.deepEqual(testCase.compile(dialectFor(kind)), { sql, params }, kind);
      }
    });
  }
}

/** The schema with its tables marked as made by Cairn (CollectionDef.codePointText), as the registry loads them. */
export function ownTables(of: WorkspaceSchema): WorkspaceSchema {
  return { ...of, collections: new Map([...of.collections].map(([name, collection]) => [name, { ...collection, codePointText: true as const }])) };
}
