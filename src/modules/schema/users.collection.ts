import { fieldDef } from './field-def';
import type { CollectionDef, FieldDef, FieldTypeName, RelationDef, WorkspaceSchema } from './schema.types';

/**
 * The people a field of an item may name: the workspace's app users and members (platform accounts),
 * described as one read-only collection so that `created_by.email`, `author.*`, filters and sorts
 * through such a field are read with the items' parser, policies and compiler. Its name starts with
 * `cairn_`, which no collection of a workspace may, so it never shadows one; policies name it to let an
 * app role read people (read only, and only these fields).
 */
export const USERS = 'cairn_users';

/** The two kinds of people, as `kind` answers them and as the field types that relate to one kind are named. */
export const USER_KINDS = ['app_user', 'member'] as const;
export type UserKind = (typeof USER_KINDS)[number];

/** The field types whose values are the ids of people of one kind. */
export const USER_FIELD_TYPES: readonly FieldTypeName[] = USER_KINDS;

export function isUserFieldType(type: FieldTypeName): type is UserKind {
  return (USER_FIELD_TYPES as readonly string[]).includes(type);
}

/** The system fields that name who wrote an item: a member or an app user, null for an API key or a flow. */
const AUTHOR_FIELDS = ['created_by', 'updated_by'];

const shown = (name: string, type: FieldTypeName, length: number | null) => fieldDef(name, type, { system: true, primaryKey: name === 'id', length });

/**
 * What anyone who may read an item's user field is shown of the user, at most: its id, kind, email and
 * name (members have a name; app users have none, null). The table is the `cairn_people` view, which
 * holds nothing else, so a password hash, token or session can not be reached by any path.
 */
export const USERS_COLLECTION: CollectionDef = {
  name: USERS,
  table: 'cairn_people',
  primaryKey: 'uuid',
  note: "The workspace's app users and members, as items' user fields show them.",
  relationTargetOnly: true,
  fields: [shown('id', 'uuid', null), shown('kind', 'string', 16), shown('email', 'string', 255), shown('name', 'string', 255)],
};

/** Whether a field's values are ids of people: created_by, updated_by, or a field of an app_user or member type. */
export function isUserField(collection: CollectionDef, field: FieldDef): boolean {
  return isUserFieldType(field.type) || (field.system && AUTHOR_FIELDS.includes(field.field) && !collection.external);
}

/**
 * The schema with `cairn_users` and a many-to-one to it from every user field of Cairn's own
 * collections. These relations have no foreign key: people live in platform tables, and a person's
 * deletion must not rewrite every workspace's tables; a deleted person's id reads as null when expanded.
 */
export function withUsers(schema: WorkspaceSchema): WorkspaceSchema {
  const relations: RelationDef[] = [];
  for (const collection of schema.collections.values()) {
    for (const field of collection.fields) {
      if (isUserField(collection, field)) relations.push(userRelation(collection.name, field.field));
    }
  }
  const collections = new Map(schema.collections);
  collections.set(USERS, USERS_COLLECTION);
  return { ...schema, collections, relations: [...schema.relations, ...relations] };
}

function userRelation(collection: string, field: string): RelationDef {
  return { id: `${USERS}:${collection}.${field}`, collection, field, relatedCollection: USERS, onDelete: 'SET NULL', oneField: null, junction: null };
}
