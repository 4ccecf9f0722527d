import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError, invalidPayload } from '../../common/errors/app-error';
import type { QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { personId } from '../../common/principal/principal';
import type { WorkspaceSchema } from '../schema/schema.types';
import { Dependant, SchemaRemoval, SectionApply, SectionCheck, SectionStep, SnapshotParticipant, SnapshotParticipants } from '../schema/snapshot-participant';
import { checkView, readViewInput, toDefinition, toDto, ViewDefinition } from './view-definition';
import { ViewEntity } from './view.entity';
import { newView, toEntity, ViewsService } from './views.service';

/** A view in a snapshot: as the API shows it, without its id and timestamps. */
export type ViewEntry = Record<string, unknown> & { name: string; source: string };

function entryOf(view: ViewDefinition): ViewEntry {
  const { id: _id, created_at: _created, updated_at: _updated, ...entry } = toDto(view);
  return entry as ViewEntry;
}

/**
 * The snapshot section of views, keyed by name, checked as `POST /views` checks one. A view is only its
 * query, with no state to disable: when a collection or field it reads goes, the view is deleted.
 */
@Injectable()
export class ViewsSnapshot implements SnapshotParticipant<ViewEntry>, OnModuleInit {
  readonly section = 'views';
  readonly entryName = 'view';
  readonly after = [];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly views: ViewsService,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<ViewEntry[]> {
    const rows = await manager.getRepository(ViewEntity).find({ where: { workspaceId }, order: { name: 'ASC' } });
    return rows.map((row) => entryOf(toDefinition(row)));
  }

  parse(raw: unknown): ViewEntry {
    const input = readViewInput(raw);
    if (input.name === undefined) throw invalidPayload('Invalid payload: "name" is required.', 'name');
    if (input.source === undefined) throw invalidPayload('Invalid payload: "source" is required.', 'source');
    return entryOf(newView('', input));
  }

  key(entry: ViewEntry): string {
    return entry.name;
  }

  check(entry: ViewEntry, context: SectionCheck): void {
    checkView(this.definition(context.workspaceId, entry), context.schema, this.config);
    if (context.schema.collections.has(entry.name)) throw invalidPayload(`Invalid payload: a collection is named "${entry.name}" already; a view needs a name of its own.`, 'name');
  }

  async apply(steps: SectionStep<ViewEntry>[], { manager, access }: SectionApply): Promise<null[]> {
    const views = manager.getRepository(ViewEntity);
    const workspaceId = access.workspace.id;
    for (const step of steps) {
      if (step.kind === 'delete') {
        await views.delete({ workspaceId, name: step.key });
      } else if (step.kind === 'create') {
        await views.insert({ ...toEntity(this.definition(workspaceId, step.entry)), createdBy: personId(access.principal) });
      } else {
        const { id: _id, createdAt: _createdAt, ...changes } = toEntity(this.definition(workspaceId, step.entry));
        await views.update({ workspaceId, name: step.key }, changes);
      }
    }
    return steps.map(() => null);
  }

  async dependants(manager: EntityManager, removal: SchemaRemoval): Promise<Dependant[]> {
    return (await this.broken(manager, removal)).map((view) => ({ kind: 'view', name: view.name, source: view.source, on_force: 'delete' }));
  }

  async release(manager: EntityManager, removal: SchemaRemoval): Promise<void> {
    for (const view of await this.broken(manager, removal)) await manager.getRepository(ViewEntity).delete({ id: view.id });
  }

  changed(workspaceId: string): Promise<void> {
    return this.views.evict(workspaceId);
  }

  /** The views whose source goes, or that fitted the schema before the removal and do not after it. */
  private async broken(manager: EntityManager, removal: SchemaRemoval): Promise<ViewDefinition[]> {
    const rows = await manager.getRepository(ViewEntity).find({ where: { workspaceId: removal.workspaceId }, order: { name: 'ASC' } });
    return rows
      .map(toDefinition)
      .filter((view) => (removal.field === null && view.source === removal.collection) || (this.fits(view, removal.before) && !this.fits(view, removal.after)));
  }

  private fits(view: ViewDefinition, schema: WorkspaceSchema): boolean {
    try {
      checkView(view, schema, this.config);
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  }

  private definition(workspaceId: string, entry: ViewEntry): ViewDefinition {
    return newView(workspaceId, readViewInput(entry));
  }
}
