import { SQLITE_UNICODE_LOWER } from '../../common/database/sqlite-connection';
import type { DatabaseKind } from '../../config/app-config';
import type { FieldTypeName } from '../../modules/schema/schema.types';

/**
 * What differs between the three databases when Cairn writes SQL by hand: quoting, placeholders and a
 * few expressions. Compiled reads and writes go through `manager.query(sql, params)` with these.
 */
export interface SqlDialect {
  readonly kind: DatabaseKind;
  /** Quotes an identifier that the registry vouches for. */
  quote(identifier: string): string;
  /** The placeholder of the n-th parameter, counting from 1. */
  placeholder(position: number): string;
  /**
   * A text match of an expression against a placeholder whose value `matchParameter` made: contains,
   * starts with or ends with, with or without regard to case.
   */
  textMatch(expression: string, placeholder: string, caseSensitive: boolean, negate: boolean): string;
  /** The parameter for textMatch: the value with its wildcard characters escaped, wrapped in wildcards. */
  matchParameter(value: string, mode: MatchMode, caseSensitive: boolean): string;
  /** The expression that reads a column as text for `search`. */
  asText(expression: string): string;
  /**
   * A text value (a placeholder or a literal) that an `=`, `<>` or `IN` compares exactly, byte for byte:
   * no case or accent folding, trailing spaces significant. Put on the value side, so that an index on
   * the column still serves the comparison.
   */
  exactValue(value: string): string;
  /** A text expression grouped or counted distinct exactly (see exactValue). */
  exactText(expression: string): string;
  /** A text expression sorted, or compared with `<`, `>` or BETWEEN, by code point. */
  orderedText(expression: string): string;
  /** `LIMIT ... OFFSET ...` with the limit omitted when null. */
  limitOffset(limit: number | null, offset: number): string;
  /**
   * The SUM of a number column of this type, so that every database answers it alike: a float sum
   * beyond the largest double is an out-of-range error (SQLite answers Infinity, which the reader
   * refuses the same way), and a bigint sum beyond 64 bits is a number.
   */
  sum(expression: string, type: FieldTypeName): string;
  /** True when the driver returns the id of an inserted row through RETURNING. */
  readonly supportsReturning: boolean;
}

export type MatchMode = 'contains' | 'starts' | 'ends';

const LIKE_ESCAPE = "ESCAPE '\\'";

function likePattern(value: string, mode: MatchMode): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return `${mode === 'starts' ? '' : '%'}${escaped}${mode === 'ends' ? '' : '%'}`;
}

class PostgresDialect implements SqlDialect {
  readonly kind = 'postgres' as const;
  readonly supportsReturning = true;
  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }
  placeholder(position: number): string {
    return `$${position}`;
  }
  textMatch(expression: string, placeholder: string, caseSensitive: boolean, negate: boolean): string {
    if (caseSensitive) return `${expression} ${negate ? 'NOT LIKE' : 'LIKE'} ${placeholder} ${LIKE_ESCAPE}`;
    // ILIKE folds case by the collation's character classes: under "C", the collation of Cairn's text
    // columns, ASCII letters only. The database's own collation folds the others too.
    return `${expression} COLLATE "default" ${negate ? 'NOT ILIKE' : 'ILIKE'} ${placeholder} ${LIKE_ESCAPE}`;
  }
  matchParameter(value: string, mode: MatchMode): string {
    return likePattern(value, mode);
  }
  asText(expression: string): string {
    return `CAST(${expression} AS TEXT)`;
  }
  // Equality under PostgreSQL's (deterministic) collations is byte equality already.
  exactValue(value: string): string {
    return value;
  }
  exactText(expression: string): string {
    return expression;
  }
  // The database's collation (en_US and the like) would order case and punctuation linguistically.
  orderedText(expression: string): string {
    return `${expression} COLLATE "C"`;
  }
  limitOffset(limit: number | null, offset: number): string {
    return [limit === null ? '' : `LIMIT ${limit}`, offset > 0 ? `OFFSET ${offset}` : ''].filter(Boolean).join(' ');
  }
  // A float sum that overflows raises an error; integer sums are bigint or numeric, which do not.
  sum(expression: string): string {
    return `SUM(${expression})`;
  }
}

