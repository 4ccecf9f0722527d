import { nestsDeeperThan } from '../../../common/input/nesting';
import { findTextFault } from '../../../common/input/text-faults';
import { FieldType, FieldValueError } from './field-type';

/**
 * How deep a json value may nest. MariaDB refuses JSON nested 32 levels deep, and an item's revision
 * holds its values one level down, so every database is held to 30.
 */
const MAX_JSON_VALUE_NESTING = 30;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$/;

export const booleanType: FieldType = {
  name: 'boolean',
  column: () => ({ type: 'boolean' }),
  parse: (value) => {
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === 'true' || value === '1') return true;
    if (value === 0 || value === 'false' || value === '0') return false;
    throw new FieldValueError('must be true or false');
  },
  widensTo: ['integer', 'bigint', 'string', 'text'],
  textual: false,
};

export const dateType: FieldType = {
  name: 'date',
  column: () => ({ type: 'date' }),
  parse: (value) => {
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new FieldValueError('must be a date such as 2024-01-31');
    if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) throw new FieldValueError('must be a real calendar date');
    return value;
  },
  widensTo: ['datetime', 'string', 'text'],
  textual: false,
};

export const datetimeType: FieldType = {
  name: 'datetime',
  column: (_field, kind) => (kind === 'postgres' ? { type: 'timestamptz', precision: 3 } : kind === 'mysql' ? { type: 'datetime', precision: 3 } : { type: 'datetime' }),
  parse: (value) => {
    const date = value instanceof Date ? value : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new FieldValueError('must be an ISO 8601 date and time');
    return date.toISOString();
  },
  widensTo: ['string', 'text'],
  textual: false,
};

export const timeType: FieldType = {
  name: 'time',
  column: () => ({ type: 'time' }),
  parse: (value) => {
    if (typeof value !== 'string' || !TIME.test(value)) throw new FieldValueError('must be a time such as 13:45 or 13:45:30');
    return value.length === 5 ? `${value}:00` : value.slice(0, 8);
  },
  widensTo: ['string', 'text'],
  textual: false,
};

export const jsonType: FieldType = {
  name: 'json',
  column: (_field, kind) => ({ type: kind === 'postgres' ? 'jsonb' : kind === 'mysql' ? 'json' : 'text' }),
  parse: (value) => {
    if (nestsDeeperThan(value, MAX_JSON_VALUE_NESTING)) {
      throw new FieldValueError(`nests arrays and objects deeper than ${MAX_JSON_VALUE_NESTING} levels, the most every database stores`);
    }
    const found = findTextFault(value);
    if (found) throw new FieldValueError(`holds ${found.fault}${found.path ? ` at ${found.path}` : ''}, which can not be stored`);
    return value;
  },
  widensTo: ['text'],
  textual: false,
};
