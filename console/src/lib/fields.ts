import type { Field, FieldType } from '../api/types';
import { personKey } from './people';

export const VALIDATION_RULES = ['required', 'email', 'url', 'regex', 'min', 'max', 'min_length', 'max_length'] as const;
export type RuleName = (typeof VALIDATION_RULES)[number];

/** The rules whose argument is a flag rather than a value. */
const FLAG_RULES = new Set<RuleName>(['required', 'email', 'url']);

/** A field as the schema builder's form holds it: every option as text, as typed. */
export interface FieldDraft {
  field: string;
  type: FieldType;
  required: boolean;
  unique: boolean;
  index: boolean;
  defaultValue: string;
  length: string;
  precision: string;
  scale: string;
  values: string;
  prefix: string;
  padding: string;
  note: string;
  rules: Partial<Record<RuleName, { value: string; message: string }>>;
}

export function emptyDraft(type: FieldType = 'string'): FieldDraft {
  return { field: '', type, required: false, unique: false, index: false, defaultValue: '', length: '', precision: '', scale: '', values: '', prefix: '', padding: '', note: '', rules: {} };
}

/**
 * The options each type takes besides the common ones. `column`: the field is a column, with the common
 * options (required, rules, note); a `files` field is none, only a junction the server makes.
 */
export function optionsOf(type: FieldType): { column: boolean; length: boolean; precision: boolean; values: boolean; autocode: boolean; indexable: boolean; defaultable: boolean } {
  const column = type !== 'files';
  return {
    column,
    length: type === 'string',
    precision: type === 'decimal',
    values: type === 'enum',
    autocode: type === 'autocode',
    indexable: column && type !== 'text' && type !== 'json',
    defaultable: column && type !== 'autocode' && type !== 'file',
  };
}

/** A value typed as text, read as the type's JSON value; text that is not one stays text for the server to refuse. */
export function parseValue(type: FieldType | 'alias', text: string): unknown {
  if (text === '') return null;
  switch (type) {
    case 'integer':
    case 'float': {
      const number = Number(text);
      return Number.isFinite(number) && text.trim() !== '' ? number : text;
    }
    case 'bigint':
      return /^-?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    case 'datetime':
      // datetime-local inputs give no zone: the console shows and writes UTC.
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text.length === 16 ? `${text}:00` : text}Z` : text;
    case 'decimal':
    case 'string':
    case 'text':
    case 'date':
    case 'time':
    case 'uuid':
    case 'file':
    case 'files':
    case 'enum':
    case 'autocode':
    case 'app_user':
    case 'member':
    case 'alias':
      return text;
  }
}

/** Text that cannot be sent as its field's value; `field` names where the form shows the message. */
export class InvalidText extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidText';
  }
}

/**
 * parseValue for a write. JSON text that does not parse is refused here: the API would take it as a JSON
 * string and store it, so the user would never hear that the text was not the JSON they meant.
 */
export function parseForWrite(field: string, type: FieldType | 'alias', text: string): unknown {
  if (type !== 'json') return parseValue(type, text);
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidText(field, `"${field}" is not valid JSON: ${(error as Error).message}`);
  }
}

/** A stored value as the text its input shows. */
export function formatValue(type: FieldType | 'alias', value: unknown): string {
  if (value === null || value === undefined) return '';
  if (type === 'json') return JSON.stringify(value, null, 2);
  // A user field read expanded (the grid reads names beside ids): its text is the id it holds.
  const key = personKey(value);
  if (key !== null) return key;
  if (type === 'datetime' && typeof value === 'string') return value.replace(/(\.\d+)?Z$/, '').slice(0, 19);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The body of POST /fields or PATCH /fields/{field} for a draft. */
export function toFieldPayload(draft: FieldDraft): Record<string, unknown> {
  const options = optionsOf(draft.type);
  const body: Record<string, unknown> = { field: draft.field.trim(), type: draft.type };
  if (!options.column) return body;
  if (draft.required) body.required = true;
  if (options.indexable && draft.type !== 'autocode') {
    if (draft.unique) body.unique = true;
    if (draft.index) body.index = true;
  }
  if (options.length && draft.length) body.length = Number(draft.length);
  if (options.precision) {
    if (draft.precision) body.precision = Number(draft.precision);
    if (draft.scale) body.scale = Number(draft.scale);
  }
  if (options.values) body.values = draft.values.split(',').map((value) => value.trim()).filter(Boolean);
  if (options.autocode) {
    const autocode: Record<string, unknown> = {};
    if (draft.prefix) autocode.prefix = draft.prefix;
    if (draft.padding) autocode.padding = Number(draft.padding);
    body.autocode = autocode;
  }
  if (options.defaultable && draft.defaultValue !== '') body.default = parseForWrite('default', draft.type, draft.defaultValue);
  if (draft.note.trim()) body.note = draft.note.trim();
  const validation: Record<string, unknown> = {};
  for (const rule of VALIDATION_RULES) {
    const spec = draft.rules[rule];
    if (!spec) continue;
    const value = FLAG_RULES.has(rule) ? true : rule === 'regex' ? spec.value : Number(spec.value);
    validation[rule] = spec.message ? { value, message: spec.message } : value;
  }
  if (Object.keys(validation).length > 0) body.validation = validation;
  return body;
}

/** A field of the registry as a draft, for editing. */
export function toDraft(field: Field): FieldDraft {
  const rules: FieldDraft['rules'] = {};
  for (const [rule, spec] of Object.entries(field.validation ?? {})) {
    if (!(VALIDATION_RULES as readonly string[]).includes(rule)) continue;
    if (rule === 'required') continue;
    const { value, message } = typeof spec === 'object' && spec !== null && 'value' in spec ? (spec as { value: unknown; message?: string }) : { value: spec, message: undefined };
    rules[rule as RuleName] = { value: FLAG_RULES.has(rule as RuleName) ? '' : String(value), message: message ?? '' };
  }
  const type = field.type === 'alias' ? 'string' : field.type;
  return {
    field: field.field,
    type,
    required: Boolean(field.required),
    unique: Boolean(field.unique),
    index: Boolean(field.index),
    defaultValue: field.default === null || field.default === undefined ? '' : formatValue(type, field.default),
    length: field.length ? String(field.length) : '',
    precision: field.precision ? String(field.precision) : '',
    scale: field.scale !== null && field.scale !== undefined ? String(field.scale) : '',
    values: (field.values ?? []).join(', '),
    prefix: field.autocode?.prefix ?? '',
    padding: field.autocode ? String(field.autocode.padding) : '',
    note: field.note ?? '',
    rules,
  };
}

/** The fields of a draft that differ from the field as it is: the PATCH body. */
export function changedOptions(before: Field, draft: FieldDraft): Record<string, unknown> {
  const now = toFieldPayload(draft);
  const was = toFieldPayload(toDraft(before));
  const changes: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(now), ...Object.keys(was)])) {
    if (JSON.stringify(now[key]) !== JSON.stringify(was[key])) changes[key] = key in now ? now[key] : key === 'unique' || key === 'index' || key === 'required' ? false : null;
  }
  return changes;
}
