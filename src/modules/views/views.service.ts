import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import type { QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { personId } from '../../common/principal/principal';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { checkView, readViewInput, toDefinition, toDto, ViewDefinition, ViewInput } from './view-definition';
import { ViewEntity } from './view.entity';

type Row = Record<string, unknown>;

/** The views of one workspace as cached: by name, and a stamp that changes whenever one does. */
export interface WorkspaceViews {
  byName: ReadonlyMap<string, ViewDefinition>;
  /** Changes with any create, update or delete: what built GraphQL schemas and documents are keyed by. */
  stamp: string;
}

/**
 * The views of each workspace: their definitions, checked against the schema when written, and cached
 * per workspace for the read path, evicted on every instance through the bus when one changes.
 */
@Injectable()
export class ViewsService implements OnModuleInit, OnModuleDestroy {
  private readonly byWorkspace: EvictedCache<WorkspaceViews>;

  constructor(
    @InjectRepository(ViewEntity) private readonly views: Repository<ViewEntity>,
    private readonly registry: SchemaRegistry,
    @InjectConfig('query') private readonly config: QueryConfig,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.byWorkspace = new EvictedCache(bus, 'cache.views', { ttlMs: 5_000, max: 20_000 });
  }

  onModuleInit(): Promise<void> {
    return this.byWorkspace.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byWorkspace.close();
  }

  /** Drops the cached views of a workspace here and on every other instance. */
  evict(workspaceId: string): Promise<void> {
    return this.byWorkspace.evict(workspaceId);
  }

  /** A workspace's views, from the cache. */
  async forWorkspace(workspaceId: string): Promise<WorkspaceViews> {
    const loaded = await this.byWorkspace.get(workspaceId, async () => {
      const rows = await this.views.find({ where: { workspaceId }, order: { name: 'ASC' } });
      const byName = new Map(rows.map((row) => [row.name, toDefinition(row)]));
      return { byName, stamp: rows.map((row) => `${row.id}@${row.updatedAt.getTime()}`).join(',') };
    });
    return loaded ?? { byName: new Map(), stamp: '' };
  }

  async find(workspaceId: string, name: string): Promise<ViewDefinition | null> {
    return (await this.forWorkspace(workspaceId)).byName.get(name) ?? null;
  }

  async list(access: WorkspaceAccess): Promise<Row[]> {
    return [...(await this.forWorkspace(access.workspace.id)).byName.values()].map(toDto);
  }

  async get(access: WorkspaceAccess, name: string): Promise<Row> {
    return toDto(await this.require(access, name));
  }

  async create(access: WorkspaceAccess, body: unknown): Promise<Row> {
    const input = readViewInput(body);
    if (input.name === undefined) throw invalidPayload('Invalid payload: "name" is required.', 'name');
    if (input.source === undefined) throw invalidPayload('Invalid payload: "source" is required.', 'source');
    const view = newView(access.workspace.id, input);
    await this.check(access, view, null);
    await this.views.insert({ ...toEntity(view), createdBy: personId(access.principal) });
    await this.byWorkspace.evict(access.workspace.id);
    return toDto(view);
  }

  async update(access: WorkspaceAccess, name: string, body: unknown): Promise<Row> {
    const existing = await this.require(access, name);
    const view = applyInput({ ...existing, updatedAt: new Date() }, readViewInput(body));
    await this.check(access, view, existing);
    await this.views.update({ id: view.id }, toEntity(view));
    await this.byWorkspace.evict(access.workspace.id);
    return toDto(view);
  }

  async remove(access: WorkspaceAccess, name: string): Promise<void> {
    const view = await this.require(access, name);
    await this.views.delete({ id: view.id });
    await this.byWorkspace.evict(access.workspace.id);
  }

  /** A view against the current schema: its query, and a name that no collection or other view has (409). */
  private async check(access: WorkspaceAccess, view: ViewDefinition, existing: ViewDefinition | null): Promise<void> {
    const schema = await this.registry.forWorkspace(access.workspace);
    checkView(view, schema, this.config);
    if (existing?.name === view.name) return;
    if (schema.collections.has(view.name)) throw conflict(`A collection is named "${view.name}" already; a view needs a name of its own.`, { field: 'name' });
    // Read from the table, not the cache: another instance may have just made one.
    if (await this.views.existsBy({ workspaceId: view.workspaceId, name: view.name })) throw conflict(`A view named "${view.name}" exists already.`, { field: 'name' });
  }

  private async require(access: WorkspaceAccess, name: string): Promise<ViewDefinition> {
    const row = await this.views.findOneBy({ workspaceId: access.workspace.id, name });
    if (!row) throw notFound(`View "${name}" not found.`);
    return toDefinition(row);
  }
}

/** A new view of the workspace: the input over the defaults. */
export function newView(workspaceId: string, input: ViewInput): ViewDefinition {
  const now = new Date();
  return applyInput(
    { id: randomUUID(), workspaceId, name: input.name ?? '', source: '', fields: [], filter: null, sort: [], groupBy: [], aggregate: null, computed: {}, isPublic: false, publicRequiresKey: false, createdAt: now, updatedAt: now },
    input,
  );
}

function applyInput(view: ViewDefinition, input: ViewInput): ViewDefinition {
  return {
    ...view,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.source !== undefined ? { source: input.source } : {}),
    ...(input.fields !== undefined ? { fields: input.fields } : {}),
    ...(input.filter !== undefined ? { filter: input.filter } : {}),
    ...(input.sort !== undefined ? { sort: input.sort } : {}),
    ...(input.groupBy !== undefined ? { groupBy: input.groupBy } : {}),
    ...(input.aggregate !== undefined ? { aggregate: input.aggregate } : {}),
    ...(input.computed !== undefined ? { computed: input.computed } : {}),
    ...(input.public !== undefined ? { isPublic: input.public } : {}),
    ...(input.public_requires_key !== undefined ? { publicRequiresKey: input.public_requires_key } : {}),
  };
}

export function toEntity(view: ViewDefinition): Omit<ViewEntity, 'createdBy'> {
  return {
    id: view.id,
    workspaceId: view.workspaceId,
    name: view.name,
    source: view.source,
    query: JSON.stringify({ fields: view.fields, filter: view.filter, sort: view.sort, groupBy: view.groupBy, aggregate: view.aggregate }),
    computed: Object.keys(view.computed).length === 0 ? null : JSON.stringify(view.computed),
    isPublic: view.isPublic,
    publicRequiresKey: view.publicRequiresKey,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}
