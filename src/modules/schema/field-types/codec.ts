import type { DatabaseKind } from '../../../config/app-config';
import { invalidPayload } from '../../../common/errors/app-error';
import type { FieldDef } from '../schema.types';
import type { FieldCodec } from './field-type';

/**
 * What the codecs of several types share. Stored forms: booleans as booleans on PostgreSQL and 1/0
 * elsewhere; JSON as JSON text; datetimes in UTC — an ISO string for PostgreSQL and SQLite
 * (`YYYY-MM-DDTHH:MM:SS.mmmZ`, which orders correctly as text), `YYYY-MM-DD HH:MM:SS.mmm` for MySQL.
 */

export function invalidValue(field: FieldDef, value: unknown, what: string): never {
  throw invalidPayload(`${JSON.stringify(value)} is not a valid ${what} for field "${field.field}".`, field.field);
}

export function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

export const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The largest integer a JSON number holds exactly (2^53 - 1): bigints beyond it are answered as strings. */
export const MAX_SAFE = '9007199254740991';

/** Parses a datetime string; one without a zone (as MySQL and SQLite may hold) is read as UTC. */
export function parseMoment(text: string): Date | null {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return new Date(`${trimmed}T00:00:00Z`);
  // PostgreSQL's text form may end in an hour-only offset (+02), which Date does not parse.
  const iso = trimmed.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(iso.slice(10));
  return new Date(hasZone ? iso : `${iso}Z`);
}

/** The UTC form of a moment that the driver of `kind` expects. */
export function datetimeToDatabase(date: Date, kind: DatabaseKind): string {
  const iso = date.toISOString();
  return kind === 'mysql' ? iso.slice(0, 23).replace('T', ' ') : iso;
}

/** Text as it is: string, text, enum and autocode. */
export const textCodec: FieldCodec = {
  toDatabase: (value, field) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (value instanceof Date) return value.toISOString();
    return invalidValue(field, value, 'string');
  },
  fromDatabase: textOf,
  postgresJson: (column) => `to_jsonb(CAST(${column} AS text))`,
};