class MysqlDialect implements SqlDialect {
  readonly kind = 'mysql' as const;
  readonly supportsReturning = false;
  quote(identifier: string): string {
    return `\`${identifier.replace(/`/g, '``')}\``;
  }
  placeholder(): string {
    return '?';
  }
  textMatch(expression: string, placeholder: string, caseSensitive: boolean, negate: boolean): string {
    const like = negate ? 'NOT LIKE' : 'LIKE';
    // The default collations ignore case and accents (and take ß for ss); comparing as binary makes the
    // match exact, and LOWER on both sides then ignores case only, as on the other databases. Backslash
    // is MySQL's default LIKE escape already (and '\' would open a string escape in MySQL's literals).
    return caseSensitive ? `${expression} ${like} BINARY ${placeholder}` : `LOWER(${expression}) ${like} BINARY LOWER(${placeholder})`;
  }
  matchParameter(value: string, mode: MatchMode): string {
    return likePattern(value, mode);
  }
  asText(expression: string): string {
    return `CAST(${expression} AS CHAR)`;
  }
  // The default collations are case- and accent-insensitive and pad with spaces ('a' = 'A ' = 'á'):
  // a binary string compares, groups and sorts byte by byte, which for UTF-8 is code point order.
  exactValue(value: string): string {
    return `BINARY ${value}`;
  }
  exactText(expression: string): string {
    return `BINARY ${expression}`;
  }
  orderedText(expression: string): string {
    return `BINARY ${expression}`;
  }
  limitOffset(limit: number | null, offset: number): string {
    // MySQL has no OFFSET without LIMIT; the largest unsigned BIGINT stands for "no limit".
    if (limit === null) return offset > 0 ? `LIMIT 18446744073709551615 OFFSET ${offset}` : '';
    return `LIMIT ${limit}${offset > 0 ? ` OFFSET ${offset}` : ''}`;
  }
  // MariaDB answers a double sum that overflows as 0; an arithmetic step on it raises the
  // out-of-range error instead, as PostgreSQL does. Integer sums are DECIMAL, which does not overflow.
  sum(expression: string, type: FieldTypeName): string {
    return type === 'float' ? `SUM(${expression}) + 0` : `SUM(${expression})`;
  }
}

class SqliteDialect implements SqlDialect {
  readonly kind = 'sqlite' as const;
  readonly supportsReturning = true;
  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }
  placeholder(): string {
    return '?';
  }
  textMatch(expression: string, placeholder: string, caseSensitive: boolean, negate: boolean): string {
    // SQLite's LIKE ignores ASCII case, so exact matches use GLOB, which does not. Its LOWER (and LIKE)
    // fold ASCII letters only: the function every connection registers folds Unicode case, as
    // PostgreSQL's and MariaDB's LOWER do.
    if (caseSensitive) return `${expression} ${negate ? 'NOT GLOB' : 'GLOB'} ${placeholder}`;
    return `${SQLITE_UNICODE_LOWER}(${expression}) ${negate ? 'NOT LIKE' : 'LIKE'} ${SQLITE_UNICODE_LOWER}(${placeholder}) ${LIKE_ESCAPE}`;
  }
  matchParameter(value: string, mode: MatchMode, caseSensitive: boolean): string {
    if (!caseSensitive) return likePattern(value, mode);
    const escaped = value.replace(/[*?[]/g, (c) => `[${c}]`);
    return `${mode === 'starts' ? '' : '*'}${escaped}${mode === 'ends' ? '' : '*'}`;
  }
  asText(expression: string): string {
    return `CAST(${expression} AS TEXT)`;
  }
  // Columns have SQLite's default BINARY collation: memcmp of UTF-8, which is code point order.
  exactValue(value: string): string {
    return value;
  }
  exactText(expression: string): string {
    return expression;
  }
  orderedText(expression: string): string {
    return expression;
  }
  limitOffset(limit: number | null, offset: number): string {
    if (limit === null) return offset > 0 ? `LIMIT -1 OFFSET ${offset}` : '';
    return `LIMIT ${limit}${offset > 0 ? ` OFFSET ${offset}` : ''}`;
  }
  // SQLite's integer SUM fails on a 64-bit overflow; bigints are summed as doubles, which is what the
  // reader answers for the others' exact sums too.
  sum(expression: string, type: FieldTypeName): string {
    return type === 'bigint' ? `SUM(CAST(${expression} AS REAL))` : `SUM(${expression})`;
  }
}

export function dialectFor(kind: DatabaseKind): SqlDialect {
  switch (kind) {
    case 'postgres':
      return new PostgresDialect();
    case 'mysql':
      return new MysqlDialect();
    case 'sqlite':
      return new SqliteDialect();
  }
}
