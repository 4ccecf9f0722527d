import { AppError, invalidPayload } from '../../common/errors/app-error';
import type { FilterNode, QueryContext } from '../../engine/query/query.ast';
import { fieldType, FieldValueError } from '../schema/field-types';
import type { CollectionDef, FieldDef, FieldValidation } from '../schema/schema.types';
import { policyVariable } from './policy-variables';

/** What an app role may do with one collection for one write action. */
export interface WriteGrant {
  /** The user fields it may set; a preset field needs not be among them. */
  fields: ReadonlySet<string>;
  /**
   * The rows it may touch: an update or delete reaches only rows that match, and a create or update
   * must leave rows that match. Null: any row.
   */
  filter: FilterNode | null;
  /** Rules added to the fields' own, for this role. */
  validation: Record<string, FieldValidation>;
  /** Values forced on the written rows, as JSON; variables (`$CURRENT_USER`, `$CURRENT_ROLE`, `$NOW`) are resolved when writing. */
  presets: Record<string, unknown>;
}

/**
 * A preset's value as a request would send it: a variable resolved from the context. Without a
 * context (when a policy is saved) the value is only checked: a known variable, or a value of the
 * field's type. Written values then go through the same validation as the request's own.
 */
export function presetValue(field: FieldDef, raw: unknown, where: string, ctx: QueryContext | null): unknown {
  const variable = typeof raw === 'string' ? policyVariable(raw, where) : null;
  if (variable) {
    if (ctx === null) return raw;
    if (variable.variable === 'CURRENT_USER') return ctx.userId;
    if (variable.variable === 'CURRENT_ROLE') return ctx.role;
    const now = new Date(ctx.now.getTime() + (variable.offsetMs ?? 0)).toISOString();
    return field.type === 'date' ? now.slice(0, 10) : field.type === 'time' ? now.slice(11, 19) : now;
  }
  if (ctx === null && raw !== null) {
    try {
      fieldType(field.type).parse(raw, field);
    } catch (error) {
      if (error instanceof FieldValueError) throw invalidPayload(`Invalid payload: the preset of "${field.field}" ${error.message}.`, where);
      throw error;
    }
  }
  return raw;
}

/** Refuses (403) an item that sets a field the grant does not cover; nothing is written then. */
export function checkWritableFields(input: unknown, grant: WriteGrant, action: string, where: string): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
  for (const key of Object.keys(input)) {
    // The key of an update in a batch names the item; it is not written.
    if (key === 'id' && action === 'update') continue;
    if (!grant.fields.has(key)) throw new AppError('FORBIDDEN', `You may not ${action} "${key}".`, { field: where ? `${where}.${key}` : key });
  }
}

/** The item with the grant's presets forced on it, variables resolved. */
export function withPresets(input: unknown, grant: WriteGrant, collection: CollectionDef, ctx: QueryContext): unknown {
  const names = Object.keys(grant.presets);
  if (names.length === 0 || typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const forced: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const name of names) {
    const field = collection.fields.find((f) => f.field === name);
    if (field) forced[name] = presetValue(field, grant.presets[name], `presets.${name}`, ctx);
  }
  return forced;
}

/** The collection as the role writes it: each field's rules plus the grant's. */
export function withGrantValidation(collection: CollectionDef, grant: WriteGrant): CollectionDef {
  if (Object.keys(grant.validation).length === 0) return collection;
  return { ...collection, fields: collection.fields.map((field) => (grant.validation[field.field] ? { ...field, validation: { ...field.validation, ...grant.validation[field.field] } } : field)) };
}
