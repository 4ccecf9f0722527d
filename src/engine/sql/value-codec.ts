import type { DatabaseKind } from '../../config/app-config';
import { invalidPayload } from '../../common/errors/app-error';
import { findField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef } from '../../modules/schema/schema.types';

/**
 * The value codec: how a JavaScript value of a field becomes a database parameter, and how what a
 * driver returns becomes a JSON-ready value. Reads, filters and writes all go through it, so the three
 * databases store and answer the same values.
 *
 * Stored forms: booleans as booleans on PostgreSQL and 1/0 elsewhere; JSON as JSON text; datetimes in
 * UTC — an ISO string for PostgreSQL and SQLite (`YYYY-MM-DDTHH:MM:SS.mmmZ`, which orders correctly as
 * text), `YYYY-MM-DD HH:MM:SS.mmm` for MySQL.
 */

/** The value of `field` as a parameter for `kind`. Throws INVALID_PAYLOAD when it cannot be one. */
export function toDatabase(field: FieldDef, value: unknown, kind: DatabaseKind): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'string':
    case 'text':
    case 'enum':
    case 'autocode':
      return textToDatabase(field, value);
    case 'uuid':
      return uuidToDatabase(field, value);
    case 'integer':
    case 'float':
      return numberToDatabase(field, value);
    case 'bigint':
      return bigintToDatabase(field, value);
    case 'decimal':
      return decimalToDatabase(field, value, kind);
    case 'boolean':
      return booleanToDatabase(field, value, kind);
    case 'json':
      return JSON.stringify(value);
    case 'datetime':
      return datetimeToDatabase(dateOf(field, value), kind);
    case 'date':
      return dateToDatabase(field, value);
    case 'time':
      return timeToDatabase(field, value);
  }
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
  switch (field.type) {
    case 'string':
    case 'text':
    case 'enum':
    case 'uuid':
    case 'autocode':
      return textOf(value);
    case 'integer':
    case 'float':
    case 'decimal':
      return Number(value);
    case 'bigint':
      return bigintFromDatabase(value);
    case 'boolean':
      return booleanFromDatabase(value);
    case 'json':
      return jsonFromDatabase(value, kind);
    case 'datetime':
      return datetimeFromDatabase(value);
    case 'date':
      return dateFromDatabase(value, kind);
    case 'time':
      return textOf(value).slice(0, 8);
  }
}

function invalid(field: FieldDef, value: unknown, what: string): never {
  throw invalidPayload(`${JSON.stringify(value)} is not a valid ${what} for field "${field.field}".`, field.field);
}

function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

function textToDatabase(field: FieldDef, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return invalid(field, value, 'string');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** UUIDs are checked here, since PostgreSQL's uuid type would refuse anything else with an error. */
function uuidToDatabase(field: FieldDef, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) return invalid(field, value, 'UUID');
  return value.toLowerCase();
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function numberToDatabase(field: FieldDef, value: unknown): number {
  const number = typeof value === 'string' && NUMERIC.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) return invalid(field, value, field.type === 'integer' ? 'integer' : 'number');
  if (field.type === 'integer' && !Number.isInteger(number)) return invalid(field, value, 'integer');
  return number;
}

/** Integers beyond 2^53 travel as strings so that no digit is lost. */
function bigintToDatabase(field: FieldDef, value: unknown): number | string {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value.trim();
  }
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return invalid(field, value, 'integer');
}

/** A decimal given as a string keeps its digits (PostgreSQL and MySQL compute exactly); SQLite stores REAL. */
function decimalToDatabase(field: FieldDef, value: unknown, kind: DatabaseKind): number | string {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return kind === 'sqlite' ? Number(value) : value.trim();
  return invalid(field, value, 'decimal');
}

const TRUE_VALUES = new Set<unknown>([true, 1, '1', 'true', 't']);
const FALSE_VALUES = new Set<unknown>([false, 0, '0', 'false', 'f']);

