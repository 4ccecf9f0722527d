import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { AppError, conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import type { FlowsConfig, QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { parseFilter } from '../../engine/query/filter.parser';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { checkOperationGraph, FLOW_EVENTS, FlowOperationDef, FlowTrigger, scheduleOf } from './flow-definition';
import type { CreateFlowDto, FlowOperationDto, FlowRunView, FlowTriggerDto, FlowView, UpdateFlowDto } from './flow.dto';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { FlowTriggers, newRun, TriggerData } from './flow-triggers';
import { FlowOperations } from './operations';

/** Announced when flows change, so that every instance's scheduler reloads its schedules. */
export const FLOWS_CHANGED = 'flows.changed';
/** Announced when runs were queued outside a write (schedule ticks, manual calls), so that runners wake. */
export const FLOW_RUNS_QUEUED = 'flows.runs.queued';

/**
 * The flows of a workspace: their definitions (the operation graph, the cron pattern, the collections
 * and filter, each operation's options checked when saved), their runs, and manual calls.
 */
@Injectable()
export class FlowsService {
  constructor(
    @InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>,
    @InjectRepository(FlowRunEntity) private readonly runs: Repository<FlowRunEntity>,
    private readonly triggers: FlowTriggers,
    private readonly operations: FlowOperations,
    private readonly registry: SchemaRegistry,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectConfig('flows') private readonly config: FlowsConfig,
    @InjectConfig('query') private readonly queryConfig: QueryConfig,
  ) {}

  async list(access: WorkspaceAccess): Promise<FlowView[]> {
    const rows = await this.flows.find({ where: { workspaceId: access.workspace.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toFlowView);
  }

  async get(access: WorkspaceAccess, id: string): Promise<FlowView> {
    return toFlowView(await this.find(access, id));
  }

  async create(access: WorkspaceAccess, body: CreateFlowDto): Promise<FlowView> {
    const definition = await this.checked(access, body.trigger, body.operations, body.first);
    const now = new Date();
    const flow: FlowEntity = {
      id: randomUUID(),
      workspaceId: access.workspace.id,
      name: body.name,
      enabled: body.enabled ?? true,
      triggerType: definition.trigger.type,
      triggerOptions: JSON.stringify(definition.trigger),
      operations: JSON.stringify(definition.operations),
      firstOperation: body.first,
      createdAt: now,
      updatedAt: now,
    };
    await this.flows.insert(flow);
    await this.changed(flow);
    return toFlowView(flow);
  }

  /** Replaces the fields given; the flow as it would become is checked whole. */
  async update(access: WorkspaceAccess, id: string, body: UpdateFlowDto): Promise<FlowView> {
    const flow = await this.find(access, id);
    const current = toFlowView(flow);
    if (body.trigger !== undefined || body.operations !== undefined || body.first !== undefined) {
      const trigger = body.trigger ?? (current.trigger as unknown as FlowTriggerDto);
      const operations = body.operations ?? (current.operations as FlowOperationDto[]);
      const first = body.first ?? current.first;
      const definition = await this.checked(access, trigger, operations, first);
      flow.triggerType = definition.trigger.type;
      flow.triggerOptions = JSON.stringify(definition.trigger);
      flow.operations = JSON.stringify(definition.operations);
      flow.firstOperation = first;
    } else if (body.enabled === true && !flow.enabled) {
      // A flow disabled because a collection or field it needed was deleted must be fixed before it runs again.
      await this.checked(access, current.trigger as unknown as FlowTriggerDto, current.operations as FlowOperationDto[], current.first);
    }
    if (body.name !== undefined) flow.name = body.name;
    if (body.enabled !== undefined) flow.enabled = body.enabled;
    flow.updatedAt = new Date();
    await this.flows.save(flow);
    await this.changed(flow);
    return toFlowView(flow);
  }

  /** Deletes a flow and its runs. */
  async remove(access: WorkspaceAccess, id: string): Promise<void> {
    const flow = await this.find(access, id);
    await this.runs.delete({ flowId: flow.id });
    await this.flows.delete({ id: flow.id });
    await this.changed(flow);
  }

  /** Queues a run of a manual flow with the request's body as `$trigger.body`; the runner takes it. */
  async trigger(access: WorkspaceAccess, id: string, body: unknown): Promise<FlowRunView> {
    const flow = await this.find(access, id);
    if (flow.triggerType !== 'manual') throw conflict(`This flow is triggered by ${flow.triggerType === 'event' ? 'item changes' : 'its schedule'}, not by calls.`);
    if (!flow.enabled) throw conflict('This flow is disabled.');
    const run = newRun({ flowId: flow.id, workspaceId: flow.workspaceId, triggerType: 'manual', trigger: { body: body ?? null, depth: 0 } });
    await this.runs.insert(run);
    await this.bus.publish(FLOW_RUNS_QUEUED, { flowId: flow.id }).catch(() => undefined);
    return toRunView(run);
  }

  /**
   * Queues a new run of a flow with the `$trigger` of a finished past run (its body, event or tick, and
   * depth), as the flow now is: the runner takes it like any other. The new run keeps the past one's
   * trigger type and names it in `rerun_of`; it has no `scheduled_for`, so a re-run of a tick is no tick.
   */
  async rerun(access: WorkspaceAccess, id: string, runId: string): Promise<FlowRunView> {
    const flow = await this.find(access, id);
    const past = await this.findRun(flow, runId);
    if (!flow.enabled) throw conflict('This flow is disabled.');
    if (past.status !== 'succeeded' && past.status !== 'failed') throw conflict(`This run is ${past.status}: only a finished run can be run again.`);
    const run = newRun({ flowId: flow.id, workspaceId: flow.workspaceId, triggerType: past.triggerType, trigger: JSON.parse(past.triggerData) as TriggerData, rerunOf: past.id });
    await this.runs.insert(run);
    await this.bus.publish(FLOW_RUNS_QUEUED, { flowId: flow.id }).catch(() => undefined);
    return toRunView(run);
  }

  /** The runs of a flow, newest first. */
  async listRuns(access: WorkspaceAccess, id: string, limit: number): Promise<FlowRunView[]> {
    const flow = await this.find(access, id);
    const rows = await this.runs.find({ where: { flowId: flow.id }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    return rows.map(toRunView);
  }

  async getRun(access: WorkspaceAccess, id: string, runId: string): Promise<FlowRunView> {
    return toRunView(await this.findRun(await this.find(access, id), runId));
  }

  private async findRun(flow: FlowEntity, runId: string): Promise<FlowRunEntity> {
    const run = UUID.test(runId) ? await this.runs.findOneBy({ id: runId.toLowerCase(), flowId: flow.id }) : null;
    if (!run) throw notFound('Run not found.');
    return run;
  }

  private async find(access: WorkspaceAccess, id: string): Promise<FlowEntity> {
    const flow = UUID.test(id) ? await this.flows.findOneBy({ id: id.toLowerCase(), workspaceId: access.workspace.id }) : null;
    if (!flow) throw notFound('Flow not found.');
    return flow;
  }

  /** The write path's cache of event flows, and every scheduler, learn of the change. */
  private async changed(flow: FlowEntity): Promise<void> {
    await this.evict(flow.workspaceId);
  }

  /** Drops the cached event flows of a workspace everywhere, and has every scheduler reload. */
  async evict(workspaceId: string): Promise<void> {
    await this.triggers.evict(workspaceId);
    await this.bus.publish(FLOWS_CHANGED, { workspaceId }).catch(() => undefined);
  }

  /** The definition in its stored shape, once every part of it is known to run (400 naming the field otherwise). */
  private async checked(access: WorkspaceAccess, triggerInput: FlowTriggerDto, operationsInput: FlowOperationDto[], first: string): Promise<{ trigger: FlowTrigger; operations: FlowOperationDef[] }> {
    return this.checkedAgainst(await this.registry.forWorkspace(access.workspace), triggerInput, operationsInput, first);
  }

  /** The definition in its stored shape, checked against a schema (the workspace's, or a snapshot's). */
  checkedAgainst(schema: WorkspaceSchema, triggerInput: FlowTriggerDto, operationsInput: FlowOperationDto[], first: string): { trigger: FlowTrigger; operations: FlowOperationDef[] } {
    const trigger = this.checkedTrigger(triggerInput, schema);
    const operations = storedOperations(operationsInput);
    checkOperationGraph(operations, first, this.config.maxSteps);
    operations.forEach((operation, index) => {
      const type = this.operations.get(operation.type);
      if (!type) throw invalidPayload(`Invalid payload: "${operation.type}" is not an operation type; use one of ${this.operations.types.join(', ')}.`, `operations.${index}.type`);
      type.check(operation.options, { schema, field: `operations.${index}.options` });
    });
    return { trigger, operations };
  }

  private checkedTrigger(input: FlowTriggerDto, schema: WorkspaceSchema): FlowTrigger {
    const trigger = triggerShape(input);
    if (trigger.type !== 'event') return trigger;
    for (const name of trigger.collections) {
      if (!schema.collections.has(name)) throw invalidPayload(`Invalid payload: collection "${name}" does not exist.`, 'trigger.collections');
    }
    for (const [name, filter] of [['filter', trigger.filter], ['before_filter', trigger.before_filter]] as const) {
      if (!filter) continue;
      for (const collection of trigger.collections) {
        try {
          parseFilter(schema, schema.collections.get(collection)!, filter, { parameter: `trigger.${name}`, label: 'trigger filter', maxDepth: this.queryConfig.maxDepth });
        } catch (error) {
          if (error instanceof AppError) throw invalidPayload(`Invalid payload: the trigger's ${name} does not fit "${collection}": ${error.message}`, `trigger.${name}`);
          throw error;
        }
      }
    }
    return trigger;
  }
}

/**
 * A trigger as it is stored, with its defaults (all three events, no empty filter, no repeated name),
 * once it has the fields its type needs and no others, and a valid cron pattern; not yet checked
 * against the schema.
 */
export function triggerShape(input: FlowTriggerDto): FlowTrigger {
  const given = (name: keyof FlowTriggerDto) => input[name] !== undefined;
  const refuse = (names: Array<keyof FlowTriggerDto>) => {
    const extra = names.find(given);
    if (extra) throw invalidPayload(`Invalid payload: a ${input.type} trigger has no "${extra}".`, `trigger.${extra}`);
  };
  switch (input.type) {
    case 'event': {
      refuse(['cron']);
      if (!input.collections) throw invalidPayload('Invalid payload: an event trigger needs "collections".', 'trigger.collections');
      const filter = input.filter && Object.keys(input.filter).length > 0 ? input.filter : null;
      const events = input.events ? [...new Set(input.events)] : [...FLOW_EVENTS];
      const before = input.before_filter && Object.keys(input.before_filter).length > 0 ? input.before_filter : null;
      // A create has no item before it, and a delete's filter already reads the item as it was.
      if (before && (events.length !== 1 || events[0] !== 'update')) throw invalidPayload('Invalid payload: "before_filter" applies to updates only: give "events": ["update"].', 'trigger.before_filter');
      return { type: 'event', collections: [...new Set(input.collections)], events, filter, ...(before ? { before_filter: before } : {}) };
    }
    case 'schedule':
      refuse(['collections', 'events', 'filter', 'before_filter']);
      if (!input.cron) throw invalidPayload('Invalid payload: a schedule trigger needs "cron".', 'trigger.cron');
      scheduleOf(input.cron);
      return { type: 'schedule', cron: input.cron };
    case 'manual':
      refuse(['collections', 'events', 'filter', 'before_filter', 'cron']);
      return { type: 'manual' };
  }
}

/** Operations as they are stored, with their defaults. */
export function storedOperations(inputs: FlowOperationDto[]): FlowOperationDef[] {
  return inputs.map((input) => ({ key: input.key, type: input.type, options: input.options ?? {}, next: input.next ?? null, otherwise: input.otherwise ?? null }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toFlowView(flow: FlowEntity): FlowView {
  return {
    id: flow.id,
    name: flow.name,
    enabled: flow.enabled,
    trigger: JSON.parse(flow.triggerOptions) as Record<string, unknown>,
    operations: JSON.parse(flow.operations) as FlowOperationDef[],
    first: flow.firstOperation,
    created_at: flow.createdAt.toISOString(),
    updated_at: flow.updatedAt.toISOString(),
  };
}

export function toRunView(run: FlowRunEntity): FlowRunView {
  return {
    id: run.id,
    flow_id: run.flowId,
    trigger_type: run.triggerType,
    trigger: JSON.parse(run.triggerData) as Record<string, unknown>,
    status: run.status,
    steps: JSON.parse(run.steps) as FlowRunView['steps'],
    error: run.error,
    scheduled_for: run.scheduledFor?.toISOString() ?? null,
    rerun_of: run.rerunOf,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    finished_at: run.finishedAt?.toISOString() ?? null,
  };
}
