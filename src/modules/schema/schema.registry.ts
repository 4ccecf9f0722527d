import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { Database } from '../../common/database/database.service';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { parseStoredFields } from './composite-indexes';
import { withFileFields } from './file-fields';
import { ExternalCollections, ExternalCollectionSource, withExternalCollections } from './external-collections';
import { CollectionEntity, FieldEntity, IndexEntity, RelationEntity } from './registry.entities';
import { systemFields } from './system-fields';
import { withUsers } from './users.collection';
import type { CollectionDef, FieldDef, FieldTypeName, IndexDef, OnDelete, RelationDef, WorkspaceSchema } from './schema.types';

/** The bus channel on which schema changes are announced to every instance. */
export const SCHEMA_CHANGED = 'schema.changed';

interface SchemaChanged {
  workspaceId: string;
  version: number;
}

/**
 * The registry: each workspace's schema, loaded from the registry tables and cached in memory.
 * A cached schema is used only while its version equals the workspace's schema_version (read with the
 * workspace on every request), so an instance never serves a stale schema even if it missed a message;
 * the bus message only drops the entry early.
 */
@Injectable()
export class SchemaRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new Map<string, Promise<WorkspaceSchema>>();
  private unsubscribe?: () => Promise<void>;
  private external: ExternalCollectionSource | null = null;

  constructor(
    private readonly db: Database,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(SCHEMA_CHANGED, (payload) => {
      const { workspaceId } = payload as SchemaChanged;
      this.cache.delete(workspaceId);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Takes the source of the collections served from external databases; there is one, the connections module. */
  serveExternal(source: ExternalCollectionSource): void {
    if (this.external) throw new Error('A source of external collections is registered twice.');
    this.external = source;
  }

  /**
   * The workspace's schema at the given version (the one its row holds now), with the tables its
   * external connections serve (changing a connection raises the version too), the files as the target
   * of its file fields and the people its user fields relate to (`cairn_users`, see users.collection.ts).
   */
  async forWorkspace(workspace: Pick<WorkspaceEntity, 'id' | 'schemaVersion'>): Promise<WorkspaceSchema> {
    const cached = this.cache.get(workspace.id);
    if (cached) {
      const schema = await cached.catch(() => null);
      if (schema && schema.version === workspace.schemaVersion) return schema;
    }
    const manager = this.db.dataSource.manager;
    const loading = Promise.all([this.load(manager, workspace.id), this.externalCollections(manager, workspace.id)]).then(([own, external]) => withUsers(withFileFields(withExternalCollections(own, external))));
    this.cache.set(workspace.id, loading);
    loading.catch(() => this.cache.delete(workspace.id));
    return loading;
  }

  private externalCollections(manager: EntityManager, workspaceId: string): Promise<ExternalCollections> {
    return this.external ? this.external.load(manager, workspaceId) : Promise.resolve({ collections: [], relations: [] });
  }

  /**
   * Reads a workspace's own schema from the registry tables, inside a transaction when one is given:
   * what schema changes work on, without external collections.
   */
  async load(manager: EntityManager, workspaceId: string): Promise<WorkspaceSchema> {
    const [workspace, collections, fields, relations, indexes] = await Promise.all([
      manager.getRepository(WorkspaceEntity).findOneByOrFail({ id: workspaceId }),
      manager.getRepository(CollectionEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC', name: 'ASC' } }),
      manager.getRepository(FieldEntity).find({ where: { workspaceId }, order: { sort: 'ASC' } }),
      manager.getRepository(RelationEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC' } }),
      manager.getRepository(IndexEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC', name: 'ASC' } }),
    ]);
    const definitions: CollectionDef[] = collections.map((collection) => ({
      name: collection.name,
      table: collection.tableName,
      codePointText: true,
      primaryKey: collection.primaryKey,
      note: collection.note,
      fields: [...systemFields(collection.primaryKey), ...fields.filter((f) => f.collection === collection.name).map(toFieldDef)],
    }));
    return {
      workspaceId,
      version: workspace.schemaVersion,
      collections: new Map(definitions.map((definition) => [definition.name, definition])),
      relations: relations.map(toRelationDef),
      indexes: indexes.map(toIndexDef),
    };
  }

  /**
   * Drops the cached schema here and tells every other instance to do the same. The change is
   * committed: a bus that is down only delays the others, who check the version on every request.
   */
  async announce(workspaceId: string, version: number): Promise<void> {
    this.cache.delete(workspaceId);
    await this.bus.publish(SCHEMA_CHANGED, { workspaceId, version } satisfies SchemaChanged).catch(() => undefined);
  }
}

/** The options stored as JSON beside a field's name and type. */
export type StoredFieldOptions = Omit<FieldDef, 'field' | 'type' | 'system' | 'primaryKey'>;

export function toFieldDef(entity: FieldEntity): FieldDef {
  const options = JSON.parse(entity.options) as StoredFieldOptions;
  return { field: entity.field, type: entity.type as FieldTypeName, system: false, primaryKey: false, ...options };
}

export function toIndexDef(entity: IndexEntity): IndexDef {
  return { collection: entity.collection, name: entity.name, fields: parseStoredFields(entity.fields), unique: entity.unique };
}

export function toRelationDef(entity: RelationEntity): RelationDef {
  return {
    id: entity.id,
    collection: entity.collection,
    field: entity.field,
    relatedCollection: entity.relatedCollection,
    onDelete: entity.onDelete as OnDelete,
    oneField: entity.oneField,
    junction: entity.junction ? (JSON.parse(entity.junction) as RelationDef['junction']) : null,
  };
}
