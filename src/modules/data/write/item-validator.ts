import { AppError, invalidPayload } from '../../../common/errors/app-error';
import { fieldType, FieldValueError } from '../../schema/field-types';
import { findField, findRelationalField } from '../../schema/schema.lookup';
import type { CollectionDef, FieldDef, ValidationRuleName, WorkspaceSchema } from '../../schema/schema.types';

type Raw = Record<string, unknown>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const DEFAULT_MESSAGES: Record<ValidationRuleName, (argument: unknown) => string> = {
  required: () => 'is required',
  email: () => 'must be an email address',
  url: () => 'must be an http or https URL',
  regex: () => 'does not have the required format',
  min: (argument) => `must be at least ${String(argument)}`,
  max: (argument) => `must be at most ${String(argument)}`,
  min_length: (argument) => `must have at least ${String(argument)} characters`,
  max_length: (argument) => `must have at most ${String(argument)} characters`,
  enum: (argument) => `must be one of ${(argument as unknown[]).join(', ')}`,
};

interface Failure {
  field: string;
  rule: ValidationRuleName;
  message: string;
}

function failureError(failures: Failure[]): AppError {
  const [first, ...rest] = failures;
  const error = new AppError('VALIDATION_FAILED', first.message, { field: first.field, rule: first.rule });
  error.more.push(...rest.map((failure) => ({ message: failure.message, extensions: { field: failure.field, rule: failure.rule } })));
  return error;
}

/**
 * Turns one item of a request body into the values to write: known fields only, each parsed by its
 * type (a wrong type is 400 naming the field), then each field's validation rules (422 per field).
 */
export class ItemValidator {
  constructor(
    private readonly schema: WorkspaceSchema,
    private readonly collection: CollectionDef,
  ) {}

  forCreate(raw: unknown, where: string): Raw {
    const values = this.parse(raw, where, 'create');
    for (const field of this.userFields()) {
      if (values[field.field] === undefined && field.defaultValue !== null) values[field.field] = field.defaultValue;
    }
    this.check(values, where, 'create');
    return values;
  }

  forUpdate(raw: unknown, where: string): Raw {
    const values = this.parse(raw, where, 'update');
    this.check(values, where, 'update');
    return values;
  }

  private userFields(): FieldDef[] {
    return this.collection.fields.filter((field) => !field.system);
  }

  private parse(raw: unknown, where: string, mode: 'create' | 'update'): Raw {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidPayload('Invalid payload: an item must be a JSON object.', where || undefined);
    const values: Raw = {};
    for (const [key, value] of Object.entries(raw)) {
      const path = where ? `${where}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a field.`, path);
      const field = findField(this.collection, key);
      if (!field) {
        const relational = findRelationalField(this.schema, this.collection.name, key);
        throw invalidPayload(
          relational ? `Invalid payload: "${key}" is a ${relational.kind} relation; write its items through their own collection.` : `Invalid payload: "${key}" is not a field of "${this.collection.name}".`,
          path,
        );
      }
      if (field.system) {
        if (field.primaryKey && mode === 'create' && value !== undefined && value !== null) {
          values[key] = this.parseValue(field, value, path);
          continue;
        }
        if (field.primaryKey && mode === 'update') continue;
        throw invalidPayload(`Invalid payload: "${key}" is set by Cairn and cannot be written.`, path);
      }
      // Generated values are Cairn's to write: not even null is accepted for them.
      values[key] = value === null && !fieldType(field.type).generated ? null : this.parseValue(field, value, path);
    }
    return values;
  }

  private parseValue(field: FieldDef, value: unknown, path: string): unknown {
    try {
      return fieldType(field.type).parse(value, field);
    } catch (error) {
      if (error instanceof FieldValueError) throw invalidPayload(`Invalid payload: "${field.field}" ${error.message}.`, path);
      throw error;
    }
  }

  private check(values: Raw, where: string, mode: 'create' | 'update'): void {
    const failures: Failure[] = [];
    for (const field of this.userFields()) {
      const present = field.field in values;
      const value = values[field.field];
      const path = where ? `${where}.${field.field}` : field.field;
      const rules = field.validation;
      const fail = (rule: ValidationRuleName) => failures.push({ field: path, rule, message: rules[rule]?.message ?? `"${field.field}" ${DEFAULT_MESSAGES[rule](rules[rule]?.value)}.` });
      const type = fieldType(field.type);
      const required = field.required || rules.required?.value === true;
      // Generated fields are filled by Cairn after validation.
      if (required && !type.generated && (mode === 'create' || present) && (value === undefined || value === null || value === '')) {
        fail('required');
        continue;
      }
      if (value === undefined || value === null) continue;
      if (rules.email && !(typeof value === 'string' && EMAIL.test(value))) fail('email');
      if (rules.url && !isHttpUrl(value)) fail('url');
      if (rules.regex && !(typeof value === 'string' && new RegExp(String(rules.regex.value), 'u').test(value))) fail('regex');
      if (rules.min && typeof value === 'number' && value < Number(rules.min.value)) fail('min');
      if (rules.max && typeof value === 'number' && value > Number(rules.max.value)) fail('max');
      if (rules.min_length && typeof value === 'string' && [...value].length < Number(rules.min_length.value)) fail('min_length');
      if (rules.max_length && typeof value === 'string' && [...value].length > Number(rules.max_length.value)) fail('max_length');
      if (rules.enum && !(rules.enum.value as unknown[]).includes(value)) fail('enum');
      const maxLength = type.maxLength?.(field) ?? null;
      if (maxLength !== null && typeof value === 'string' && [...value].length > maxLength && !rules.max_length) {
        failures.push({ field: path, rule: 'max_length', message: `"${field.field}" must have at most ${maxLength} characters.` });
      }
    }
    if (failures.length > 0) throw failureError(failures);
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
