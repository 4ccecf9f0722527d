import type { EntityManager } from 'typeorm';
import type { CollectionDef, RelationDef, WorkspaceSchema } from './schema.types';

/** The collections and relations a workspace serves from outside its own tables. */
export interface ExternalCollections {
  collections: CollectionDef[];
  relations: RelationDef[];
}

/**
 * Where the registry finds them: the connections module, which sits above the schema and registers
 * itself at start (connections/external-schema.ts), so that the schema needs nothing of it.
 */
export interface ExternalCollectionSource {
  load(manager: EntityManager, workspaceId: string): Promise<ExternalCollections>;
}

/** A workspace's schema with its external collections beside its own. */
export function withExternalCollections(schema: WorkspaceSchema, external: ExternalCollections): WorkspaceSchema {
  if (external.collections.length === 0) return schema;
  const collections = new Map(schema.collections);
  for (const collection of external.collections) if (!collections.has(collection.name)) collections.set(collection.name, collection);
  return { ...schema, collections, relations: [...schema.relations, ...external.relations] };
}

/** The schema without its external collections: what snapshots and DDL work on. */
export function ownCollectionsOnly(schema: WorkspaceSchema): WorkspaceSchema {
  if (![...schema.collections.values()].some((collection) => collection.external)) return schema;
  const collections = new Map([...schema.collections].filter(([, collection]) => !collection.external));
  return { ...schema, collections, relations: schema.relations.filter((relation) => collections.has(relation.collection)) };
}
