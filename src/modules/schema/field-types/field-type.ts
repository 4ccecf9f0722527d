import type { TableColumnOptions } from 'typeorm';
import type { DatabaseKind } from '../../../config/app-config';
import type { FieldDef, FieldTypeName } from '../schema.types';

/** The column options a type asks for; name, nullability, default and uniqueness are added by the DDL. */
export type ColumnShape = Pick<TableColumnOptions, 'type' | 'length' | 'precision' | 'scale'>;

/** Thrown by `parse` when a value cannot be of the field's type; answered as 400 naming the field. */
export class FieldValueError extends Error {}

/**
 * How values of a type cross the driver. Reads, filters and writes all go through it, so the three
 * databases store and answer the same values. Null never reaches a codec: it is NULL everywhere.
 */
export interface FieldCodec {
  /** A value as a parameter for `kind`; throws INVALID_PAYLOAD naming the field when it cannot be one. */
  toDatabase(value: unknown, field: FieldDef, kind: DatabaseKind): unknown;
  /** What a driver returned, as the API answers it. */
  fromDatabase(value: unknown, kind: DatabaseKind): unknown;
  /**
   * fromDatabase written as PostgreSQL SQL: an expression that turns a column (already quoted) into the
   * jsonb value fromDatabase answers for it.
   */
  postgresJson(column: string): string;
}

/** A field type as a small interface: its column, how client values are read, how they cross the driver, and safe changes. */
export interface FieldType {
  readonly name: FieldTypeName;
  column(field: FieldDef, kind: DatabaseKind): ColumnShape;
  /** Turns a client's JSON value into the canonical value to store, or throws FieldValueError. */
  parse(value: unknown, field: FieldDef): unknown;
  /** Types a column of this type can be changed to without losing data. */
  readonly widensTo: readonly FieldTypeName[];
  /** Whether text operators and `search` apply. */
  readonly textual: boolean;
  readonly codec: FieldCodec;
}
