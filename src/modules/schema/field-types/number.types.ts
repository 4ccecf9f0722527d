import { FieldType, FieldValueError } from './field-type';

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

export const integerType: FieldType = {
  name: 'integer',
  column: (_field, kind) => ({ type: kind === 'sqlite' ? 'integer' : 'int' }),
  parse: (value) => {
    const number = typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) throw new FieldValueError('must be an integer');
    if (number < -INT32 || number >= INT32) throw new FieldValueError('is out of range for an integer');
    return number;
  },
  widensTo: ['bigint', 'float', 'decimal', 'string', 'text'],
  textual: false,
};

export const bigintType: FieldType = {
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
  textual: false,
};

export const floatType: FieldType = {
  name: 'float',
  column: (_field, kind) => ({ type: kind === 'postgres' ? 'double precision' : kind === 'mysql' ? 'double' : 'real' }),
  parse: asNumber,
  widensTo: ['string', 'text'],
  textual: false,
};

export const decimalType: FieldType = {
  name: 'decimal',
  column: (field) => ({ type: 'decimal', precision: field.precision ?? 10, scale: field.scale ?? 2 }),
  parse: (value, field) => {
    const number = asNumber(value);
    const integerDigits = (field.precision ?? 10) - (field.scale ?? 2);
    if (Math.abs(number) >= 10 ** integerDigits) throw new FieldValueError(`must have at most ${integerDigits} digits before the decimal point`);
    return number;
  },
  widensTo: ['string', 'text'],
  textual: false,
};
