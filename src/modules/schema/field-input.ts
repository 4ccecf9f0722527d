import { invalidPayload } from '../../common/errors/app-error';
import { fieldType, FieldValueError } from './field-types';
import { checkFieldName } from './names';
import { FIELD_TYPES, FieldDef, FieldTypeName, FieldValidation, ValidationRuleName } from './schema.types';

const RULES: readonly ValidationRuleName[] = ['required', 'email', 'url', 'regex', 'min', 'max', 'min_length', 'max_length', 'enum'];
const OPTION_KEYS = new Set(['field', 'type', 'required', 'unique', 'index', 'default', 'length', 'precision', 'scale', 'values', 'autocode', 'validation', 'note']);
/** Types whose columns cannot carry a plain unique index on every database (MySQL needs a prefix length). */
const UNINDEXABLE = new Set<FieldTypeName>(['text', 'json']);
const MAX_REGEX_LENGTH = 500;

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalInteger(raw: Raw, key: string, where: string, min: number, max: number): number | null {
  const value = raw[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidPayload(`Invalid payload: ${key} must be an integer from ${min} to ${max}.`, `${where}.${key}`);
  }
  return value;
}

function optionalBoolean(raw: Raw, key: string, where: string): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalidPayload(`Invalid payload: ${key} must be true or false.`, `${where}.${key}`);
  return value;
}

/** Reads `validation`: each rule as its argument, or as `{value, message}` for a custom message. */
export function parseValidation(raw: unknown, where: string): FieldValidation {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw invalidPayload('Invalid payload: validation must be an object of rules.', where);
  const rules: FieldValidation = {};
  for (const [name, spec] of Object.entries(raw)) {
    if (!(RULES as readonly string[]).includes(name)) throw invalidPayload(`Invalid payload: unknown validation rule "${name}".`, `${where}.${name}`);
    const rule = name as ValidationRuleName;
    const { value, message } = isObject(spec) && 'value' in spec ? spec : { value: spec, message: undefined };
    if (message !== undefined && typeof message !== 'string') throw invalidPayload('Invalid payload: a rule message must be a string.', `${where}.${name}.message`);
    const bad = () => invalidPayload(`Invalid payload: the argument of rule "${name}" is invalid.`, `${where}.${name}`);
    switch (rule) {
      case 'required':
      case 'email':
      case 'url':
        if (typeof value !== 'boolean') throw bad();
        if (!value) continue;
        break;
      case 'regex':
        if (typeof value !== 'string' || value.length > MAX_REGEX_LENGTH) throw bad();
        try {
          new RegExp(value, 'u');
        } catch {
          throw bad();
        }
        break;
      case 'min':
      case 'max':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
        break;
      case 'min_length':
      case 'max_length':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw bad();
        break;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' || typeof v === 'number')) throw bad();
        break;
    }
    rules[rule] = message === undefined ? { value } : { value, message: message as string };
  }
  return rules;
}

/** Reads a field definition from a request body (POST /collections fields[], POST /fields). */
export function parseFieldInput(raw: unknown, where = 'field'): FieldDef {
  if (!isObject(raw)) throw invalidPayload('Invalid payload: a field must be an object.', where);
  for (const key of Object.keys(raw)) {
    if (!OPTION_KEYS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a field option.`, `${where}.${key}`);
  }
  const name = checkFieldName(raw.field, `${where}.field`);
  if (typeof raw.type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(raw.type)) {
    throw invalidPayload(`Invalid payload: type must be one of ${FIELD_TYPES.join(', ')}.`, `${where}.type`);
  }
  const type = raw.type as FieldTypeName;
  const definition: FieldDef = {
    field: name,
    type,
    system: false,
    primaryKey: false,
    required: optionalBoolean(raw, 'required', where),
    unique: optionalBoolean(raw, 'unique', where) || type === 'autocode',
    index: optionalBoolean(raw, 'index', where),
    defaultValue: null,
    length: type === 'string' ? (optionalInteger(raw, 'length', where, 1, 4000) ?? 255) : null,
    precision: type === 'decimal' ? (optionalInteger(raw, 'precision', where, 1, 38) ?? 10) : null,
    scale: type === 'decimal' ? (optionalInteger(raw, 'scale', where, 0, 30) ?? 2) : null,
    values: null,
    autocode: null,
    validation: parseValidation(raw.validation, `${where}.validation`),
    note: null,
  };
  if (definition.scale !== null && definition.precision !== null && definition.scale > definition.precision) {
    throw invalidPayload('Invalid payload: scale cannot exceed precision.', `${where}.scale`);
  }
  if (raw.note !== undefined && raw.note !== null) {
    if (typeof raw.note !== 'string' || raw.note.length > 2000) throw invalidPayload('Invalid payload: note must be a string of at most 2000 characters.', `${where}.note`);
    definition.note = raw.note;
  }
  if (type === 'enum') {
    const values = raw.values;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 255) || new Set(values).size !== values.length) {
      throw invalidPayload('Invalid payload: an enum field needs "values", a list of distinct non-empty strings.', `${where}.values`);
    }
    definition.values = values as string[];
  } else if (raw.values !== undefined && raw.values !== null) {
    throw invalidPayload('Invalid payload: only enum fields take "values".', `${where}.values`);
  }
  if (type === 'autocode') {
    const spec = raw.autocode;
    if (!isObject(spec) || typeof spec.prefix !== 'string' || !/^[A-Za-z0-9_-]{0,16}$/.test(spec.prefix)) {
      throw invalidPayload('Invalid payload: an autocode field needs autocode.prefix (up to 16 letters, digits, "-" or "_").', `${where}.autocode`);
    }
    const padding = spec.padding ?? 4;
    if (typeof padding !== 'number' || !Number.isInteger(padding) || padding < 1 || padding > 18) {
      throw invalidPayload('Invalid payload: autocode.padding must be an integer from 1 to 18.', `${where}.autocode.padding`);
    }
    definition.autocode = { prefix: spec.prefix, padding };
  } else if (raw.autocode !== undefined && raw.autocode !== null) {
    throw invalidPayload('Invalid payload: only autocode fields take "autocode".', `${where}.autocode`);
  }
  if ((definition.unique || definition.index) && UNINDEXABLE.has(type)) {
    throw invalidPayload(`Invalid payload: a ${type} field cannot be unique or indexed; use a string field.`, `${where}.${definition.unique ? 'unique' : 'index'}`);
  }
  if (raw.default !== undefined && raw.default !== null) {
    if (type === 'autocode') throw invalidPayload('Invalid payload: an autocode field cannot have a default.', `${where}.default`);
    try {
      definition.defaultValue = fieldType(type).parse(raw.default, definition);
    } catch (error) {
      if (error instanceof FieldValueError) throw invalidPayload(`Invalid payload: default ${error.message}.`, `${where}.default`);
      throw error;
    }
  }
  if (definition.required) definition.validation.required ??= { value: true };
  return definition;
}

/** A field definition as the API shows it. */
export function toFieldDto(collection: string, field: FieldDef): Record<string, unknown> {
  return {
    collection,
    field: field.field,
    type: field.type,
    system: field.system,
    primary_key: field.primaryKey,
    required: field.required,
    unique: field.unique,
    index: field.index,
    default: field.defaultValue,
    length: field.length,
    precision: field.precision,
    scale: field.scale,
    values: field.values,
    autocode: field.autocode,
    validation: Object.fromEntries(Object.entries(field.validation).map(([rule, spec]) => [rule, spec.message ? spec : spec.value])),
    note: field.note,
  };
}
