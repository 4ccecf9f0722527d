import type { DatabaseKind } from '../../config/app-config';
import { fieldType } from '../../modules/schema/field-types';
import { findField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef } from '../../modules/schema/schema.types';

/**
 * The value codec: how a JavaScript value of a field becomes a database parameter, and how what a
 * driver returns becomes a JSON-ready value. Each field type holds its own codec (see
 * modules/schema/field-types); these are the engine's doors to it, where null is NULL for every type.
 */

/** The value of `field` as a parameter for `kind`. Throws INVALID_PAYLOAD when it cannot be one. */
export function toDatabase(field: FieldDef, value: unknown, kind: DatabaseKind): unknown {
  if (value === null || value === undefined) return null;
  return fieldType(field.type).codec.toDatabase(value, field, kind);
}

/** A row's values as the parameters of a write: each through its field's codec (every name must be a field). */
export function encodeRow(collection: CollectionDef, row: Record<string, unknown>, kind: DatabaseKind): Record<string, unknown> {
  const encoded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) encoded[name] = toDatabase(findField(collection, name)!, value, kind);
  return encoded;
}

/** What a driver returned for `field`, as the API answers it. */
export function fromDatabase(field: FieldDef, value: unknown, kind: DatabaseKind): unknown {
  if (value === null || value === undefined) return null;
  return fieldType(field.type).codec.fromDatabase(value, kind);
}

/**
 * fromDatabase written as PostgreSQL SQL: an expression that turns a column (`column`, already
 * quoted) into the jsonb value fromDatabase answers for it. Only the one-statement create uses it, so
 * its revision holds the stored row without a second round trip; the revisions tests compare what it
 * gives with what the read path answers, field type by field type.
 */
export function postgresJsonOf(field: FieldDef, column: string): string {
  return fieldType(field.type).codec.postgresJson(column);
}

export { datetimeToDatabase } from '../../modules/schema/field-types';
