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

/**
 * Families of filter operators: presence (`_null`, `_nnull`), equality (`_eq`, `_neq`), order (`_lt`…,
 * `_in`, `_between`…) and text (`_contains`…, and `_empty`, which also matches '').
 */
export type OperatorFamily = 'presence' | 'equality' | 'order' | 'text';

/** How filters and `search` treat a type's values. */
export interface FieldFilter {
  /**
   * The operators that apply. REST refuses the text operators on a type without them and leaves the
   * rest to the database; GraphQL offers exactly these.
   */
  readonly operators: readonly OperatorFamily[];
  /** What a filter's value is read as before the codec sees it; a bigint beyond 2^53 keeps its digits. */
  readonly operand: 'number' | 'bigint' | 'boolean' | 'text';
  /**
   * How text matching sees it: 'contains' matches inside the column's text; 'whole' (a uuid, a type of
   * its own on PostgreSQL) is cast to text for the operators and found by `search` only as a whole
   * value; 'none' is cast to text for the operators and not searched.
   */
  readonly match: 'contains' | 'whole' | 'none';
}

/** GraphQL's names for the scalars of values: its own, and Cairn's BigInt and JSON. */
export type GraphQLScalarName = 'Int' | 'Float' | 'String' | 'Boolean' | 'BigInt' | 'JSON';

/** How the GraphQL API shows a type. */
export interface FieldGraphQL {
  /** The scalar of its values, in answers and in write inputs. */
  readonly scalar: GraphQLScalarName;
  /** The name of its filter operators' input (`<name>FilterOperators`); types of one name take the same operators. */
  readonly filter: 'String' | 'Date' | 'Number' | 'BigInt' | 'Boolean' | 'JSON';
}

/** An OpenAPI 3.0 schema object. */
export type OpenApiSchema = Record<string, unknown>;

/**
 * A field type as a small interface: its column, how client values are read and checked, how values
 * cross the driver, how filters, GraphQL and OpenAPI see it, and the safe changes of its column.
 */
export interface FieldType {
  readonly name: FieldTypeName;
  column(field: FieldDef, kind: DatabaseKind): ColumnShape;
  /** Turns a client's JSON value into the canonical value to store, or throws FieldValueError. */
  parse(value: unknown, field: FieldDef): unknown;
  /** The most characters a value may have when no max_length rule says otherwise (a 422 beyond). */
  maxLength?(field: FieldDef): number | null;
  /** Whether Cairn writes its values: a client may not set them (not even to null) and need not give them. */
  readonly generated: boolean;
  /** Types a column of this type can be changed to without losing data. */
  readonly widensTo: readonly FieldTypeName[];
  /** Whether its column holds text: compared exactly and ordered by code point, whatever the collation. */
  readonly textual: boolean;
  /** Whether its values are numbers, for sum and avg. */
  readonly numeric: boolean;
  /** Whether its values have an order, for min and max (PostgreSQL takes no MIN of json or boolean). */
  readonly ordered: boolean;
  /** For integer types, the whole numbers its column holds on every database. */
  readonly range?: { readonly min: bigint; readonly max: bigint };
  readonly codec: FieldCodec;
  readonly filter: FieldFilter;
  readonly graphql: FieldGraphQL;
  /** The OpenAPI schema of its values, before nullability, note and read-only are added. */
  openApi(field: FieldDef): OpenApiSchema;
}
