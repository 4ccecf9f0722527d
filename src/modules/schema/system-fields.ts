import { fieldDef } from './field-def';
import type { FieldDef, PrimaryKeyType } from './schema.types';

/** The fields every collection has; clients read them but never write them. */
export const SYSTEM_FIELD_NAMES = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by'] as const;

export function systemFields(primaryKey: PrimaryKeyType): FieldDef[] {
  return [
    fieldDef('id', primaryKey, { system: true, primaryKey: true }),
    fieldDef('created_at', 'datetime', { system: true }),
    fieldDef('updated_at', 'datetime', { system: true }),
    fieldDef('created_by', 'uuid', { system: true }),
    fieldDef('updated_by', 'uuid', { system: true }),
  ];
}
