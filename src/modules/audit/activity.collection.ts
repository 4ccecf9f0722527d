import { fieldDef } from '../schema/field-def';
import type { CollectionDef, FieldTypeName, WorkspaceSchema } from '../schema/schema.types';

const field = (name: string, type: FieldTypeName, primaryKey = false) => fieldDef(name, type, { system: true, primaryKey });

/**
 * The activity log described like a collection, so it is read with the same query language, parser
 * and compiler as items. Its table is shared by all workspaces; the reader forces the workspace filter.
 */
export const ACTIVITY_COLLECTION: CollectionDef = {
  name: 'activity',
  table: 'cairn_activity',
  primaryKey: 'uuid',
  note: 'Who did what to which item, when and from where.',
  fields: [
    field('id', 'uuid', true),
    field('workspace_id', 'uuid'),
    field('action', 'string'),
    field('collection', 'string'),
    field('item', 'string'),
    field('actor_type', 'string'),
    field('actor_id', 'string'),
    field('ip', 'string'),
    field('user_agent', 'string'),
    field('created_at', 'datetime'),
  ],
};

export function activitySchema(workspaceId: string): WorkspaceSchema {
  return { workspaceId, version: 0, collections: new Map([[ACTIVITY_COLLECTION.name, ACTIVITY_COLLECTION]]), relations: [], indexes: [] };
}
