import type { CollectionDef, WorkspaceSchema } from './schema.types';

/**
 * Tables Cairn owns that a workspace's fields relate to — the files of file fields (file-fields.ts), the
 * people of user fields (users.collection.ts) — are in the schema served to the query engine as
 * collections marked `relationTargetOnly`, with relations derived from the fields' types. They are
 * reached only through those fields: never listed, read at an items route, written, nor kept in snapshots.
 */

/** The collections a client may list and reach at their own routes: without the relation targets. */
export function listedCollections(schema: WorkspaceSchema): CollectionDef[] {
  return [...schema.collections.values()].filter((collection) => !collection.relationTargetOnly);
}

/** The schema without the relation targets and the relations to them: the workspace's own, as schema routes and snapshots show it. */
export function withoutRelationTargets(schema: WorkspaceSchema): WorkspaceSchema {
  const targets = new Set([...schema.collections.values()].filter((collection) => collection.relationTargetOnly).map((collection) => collection.name));
  if (targets.size === 0) return schema;
  const collections = new Map([...schema.collections].filter(([name]) => !targets.has(name)));
  return { ...schema, collections, relations: schema.relations.filter((relation) => !targets.has(relation.relatedCollection)) };
}
