import type { TableColumnOptions } from 'typeorm';
import type { DatabaseKind } from '../../../config/app-config';
import type { FieldDef, FieldTypeName } from '../schema.types';

/** The column options a type asks for; name, nullability, default and uniqueness are added by the DDL. */
export type ColumnShape = Pick<TableColumnOptions, 'type' | 'length' | 'precision' | 'scale'>;

/** Thrown by `parse` when a value cannot be of the field's type; answered as 400 naming the field. */
export class FieldValueError extends Error {}

/** A field type as a small interface: its column, how client values are read, and safe changes. */
export interface FieldType {
  readonly name: FieldTypeName;
  column(field: FieldDef, kind: DatabaseKind): ColumnShape;
  /** Turns a client's JSON value into the canonical value to store, or throws FieldValueError. */
  parse(value: unknown, field: FieldDef): unknown;
  /** Types a column of this type can be changed to without losing data. */
  readonly widensTo: readonly FieldTypeName[];
  /** Whether text operators and `search` apply. */
  readonly textual: boolean;
}
