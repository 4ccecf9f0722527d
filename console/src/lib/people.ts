import type { Field } from '../api/types';

/**
 * User fields: created_by, updated_by and the fields of the `app_user` and `member` types hold the ids of
 * people, which the API expands to `cairn_users` (id, kind, email, name). The grid reads them expanded to
 * show a readable name; everything that edits a value works with the id.
 */
export const USER_FIELD_TYPES = ['app_user', 'member'] as const;
export type UserFieldType = (typeof USER_FIELD_TYPES)[number];

/** A person as `cairn_users` answers one. */
export interface Person {
  id: string;
  kind?: string;
  email?: string | null;
  name?: string | null;
}

export function isUserFieldType(type: Field['type']): type is UserFieldType {
  return (USER_FIELD_TYPES as readonly string[]).includes(type);
}

export function isUserField(field: Field): boolean {
  return isUserFieldType(field.type) || (field.system === true && (field.field === 'created_by' || field.field === 'updated_by'));
}

/** The `fields` parameter of a grid page that names people: every column, and each user field's person; undefined when there is none. */
export function pageFields(fields: readonly Field[]): string | undefined {
  const people = fields.filter(isUserField);
  if (people.length === 0) return undefined;
  return ['*', ...people.flatMap((field) => ['id', 'email', 'name'].map((part) => `${field.field}.${part}`))].join(',');
}

function isPerson(value: unknown): value is Person {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string';
}

/** The id a user field's value holds, read expanded or not; null for anything else. */
export function personKey(value: unknown): string | null {
  return isPerson(value) ? value.id : null;
}

/** What a person is shown as: the name, else the email, else the id. */
export function personLabel(person: Person): string {
  return person.name || person.email || person.id;
}

/** The labels of the people that rows read expanded name, by id: for cells whose value came as a bare id (a live change). */
export function peopleLabels(rows: ReadonlyArray<Record<string, unknown>>, fields: readonly Field[]): Map<string, string> {
  const labels = new Map<string, string>();
  const people = fields.filter(isUserField);
  for (const row of rows) {
    for (const field of people) {
      const value = row[field.field];
      if (isPerson(value)) labels.set(value.id, personLabel(value));
    }
  }
  return labels;
}

/** A user field's cell: the person's label when known, else the id. */
export function personCell(value: unknown, labels: ReadonlyMap<string, string>): string {
  if (isPerson(value)) return personLabel(value);
  return typeof value === 'string' ? (labels.get(value) ?? value) : String(value);
}
