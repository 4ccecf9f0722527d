import type { DatabaseKind } from '../../config/app-config';
import type { FieldDef } from './schema.types';

export type SortDirection = 'asc' | 'desc';

/**
 * Whether a field's column can hold NULL. Only the primary key and the created_at/updated_at stamps are
 * NOT NULL; user columns are nullable even when the field is required, since the write path enforces
 * `required` and rows from before the field became required may still hold NULL.
 */
export function columnIsNullable(field: FieldDef): boolean {
  return !(field.primaryKey || (field.system && field.field.endsWith('_at')));
}

/**
 * Where Cairn puts NULLs, said when the database must be told: first ascending, last descending.
 * SQLite and MariaDB do so on their own; PostgreSQL does the opposite unless told. A column that cannot
 * hold NULL gets no clause, so that ORDER BY and index agree on the plain form.
 */
export function nullsClause(field: FieldDef, direction: SortDirection, kind: DatabaseKind): '' | 'NULLS FIRST' | 'NULLS LAST' {
  if (kind !== 'postgres' || !columnIsNullable(field)) return '';
  return direction === 'asc' ? 'NULLS FIRST' : 'NULLS LAST';
}

/**
 * One column of an index, in the order Cairn sorts it, so that the index serves `ORDER BY col ASC` by a
 * forward walk and `ORDER BY col DESC` by a backward one (and the reverse for a descending column).
 * On PostgreSQL a plain index is `ASC NULLS LAST`, which neither direction of Cairn's order matches for
 * a nullable column; the columns' collation (code point, see SchemaDdl) makes text order match too.
 */
export function indexColumnSql(field: FieldDef, direction: SortDirection, kind: DatabaseKind, quote: (identifier: string) => string): string {
  return [quote(field.field), direction === 'asc' ? 'ASC' : 'DESC', nullsClause(field, direction, kind)].filter(Boolean).join(' ');
}
