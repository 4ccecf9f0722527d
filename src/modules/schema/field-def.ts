import type { FieldDef, FieldTypeName } from './schema.types';

/** A field definition with every option at its default, for fields Cairn defines itself. */
export function fieldDef(field: string, type: FieldTypeName, options: Partial<FieldDef> = {}): FieldDef {
  return {
    field,
    type,
    system: false,
    primaryKey: false,
    required: false,
    unique: false,
    index: false,
    defaultValue: null,
    length: null,
    precision: null,
    scale: null,
    values: null,
    autocode: null,
    validation: {},
    note: null,
    ...options,
  };
}
