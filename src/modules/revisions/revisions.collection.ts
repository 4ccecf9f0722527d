import { ACTIVITY_COLLECTION } from '../audit/activity.collection';
import { fieldDef } from '../schema/field-def';
import type { CollectionDef, FieldTypeName, RelationDef, WorkspaceSchema } from '../schema/schema.types';

const field = (name: string, type: FieldTypeName, primaryKey = false) => fieldDef(name, type, { system: true, primaryKey });

/**
 * The revisions described like a collection, so they are read with the items' query language, parser
 * and compiler. Their table is shared by all workspaces; the reader forces the workspace filter.
 */
export const REVISIONS_COLLECTION: CollectionDef = {
  name: 'revisions',
  table: 'cairn_revisions',
  primaryKey: 'uuid',
  note: 'Each item as it was after each change, and what the change wrote.',
  fields: [
    field('id', 'uuid', true),
    field('activity', 'uuid'),
    field('workspace_id', 'uuid'),
    field('collection', 'string'),
    field('item', 'string'),
    field('data', 'json'),
    field('delta', 'json'),
    field('created_at', 'datetime'),
  ],
};

/**
 * `activity` leads to the change's activity row, so `fields=*,activity.actor_id` and
 * `filter[activity][action][_eq]=delete` work as they do on items.
 */
const REVISION_ACTIVITY: RelationDef = {
  id: 'revisions.activity',
  collection: REVISIONS_COLLECTION.name,
  field: 'activity',
  relatedCollection: ACTIVITY_COLLECTION.name,
  onDelete: 'RESTRICT',
  oneField: null,
  junction: null,
};

/** The schema revisions are read against: the revisions, and the activity log they link to. */
export function revisionsSchema(workspaceId: string): WorkspaceSchema {
  return {
    workspaceId,
    version: 0,
    collections: new Map([
      [REVISIONS_COLLECTION.name, REVISIONS_COLLECTION],
      [ACTIVITY_COLLECTION.name, ACTIVITY_COLLECTION],
    ]),
    relations: [REVISION_ACTIVITY],
    indexes: [],
  };
}
