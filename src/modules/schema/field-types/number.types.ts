import type { FieldDef } from '../schema.types';
import { invalidValue, MAX_SAFE, NUMERIC } from './codec';
import { FieldCodec, FieldFilter, FieldGraphQL, FieldType, FieldValueError } from './field-type';

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INT32 = 2 ** 31;

/** The values an integer or bigint column holds, on every database: 32 and 64 bits. */
export const INTEGER_RANGES: Readonly<Record<'integer' | 'bigint', { min: bigint; max: bigint }>> = {
  integer: { min: -(2n ** 31n), max: 2n ** 31n - 1n },
  bigint: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
};

function asNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) return Number(value);
  throw new FieldValueError('must be a number');
}

/** A number from a number or a numeric string; `what` names the type in the error. */
function numberToDatabase(field: FieldDef, value: unknown, what: 'integer' | 'number'): number {
  const number = typeof value === 'string' && NUMERIC.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) return invalidValue(field, value, what);
  if (what === 'integer' && !Number.isInteger(number)) return invalidValue(field, value, 'integer');
  return number;
}

const NUMBER_FILTER: FieldFilter = { operators: ['presence', 'equality', 'order'], operand: 'number', match: 'none' };
const NUMBER_GRAPHQL: FieldGraphQL = { scalar: 'Float', filter: 'Number' };

/** What every number type is, but for its name, column, parsing, codec and OpenAPI schema. */
const NUMBER = { generated: false, textual: false, numeric: true, ordered: true, filter: NUMBER_FILTER, graphql: NUMBER_GRAPHQL } as const;

const toJsonb = (column: string) => `to_jsonb(${column})`;

export const integerType: FieldType = {
  ...NUMBER,
  name: 'integer',
  column: (_field, kind) => ({ type: kind === 'sqlite' ? 'integer' : 'int' }),
  parse: (value) => {
    const number = typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) throw new FieldValueError('must be an integer');
    if (number < -INT32 || number >= INT32) throw new FieldValueError('is out of range for an integer');
    return number;
  },
  widensTo: ['bigint', 'float', 'decimal', 'string', 'text'],
  range: INTEGER_RANGES.integer,
  codec: { toDatabase: (value, field) => numberToDatabase(field, value, 'integer'), fromDatabase: Number, postgresJson: toJsonb },
  graphql: { scalar: 'Int', filter: 'Number' },
  openApi: () => ({ type: 'integer', format: 'int32' }),
};

/** Integers beyond 2^53 travel as strings so that no digit is lost. */
const bigintCodec: FieldCodec = {
  toDatabase: (value, field) => {
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
      const number = Number(value);
      return Number.isSafeInteger(number) ? number : value.trim();
    }
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    return invalidValue(field, value, 'integer');
  },
  fromDatabase: (value) => {
    const text = typeof value === 'bigint' ? value.toString() : String(value);
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : text;
  },
  postgresJson: (column) => `CASE WHEN ${column} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE} THEN to_jsonb(${column}) ELSE to_jsonb(CAST(${column} AS text)) END`,
};

export const bigintType: FieldType = {
  ...NUMBER,
  name: 'bigint',
  column: () => ({ type: 'bigint' }),
  parse: (value) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) {
      const big = BigInt(value.trim());
      if (big >= -(2n ** 63n) && big < 2n ** 63n) return Number.isSafeInteger(Number(big)) ? Number(big) : big.toString();
    }
    throw new FieldValueError('must be an integer within 64 bits');
  },
  widensTo: ['decimal', 'string', 'text'],
  range: INTEGER_RANGES.bigint,
  codec: bigintCodec,
  filter: { ...NUMBER_FILTER, operand: 'bigint' },
  graphql: { scalar: 'BigInt', filter: 'BigInt' },
  openApi: () => ({ type: 'integer', format: 'int64' }),
};

export const floatType: FieldType = {
  ...NUMBER,
  name: 'float',
  column: (_field, kind) => ({ type: kind === 'postgres' ? 'double precision' : kind === 'mysql' ? 'double' : 'real' }),
  parse: asNumber,
  widensTo: ['string', 'text'],
  codec: { toDatabase: (value, field) => numberToDatabase(field, value, 'number'), fromDatabase: Number, postgresJson: toJsonb },
  openApi: () => ({ type: 'number', format: 'double' }),
};

export const decimalType: FieldType = {
  ...NUMBER,
  name: 'decimal',
  column: (field) => ({ type: 'decimal', precision: field.precision ?? 10, scale: field.scale ?? 2 }),
  parse: (value, field) => {
    const number = asNumber(value);
    const integerDigits = (field.precision ?? 10) - (field.scale ?? 2);
    if (Math.abs(number) >= 10 ** integerDigits) throw new FieldValueError(`must have at most ${integerDigits} digits before the decimal point`);
    return number;
  },
  widensTo: ['string', 'text'],
  codec: {
    // A decimal given as a string keeps its digits (PostgreSQL and MySQL compute exactly); SQLite stores REAL.
    toDatabase: (value, field, kind) => {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && NUMERIC.test(value.trim())) return kind === 'sqlite' ? Number(value) : value.trim();
      return invalidValue(field, value, 'decimal');
    },
    fromDatabase: Number,
    postgresJson: toJsonb,
  },
  openApi: (field) => ({ type: 'number', description: `Decimal(${field.precision ?? 10}, ${field.scale ?? 2})` }),
};
