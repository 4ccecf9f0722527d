import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import { validatedPayload } from '../../common/errors/payload-validation.pipe';
import { HandlerEntity } from '../handlers/handler.entities';
import type { WorkspaceSchema } from '../schema/schema.types';
import { Dependant, ForceOutcome, SchemaRemoval, SectionApply, SectionCheck, SectionStep, SnapshotParticipant, SnapshotParticipants } from '../schema/snapshot-participant';
import type { FlowOperationDef, FlowTrigger } from './flow-definition';
import { CreateFlowDto, FlowOperationDto, FlowTriggerDto } from './flow.dto';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { FlowsService, storedOperations, triggerShape } from './flows.service';

/** A flow in a snapshot: its definition as stored, a `handler` step naming its handler by name rather than id. */
export interface FlowEntry {
  name: string;
  enabled: boolean;
  trigger: FlowTrigger;
  operations: FlowOperationDef[];
  first: string;
}

/** The handler a `handler` step runs, swapped from one name for another (ids for names, or back). */
function withHandlers(operations: FlowOperationDef[], swap: Map<string, string>): FlowOperationDef[] {
  return operations.map((operation) => {
    const handler = operation.options.handler;
    if (operation.type !== 'handler' || typeof handler !== 'string' || !swap.has(handler)) return operation;
    return { ...operation, options: { ...operation.options, handler: swap.get(handler)! } };
  });
}

/**
 * The snapshot section of flows, keyed by name, checked as `POST /flows` checks one. A `handler` step
 * names its handler by name in a snapshot (ids differ between workspaces), resolved when applied.
 * When a collection or field a flow needs goes, an event trigger naming other collections too only
 * loses that name; otherwise the flow is disabled, its definition kept: enabling it checks it again.
 */
@Injectable()
export class FlowsSnapshot implements SnapshotParticipant<FlowEntry>, OnModuleInit {
  readonly section = 'flows';
  readonly entryName = 'flow';
  readonly after = ['handlers'];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly flows: FlowsService,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<FlowEntry[]> {
    const [rows, handlers] = await Promise.all([
      manager.getRepository(FlowEntity).find({ where: { workspaceId }, order: { name: 'ASC', id: 'ASC' } }),
      manager.getRepository(HandlerEntity).find({ where: { workspaceId }, select: { id: true, name: true } }),
    ]);
    const names = new Map(handlers.map((handler) => [handler.id, handler.name]));
    return rows.map((row) => {
      const entry = entryOf(row);
      return { ...entry, operations: withHandlers(entry.operations, names) };
    });
  }

  parse(raw: unknown): FlowEntry {
    const body = validatedPayload(CreateFlowDto, raw);
    return { name: body.name, enabled: body.enabled ?? true, trigger: triggerShape(body.trigger), operations: storedOperations(body.operations), first: body.first };
  }

  key(entry: FlowEntry): string {
    return entry.name;
  }

  check(entry: FlowEntry, context: SectionCheck): void {
    this.checkAgainst(context.schema, entry);
  }

  async apply(steps: SectionStep<FlowEntry>[], { manager, access }: SectionApply): Promise<null[]> {
    const flows = manager.getRepository(FlowEntity);
    const workspaceId = access.workspace.id;
    // The handlers section runs first, so the names are those of the workspace as the snapshot makes it.
    const handlers = await manager.getRepository(HandlerEntity).find({ where: { workspaceId }, select: { id: true, name: true } });
    const ids = new Map(handlers.map((handler) => [handler.name, handler.id]));
    for (const step of steps) {
      if (step.kind === 'delete') {
        const flow = await flows.findOneByOrFail({ workspaceId, name: step.key });
        // Schema changes run with SQLite's foreign keys off: runs do not cascade there.
        await manager.getRepository(FlowRunEntity).delete({ flowId: flow.id });
        await flows.delete({ id: flow.id });
        continue;
      }
      const { name, enabled, trigger, operations, first } = step.entry;
      const stored = { name, enabled, triggerType: trigger.type, triggerOptions: JSON.stringify(trigger), operations: JSON.stringify(withHandlers(operations, ids)), firstOperation: first, updatedAt: new Date() };
      if (step.kind === 'create') await flows.insert({ id: randomUUID(), workspaceId, ...stored, createdAt: new Date() });
      else await flows.update({ workspaceId, name }, stored);
    }
    return steps.map(() => null);
  }

  async dependants(manager: EntityManager, removal: SchemaRemoval): Promise<Dependant[]> {
    return (await this.fates(manager, removal)).map(({ flow, fate }) => ({ kind: 'flow', name: flow.name, on_force: fate.outcome }));
  }

  async release(manager: EntityManager, removal: SchemaRemoval): Promise<void> {
    const flows = manager.getRepository(FlowEntity);
    for (const { flow, fate } of await this.fates(manager, removal)) {
      if (fate.outcome === 'remove_reference') await flows.update({ id: flow.id }, { triggerOptions: JSON.stringify(fate.trigger), updatedAt: new Date() });
      else await flows.update({ id: flow.id }, { enabled: false, updatedAt: new Date() });
    }
  }

  changed(workspaceId: string): Promise<void> {
    return this.flows.evict(workspaceId);
  }

  /** The flows a removal touches, each with what becomes of it. */
  private async fates(manager: EntityManager, removal: SchemaRemoval): Promise<Array<{ flow: FlowEntity; fate: { outcome: ForceOutcome; trigger?: FlowTrigger } }>> {
    const rows = await manager.getRepository(FlowEntity).find({ where: { workspaceId: removal.workspaceId }, order: { name: 'ASC' } });
    const touched: Array<{ flow: FlowEntity; fate: { outcome: ForceOutcome; trigger?: FlowTrigger } }> = [];
    for (const flow of rows) {
      const entry = entryOf(flow);
      const { trigger } = entry;
      const named = removal.field === null && trigger.type === 'event' && trigger.collections.includes(removal.collection);
      if (!named && !(this.fits(removal.before, entry) && !this.fits(removal.after, entry))) continue;
      if (named && trigger.collections.length > 1) {
        const trimmed: FlowTrigger = { ...trigger, collections: trigger.collections.filter((name) => name !== removal.collection) };
        if (this.fits(removal.after, { ...entry, trigger: trimmed })) {
          touched.push({ flow, fate: { outcome: 'remove_reference', trigger: trimmed } });
          continue;
        }
      }
      touched.push({ flow, fate: { outcome: 'disable' } });
    }
    return touched;
  }

  private fits(schema: WorkspaceSchema, entry: FlowEntry): boolean {
    try {
      this.checkAgainst(schema, entry);
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  }

  /** Checks a definition exactly as `POST /flows` checks one. */
  private checkAgainst(schema: WorkspaceSchema, entry: FlowEntry): void {
    this.flows.checkedAgainst(schema, entry.trigger as unknown as FlowTriggerDto, entry.operations as FlowOperationDto[], entry.first);
  }
}

function entryOf(flow: FlowEntity): FlowEntry {
  return {
    name: flow.name,
    enabled: flow.enabled,
    trigger: JSON.parse(flow.triggerOptions) as FlowTrigger,
    operations: JSON.parse(flow.operations) as FlowOperationDef[],
    first: flow.firstOperation,
  };
}
