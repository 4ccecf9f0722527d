import type { ComputedColumn, Expression } from '../query/query.ast';
import { bind, column, invalidQuery, requireColumn, type Scope, type Statement } from './filter.compiler';

/**
 * Computed values (a view's `computed` fields) → SQL expressions over the root's columns. Arithmetic is
 * done in double precision on all three databases, so `7 / 2` is 3.5 everywhere and the same
 * operations round the same way; dividing by zero answers NULL (PostgreSQL would fail the statement).
 * `concat` takes a NULL part as empty text, as PostgreSQL's CONCAT does. Literals are parameters,
 * typed where PostgreSQL could not infer them.
 */

/** The positional alias of the n-th computed column: no field or computed name reaches the SQL. */
export function computedAlias(index: number): string {
  return `__c${index}`;
}

/** `expression AS "__cN"` for each computed column. */
export function computedSelectList(columns: readonly ComputedColumn[], scope: Scope, statement: Statement): string[] {
  return columns.map((computed, index) => `${compileExpression(computed.expression, scope, statement)} AS ${statement.dialect.quote(computedAlias(index))}`);
}

export function compileExpression(expression: Expression, scope: Scope, statement: Statement): string {
  const { kind } = statement.dialect;
  const recurse = (child: Expression) => compileExpression(child, scope, statement);
  switch (expression.kind) {
    case 'number':
      if (!Number.isFinite(expression.value)) throw invalidQuery('A computed number must be finite.');
      return asDouble(bind(statement, expression.value), statement);
    case 'string':
      return kind === 'postgres' ? `CAST(${bind(statement, expression.value)} AS TEXT)` : bind(statement, expression.value);
    case 'field': {
      const field = requireColumn(scope.collection, expression.field);
      const sql = column(statement, scope.alias, field.field);
      return isNumeric(field.type) ? asDouble(sql, statement) : sql;
    }
    case 'negate':
      return `(-${recurse(expression.operand)})`;
    case 'binary': {
      const left = recurse(expression.left);
      const right = recurse(expression.right);
      return expression.operator === '/' ? `(${left} / NULLIF(${right}, 0))` : `(${left} ${expression.operator} ${right})`;
    }
    case 'call': {
      const args = expression.args.map(recurse);
      switch (expression.fn) {
        // On PostgreSQL, case maps by the collation: under "C", the collation of Cairn's text columns,
        // ASCII letters only; the database's own collation maps the others too.
        case 'lower':
          return kind === 'postgres' ? `LOWER(${args[0]} COLLATE "default")` : `LOWER(${args[0]})`;
        case 'upper':
          return kind === 'postgres' ? `UPPER(${args[0]} COLLATE "default")` : `UPPER(${args[0]})`;
        case 'coalesce':
          return `COALESCE(${args.join(', ')})`;
        case 'concat': {
          const parts = args.map((arg) => `COALESCE(${arg}, '')`);
          return kind === 'mysql' ? `CONCAT(${parts.join(', ')})` : `(${parts.join(' || ')})`;
        }
      }
    }
  }
}

function isNumeric(type: string): boolean {
  return type === 'integer' || type === 'bigint' || type === 'float' || type === 'decimal';
}

/** A number as a double: integers and decimals would otherwise divide and round differently per database. */
function asDouble(sql: string, statement: Statement): string {
  switch (statement.dialect.kind) {
    case 'postgres':
      return `CAST(${sql} AS DOUBLE PRECISION)`;
    case 'sqlite':
      return `CAST(${sql} AS REAL)`;
    case 'mysql':
      // MySQL casts to DOUBLE only from 8.0.17 and MariaDB from 10.4: adding a float literal works on all.
      return `(${sql} + 0e0)`;
  }
}

/** A computed value as the API answers it: numbers as numbers (drivers may give strings), text as text. */
export function decodeComputed(computed: ComputedColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (computed.type === 'number') return Number(value);
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
