import type { FieldDef } from '../schema.types';
import { nestsDeeperThan } from '../../../common/input/nesting';
import { findTextFault } from '../../../common/input/text-faults';
import { datetimeToDatabase, invalidValue, parseMoment, textOf } from './codec';
import { FieldFilter, FieldType, FieldValueError } from './field-type';

/**
 * How deep a json value may nest. MariaDB refuses JSON nested 32 levels deep, and an item's revision
 * holds its values one level down, so every database is held to 30.
 */
const MAX_JSON_VALUE_NESTING = 30;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$/;

const TRUE_VALUES = new Set<unknown>([true, 1, '1', 'true', 't']);
const FALSE_VALUES = new Set<unknown>([false, 0, '0', 'false', 'f']);

/** Neither text nor numbers: what the types of this file share. */
const OTHER = { generated: false, textual: false, numeric: false } as const;

export const booleanType: FieldType = {
  ...OTHER,
  name: 'boolean',
  column: () => ({ type: 'boolean' }),
  parse: (value) => {
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === 'true' || value === '1') return true;
    if (value === 0 || value === 'false' || value === '0') return false;
    throw new FieldValueError('must be true or false');
  },
  widensTo: ['integer', 'bigint', 'string', 'text'],
  ordered: false,
  codec: {
    toDatabase: (value, field, kind) => {
      const normalized = typeof value === 'string' ? value.toLowerCase() : value;
      let bool: boolean;
      if (TRUE_VALUES.has(normalized)) bool = true;
      else if (FALSE_VALUES.has(normalized)) bool = false;
      else return invalidValue(field, value, 'boolean');
      if (kind === 'postgres') return bool;
      return bool ? 1 : 0;
    },
    fromDatabase: (value) => {
      if (Buffer.isBuffer(value)) return value.length > 0 && value[0] !== 0;
      if (typeof value === 'string') return TRUE_VALUES.has(value.toLowerCase());
      return TRUE_VALUES.has(value) || (typeof value === 'number' && value !== 0) || (typeof value === 'bigint' && value !== 0n);
    },
    postgresJson: (column) => `to_jsonb(${column})`,
  },
  filter: { operators: ['presence', 'equality'], operand: 'boolean', match: 'none' },
  graphql: { scalar: 'Boolean', filter: 'Boolean' },
  openApi: () => ({ type: 'boolean' }),
};

/** Dates and times: ordered, compared as the codec stores them, shown to GraphQL as strings. */
const MOMENT = {
  ...OTHER,
  ordered: true,
  filter: { operators: ['presence', 'equality', 'order'], operand: 'text', match: 'none' } satisfies FieldFilter,
  graphql: { scalar: 'String', filter: 'Date' },
} as const;

export const dateType: FieldType = {
  ...MOMENT,
  name: 'date',
  column: () => ({ type: 'date' }),
  parse: (value) => {
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new FieldValueError('must be a date such as 2024-01-31');
    if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) throw new FieldValueError('must be a real calendar date');
    return value;
  },
  widensTo: ['datetime', 'string', 'text'],
  codec: {
    toDatabase: (value, field) => {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
        const day = value.trim().slice(0, 10);
        if (!Number.isNaN(new Date(`${day}T00:00:00Z`).getTime())) return day;
      }
      return invalidValue(field, value, 'date');
    },
    // A date column read as a Date: node-postgres builds it at local midnight, mysql2 (with timezone 'Z',
    // as Cairn connects) at UTC midnight.
    fromDatabase: (value, kind) => {
      if (!(value instanceof Date)) return textOf(value).slice(0, 10);
      if (kind !== 'postgres') return value.toISOString().slice(0, 10);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
    },
    postgresJson: (column) => `to_jsonb(to_char(${column}, 'YYYY-MM-DD'))`,
  },
  openApi: () => ({ type: 'string', format: 'date' }),
};

/** A moment from a Date, an ISO 8601 string (UTC when it names no zone) or epoch milliseconds. */
function momentOf(field: FieldDef, value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? parseMoment(value) : typeof value === 'number' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return invalidValue(field, value, 'datetime');
  return date;
}

export const datetimeType: FieldType = {
  ...MOMENT,
  name: 'datetime',
  column: (_field, kind) => (kind === 'postgres' ? { type: 'timestamptz', precision: 3 } : kind === 'mysql' ? { type: 'datetime', precision: 3 } : { type: 'datetime' }),
  parse: (value) => {
    const date = value instanceof Date ? value : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new FieldValueError('must be an ISO 8601 date and time');
    return date.toISOString();
  },
  widensTo: ['string', 'text'],
  codec: {
    toDatabase: (value, field, kind) => datetimeToDatabase(momentOf(field, value), kind),
    fromDatabase: (value) => {
      const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value) : parseMoment(textOf(value));
      return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
    },
    postgresJson: (column) => `to_jsonb(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
  },
  openApi: () => ({ type: 'string', format: 'date-time' }),
};

export const timeType: FieldType = {
  ...MOMENT,
  name: 'time',
  column: () => ({ type: 'time' }),
  parse: (value) => {
    if (typeof value !== 'string' || !TIME.test(value)) throw new FieldValueError('must be a time such as 13:45 or 13:45:30');
    return value.length === 5 ? `${value}:00` : value.slice(0, 8);
  },
  widensTo: ['string', 'text'],
  codec: {
    toDatabase: (value, field) => {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(11, 19);
      const match = typeof value === 'string' ? /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value.trim()) : null;
      if (!match || Number(match[1]) > 23 || Number(match[2]) > 59 || Number(match[3] ?? 0) > 59) return invalidValue(field, value, 'time');
      return `${match[1]}:${match[2]}:${match[3] ?? '00'}`;
    },
    fromDatabase: (value) => textOf(value).slice(0, 8),
    postgresJson: (column) => `to_jsonb(substr(CAST(${column} AS text), 1, 8))`,
  },
  openApi: () => ({ type: 'string', example: '13:45:00' }),
};

export const jsonType: FieldType = {
  ...OTHER,
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
  ordered: false,
  codec: {
    toDatabase: (value) => JSON.stringify(value),
    /**
     * PostgreSQL's driver parses jsonb itself, so its value is final. MariaDB's JSON is LONGTEXT and
     * SQLite stores text, so a string is parsed — and kept as it is when it is not JSON (MySQL proper
     * parses JSON columns and may hand back a plain string).
     */
    fromDatabase: (value, kind) => {
      if (kind === 'postgres') return value;
      const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
      if (typeof text !== 'string') return text;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    },
    postgresJson: (column) => column,
  },
  filter: { operators: ['presence'], operand: 'text', match: 'none' },
  graphql: { scalar: 'JSON', filter: 'JSON' },
  openApi: () => ({}),
};