function booleanToDatabase(field: FieldDef, value: unknown, kind: DatabaseKind): boolean | number {
  const normalized = typeof value === 'string' ? value.toLowerCase() : value;
  let bool: boolean;
  if (TRUE_VALUES.has(normalized)) bool = true;
  else if (FALSE_VALUES.has(normalized)) bool = false;
  else return invalid(field, value, 'boolean');
  if (kind === 'postgres') return bool;
  return bool ? 1 : 0;
}

function booleanFromDatabase(value: unknown): boolean {
  if (Buffer.isBuffer(value)) return value.length > 0 && value[0] !== 0;
  if (typeof value === 'string') return TRUE_VALUES.has(value.toLowerCase());
  return TRUE_VALUES.has(value) || (typeof value === 'number' && value !== 0) || (typeof value === 'bigint' && value !== 0n);
}

function bigintFromDatabase(value: unknown): number | string {
  const text = typeof value === 'bigint' ? value.toString() : String(value);
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : text;
}

/**
 * JSON columns: PostgreSQL's driver parses jsonb itself, so its value is final. MariaDB's JSON is
 * LONGTEXT and SQLite stores text, so a string is parsed — and kept as it is when it is not JSON
 * (MySQL proper parses JSON columns and may hand back a plain string).
 */
function jsonFromDatabase(value: unknown, kind: DatabaseKind): unknown {
  if (kind === 'postgres') return value;
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A moment from a Date, an ISO 8601 string (UTC when it names no zone) or epoch milliseconds. */
function dateOf(field: FieldDef, value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? parseMoment(value) : typeof value === 'number' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return invalid(field, value, 'datetime');
  return date;
}

/** Parses a datetime string; one without a zone (as MySQL and SQLite may hold) is read as UTC. */
function parseMoment(text: string): Date | null {
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

function datetimeFromDatabase(value: unknown): string | null {
  const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value) : parseMoment(textOf(value));
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

function dateToDatabase(field: FieldDef, value: unknown): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const day = value.trim().slice(0, 10);
    if (!Number.isNaN(new Date(`${day}T00:00:00Z`).getTime())) return day;
  }
  return invalid(field, value, 'date');
}

/**
 * A date column read as a Date: node-postgres builds it at local midnight, mysql2 (with timezone 'Z',
 * as Cairn connects) at UTC midnight.
 */
function dateFromDatabase(value: unknown, kind: DatabaseKind): string {
  if (!(value instanceof Date)) return textOf(value).slice(0, 10);
  if (kind !== 'postgres') return value.toISOString().slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}

function timeToDatabase(field: FieldDef, value: unknown): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(11, 19);
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value.trim()) : null;
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59 || Number(match[3] ?? 0) > 59) return invalid(field, value, 'time');
  return `${match[1]}:${match[2]}:${match[3] ?? '00'}`;
}

/** The largest integer a JSON number holds exactly (2^53 - 1): bigints beyond it are answered as strings. */
const MAX_SAFE = '9007199254740991';

/**
 * fromDatabase written as PostgreSQL SQL: an expression that turns a column (`column`, already
 * quoted) into the jsonb value fromDatabase answers for it. Only the one-statement create uses it, so
 * its revision holds the stored row without a second round trip; the revisions tests compare what it
 * gives with what the read path answers, field type by field type.
 */
export function postgresJsonOf(field: FieldDef, column: string): string {
  switch (field.type) {
    case 'string':
    case 'text':
    case 'enum':
    case 'uuid':
    case 'autocode':
      return `to_jsonb(CAST(${column} AS text))`;
    case 'integer':
    case 'float':
    case 'decimal':
    case 'boolean':
      return `to_jsonb(${column})`;
    case 'bigint':
      return `CASE WHEN ${column} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE} THEN to_jsonb(${column}) ELSE to_jsonb(CAST(${column} AS text)) END`;
    case 'json':
      return column;
    case 'datetime':
      return `to_jsonb(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
    case 'date':
      return `to_jsonb(to_char(${column}, 'YYYY-MM-DD'))`;
    case 'time':
      return `to_jsonb(substr(CAST(${column} AS text), 1, 8))`;
  }
}
