import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { invalidPayload } from '../../common/errors/app-error';
import { validatedPayload } from '../../common/errors/payload-validation.pipe';
import type { HandlersConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { Dependant, SchemaRemoval, SectionApply, SectionCheck, SectionStep, SnapshotParticipant, SnapshotParticipants } from '../schema/snapshot-participant';
import { HandlerCatalog } from './handler.catalog';
import { CreateHandlerDto, HandlerDto, toHandlerDto } from './handler.dto';
import { HandlerEntity, HandlerRunEntity } from './handler.entities';
import { checkHandler, newHandler, routeTakenBy } from './handlers.service';

/** A handler in a snapshot: as the API shows it, without its id and timestamps. */
export type HandlerEntry = Omit<HandlerDto, 'id' | 'created_at' | 'updated_at'>;

function entryOf(handler: HandlerEntity): HandlerEntry {
  const { id: _id, created_at: _created, updated_at: _updated, ...entry } = toHandlerDto(handler);
  return entry;
}

/** The body a create would have sent for an entry: the fields its kind has, nulls left out. */
function createBody(entry: HandlerEntry): CreateHandlerDto {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== null)) as unknown as CreateHandlerDto;
}

/**
 * The snapshot section of handlers, keyed by name, checked as `POST /handlers` checks one (code that
 * compiles, an existing collection, a free route). When the collection of a hook goes, the hook is
 * disabled, its code kept: enabling it again checks it, so it must be pointed at a collection first.
 */
@Injectable()
export class HandlersSnapshot implements SnapshotParticipant<HandlerEntry>, OnModuleInit {
  readonly section = 'handlers';
  readonly entryName = 'handler';
  readonly after = [];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly catalog: HandlerCatalog,
    @InjectConfig('handlers') private readonly config: HandlersConfig,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<HandlerEntry[]> {
    const rows = await manager.getRepository(HandlerEntity).find({ where: { workspaceId }, order: { name: 'ASC', id: 'ASC' } });
    return rows.map(entryOf);
  }

  parse(raw: unknown): HandlerEntry {
    return entryOf(newHandler('', validatedPayload(CreateHandlerDto, raw)));
  }

  key(entry: HandlerEntry): string {
    return entry.name;
  }

  check(entry: HandlerEntry, context: SectionCheck): void {
    const body = createBody(entry);
    checkHandler(newHandler(context.workspaceId, body), body, context.schema, this.config);
    const others = (context.entries(this.section) as HandlerEntry[]).filter((other) => other.name !== entry.name);
    const taken = routeTakenBy(entry, others);
    if (taken) throw invalidPayload(`Invalid payload: the endpoint "${taken.name}" already answers ${entry.method} ${taken.path}.`, 'path');
  }

  async apply(steps: SectionStep<HandlerEntry>[], { manager, access }: SectionApply): Promise<null[]> {
    const handlers = manager.getRepository(HandlerEntity);
    const workspaceId = access.workspace.id;
    for (const step of steps) {
      if (step.kind === 'create') {
        await handlers.insert(newHandler(workspaceId, createBody(step.entry)));
        continue;
      }
      const existing = await handlers.findOneByOrFail({ workspaceId, name: step.key });
      if (step.kind === 'update') {
        const { id: _id, createdAt: _createdAt, ...changes } = newHandler(workspaceId, createBody(step.entry));
        await handlers.update({ id: existing.id }, changes);
      } else {
        // Schema changes run with SQLite's foreign keys off: the run log does not cascade there.
        await manager.getRepository(HandlerRunEntity).delete({ handlerId: existing.id });
        await handlers.delete({ id: existing.id });
      }
    }
    return steps.map(() => null);
  }

  async dependants(manager: EntityManager, removal: SchemaRemoval): Promise<Dependant[]> {
    return (await this.hooksOn(manager, removal)).map((hook) => ({ kind: 'handler', name: hook.name, collection: hook.collection, on_force: 'disable' }));
  }

  async release(manager: EntityManager, removal: SchemaRemoval): Promise<void> {
    const hooks = await this.hooksOn(manager, removal);
    for (const hook of hooks) await manager.getRepository(HandlerEntity).update({ id: hook.id }, { enabled: false, updatedAt: new Date() });
  }

  changed(workspaceId: string): Promise<void> {
    return this.catalog.evict(workspaceId);
  }

  /** The hooks on a collection that goes (a field's deletion leaves hooks alone: they name no field). */
  private async hooksOn(manager: EntityManager, removal: SchemaRemoval): Promise<HandlerEntity[]> {
    if (removal.field !== null) return [];
    const rows = await manager.getRepository(HandlerEntity).find({ where: { workspaceId: removal.workspaceId, collection: removal.collection }, order: { name: 'ASC' } });
    return rows.filter((row) => row.kind !== 'endpoint');
  }
}
