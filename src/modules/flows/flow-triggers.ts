import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import type { FlowsConfig, QueryConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import type { ItemAction } from '../audit/activity.recorder';
import type { FilterNode } from '../../engine/query/query.ast';
import { parseFilter } from '../../engine/query/filter.parser';
import type { CollectionDef, WorkspaceSchema } from '../schema/schema.types';
import type { ReadPermissions } from '../policies/read-permissions';
import type { LockedForUpdate, WriteIntent, WriteParticipant, WritePlan, WrittenChange, WrittenGroup } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';
import type { FlowTrigger } from './flow-definition';
import { FlowEntity, FlowRunEntity, FlowRunStatus } from './flow.entities';

type Row = Record<string, unknown>;

/** Which of these keys have rows matching the filter, read on the change's own connection. */
type KeysMatching = (keys: unknown[], filter: FilterNode) => Promise<unknown[]>;

/** An enabled event flow, as the write path matches it against changes. */
interface EventFlow {
  id: string;
  workspaceId: string;
  collections: string[];
  events: ItemAction[];
  filter: Record<string, unknown> | null;
  /** On an update, what the item must have matched before it. */
  beforeFilter: Record<string, unknown> | null;
}

/** A flow's trigger filters, parsed against the schema of a change. */
interface ParsedFilters {
  filter: FilterNode | null;
  before: FilterNode | null;
}

/** What `$trigger` holds for a run, with the depth of the flows that led to it. */
export type TriggerData = Record<string, unknown> & { depth: number };

/** What a change's event says when it may have written flow runs, so that flow runners wake for it. */
const WAKES_RUNNERS = { flowRuns: true } as const;

/**
 * The durable trigger of event flows, as the webhooks' outbox, a participant of the writes of items:
 * it records a pending run for each enabled flow that wants a change, inside the change's transaction,
 * so a run exists exactly when the change commits. A flow's filter is compiled to SQL and tested on the
 * rows as written (on a delete, as they were), with the change's own connection. A run of one item's
 * change carries that item before (update, delete: read in the transaction before the rows change)
 * and after (create, update), as the writer may read it. The event flows of a workspace are cached for the write path and evicted on every instance when one changes.
 */
@Injectable()
export class FlowTriggers implements WriteParticipant, OnModuleInit, OnModuleDestroy {
  readonly order = 40;
  private readonly byWorkspace: EvictedCache<{ flows: EventFlow[] }>;

  constructor(
    @InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @InjectConfig('flows') private readonly config: FlowsConfig,
    @InjectConfig('query') private readonly queryConfig: QueryConfig,
    private readonly participants: WriteParticipants,
  ) {
    this.byWorkspace = new EvictedCache(bus, 'cache.flows', { ttlMs: 2_000, max: 20_000 });
  }

  onModuleInit(): Promise<void> {
    this.participants.register(this);
    return this.byWorkspace.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byWorkspace.close();
  }

  /**
   * What writes a change's runs, when a flow wants it: a write no flow listens to keeps its faster path.
   * `principal` is the writer: a flow's changes carry its depth, and beyond FLOW_MAX_DEPTH they trigger
   * runs that fail at once, recorded. Writes to a table of an external database trigger no flow: a
   * trigger's filter is tested on the rows in the write's own transaction, and those rows are in the
   * other database.
   */
  async prepare({ workspaceId, schema, collection, action, principal, permissions }: WriteIntent): Promise<WritePlan | null> {
    if (collection.external) return null;
    const loaded = await this.byWorkspace.get(workspaceId, () => this.load(workspaceId));
    const wanting = (loaded?.flows ?? []).filter((flow) => flow.events.includes(action) && flow.collections.includes(collection.name));
    if (wanting.length === 0) return null;
    const depth = principal?.kind === 'flow' ? principal.depth + 1 : 0;
    const caller: CallerView = { collection, permissions };
    // The items an update is about to change, as the caller may read them, by key: read once locked.
    const before = new Map<string, Row | null>();
    // Per flow with a before_filter, the keys whose items matched it before the update.
    const matchedBefore = new Map<string, Set<string>>();
    return {
      event: WAKES_RUNNERS,
      // Before a delete's rows go: a filter is tested on the items as they were, and they are the item before.
      beforeDelete: true,
      needsRows: true,
      ...(action === 'update'
        ? {
            beforeUpdate: async (locked: LockedForUpdate) => {
              const keys = locked.groups.filter((group) => group.length === 1).map(([key]) => key);
              const rows = await asCallerReads(caller, keys, await locked.rows(keys), (k, filter) => locked.matching(k, filter));
              keys.forEach((key, index) => before.set(String(key), rows[index]));
              const all = locked.groups.flat();
              for (const flow of wanting) {
                // A filter that no longer parses fails the flow's run when it is recorded.
                const parsed = flow.beforeFilter ? this.filtersOf(flow, schema, collection) : null;
                if (parsed?.before) matchedBefore.set(flow.id, new Set((await locked.matching(all, parsed.before)).map(String)));
              }
            },
          }
        : {}),
      record: async (manager, change) => {
        const images = await imagesOf(change, caller, before);
        const runs: FlowRunEntity[] = [];
        for (const flow of wanting) {
          const passedBefore = matchedBefore.get(flow.id) ?? new Set<string>();
          runs.push(...(await this.runsOf(flow, { schema, collection, action, depth }, change.groups, images, passedBefore, (keys, filter) => change.matching(keys, filter))));
        }
        if (runs.length > 0) await manager.getRepository(FlowRunEntity).insert(runs);
      },
    };
  }

  /** Drops the cached flows of a workspace here and on every other instance. */
  evict(workspaceId: string): Promise<void> {
    return this.byWorkspace.evict(workspaceId);
  }

  private async load(workspaceId: string): Promise<{ flows: EventFlow[] }> {
    const rows = await this.flows.findBy({ workspaceId, enabled: true, triggerType: 'event' });
    return {
      flows: rows.map((row) => {
        const trigger = JSON.parse(row.triggerOptions) as Extract<FlowTrigger, { type: 'event' }>;
        return { id: row.id, workspaceId, collections: trigger.collections, events: trigger.events, filter: trigger.filter, beforeFilter: trigger.before_filter ?? null };
      }),
    };
  }

  /**
   * The runs one flow gets from a change: one per created item, one per group of updated or deleted
   * items; only the items its filter matches, and none when it matches none.
   */
  private async runsOf(
    flow: EventFlow,
    change: { schema: WorkspaceSchema; collection: CollectionDef; action: ItemAction; depth: number },
    groups: WrittenGroup[],
    images: Map<string, ItemImages>,
    passedBefore: Set<string>,
    matching: KeysMatching,
  ): Promise<FlowRunEntity[]> {
    const run = (data: Record<string, unknown>, status: FlowRunStatus = 'pending', error: string | null = null) =>
      newRun({ flowId: flow.id, workspaceId: flow.workspaceId, triggerType: 'event', trigger: { event: change.action, collection: change.collection.name, ...data, depth: change.depth }, status, error });
    if (change.depth > this.config.maxDepth) {
      return [run({ keys: groups.flatMap((g) => g.keys) }, 'failed', `Not run: the change came from flows ${change.depth} deep, beyond FLOW_MAX_DEPTH (${this.config.maxDepth}).`)];
    }
    let filters: ParsedFilters;
    try {
      filters = this.filtersOf(flow, change.schema, change.collection, true);
    } catch (error) {
      // The schema changed under the flow: the change stands, and the run says why it did not go on.
      return [run({ keys: groups.flatMap((g) => g.keys) }, 'failed', `Not run: the trigger filter no longer fits the schema: ${(error as Error).message}`)];
    }
    const runs: FlowRunEntity[] = [];
    for (const group of groups) {
      let keys = filters.filter ? await matching(group.keys, filters.filter) : group.keys;
      if (filters.before) keys = keys.filter((key) => passedBefore.has(String(key)));
      if (keys.length === 0) continue;
      // An update names the fields it wrote (changed in value or not).
      const changed = change.action === 'update' && group.payload ? { changed: Object.keys(group.payload) } : {};
      const pictured = keys.length === 1 ? images.get(String(keys[0])) : undefined;
      runs.push(run({ keys, ...(group.payload ? { payload: group.payload } : {}), ...changed, ...pictured }));
    }
    return runs;
  }

  /**
   * A flow's filters parsed for a change; `strict` throws when one no longer fits the schema, else it
   * is taken as absent (the run's record, made strictly, says why).
   */
  private filtersOf(flow: EventFlow, schema: WorkspaceSchema, collection: CollectionDef, strict = false): ParsedFilters {
    const parse = (filter: Record<string, unknown> | null, parameter: string): FilterNode | null => {
      if (!filter) return null;
      try {
        return parseFilter(schema, collection, filter, { parameter, label: 'trigger filter', maxDepth: this.queryConfig.maxDepth });
      } catch (error) {
        if (strict) throw error;
        return null;
      }
    };
    return { filter: parse(flow.filter, 'trigger.filter'), before: parse(flow.beforeFilter, 'trigger.before_filter') };
  }
}

/** The item before a change (update, delete) and after it (create, update), as the caller may read them. */
interface ItemImages {
  before?: Row | null;
  item?: Row | null;
}

/** Whose eyes a trigger's items are seen with: the writer's read policy on the collection (null: a member's, everything). */
interface CallerView {
  collection: CollectionDef;
  permissions: ReadPermissions | null;
}

/**
 * The images of the items a change wrote alone (a group of one key: a created item, an update or delete
 * of one item, an item of a batch), by key: a change of several items with the same values carries its
 * keys only, so a run's trigger stays small.
 */
async function imagesOf(change: WrittenChange, caller: CallerView, before: Map<string, Row | null>): Promise<Map<string, ItemImages>> {
  const images = new Map<string, ItemImages>();
  const single = new Set(change.groups.filter((group) => group.keys.length === 1).map((group) => String(group.keys[0])));
  const indexes = change.keys.flatMap((key, index) => (single.has(String(key)) ? [index] : []));
  if (indexes.length === 0 || !change.rows) return images;
  const keys = indexes.map((index) => change.keys[index]);
  const rows = await asCallerReads(caller, keys, indexes.map((index) => change.rows![index]), (k, filter) => change.matching(k, filter));
  keys.forEach((key, index) => {
    const id = String(key);
    // A delete's rows are read before they go: they are the item before.
    if (change.action === 'delete') images.set(id, { before: rows[index] });
    else if (change.action === 'update') images.set(id, { before: before.get(id) ?? null, item: rows[index] });
    else images.set(id, { item: rows[index] });
  });
  return images;
}

/**
 * Rows as the caller of the write may read them: only the fields its read policy shows (the primary
 * key always), and null for a row its read policy's filter hides or a collection it may not read.
 * A member reads them whole. The filter is tested with `matching`, on the rows as they are then.
 */
async function asCallerReads(caller: CallerView, keys: unknown[], rows: Row[], matching: KeysMatching): Promise<Array<Row | null>> {
  if (!caller.permissions || keys.length === 0) return rows;
  const grant = caller.permissions.grants.get(caller.collection.name);
  if (!grant) return rows.map(() => null);
  const shown = grant.filter ? new Set((await matching(keys, grant.filter)).map(String)) : null;
  const readable = caller.collection.fields.filter((field) => field.primaryKey || grant.fields.has(field.field)).map((field) => field.field);
  return rows.map((row, index) => (shown && !shown.has(String(keys[index])) ? null : Object.fromEntries(readable.filter((name) => name in row).map((name) => [name, row[name]]))));
}

/** What a new run is made from. */
export interface NewRun {
  flowId: string;
  workspaceId: string;
  triggerType: FlowRunEntity['triggerType'];
  trigger: TriggerData;
  /** Failed: a run recorded only to say why it will not run. */
  status?: FlowRunStatus;
  error?: string | null;
  scheduledFor?: Date | null;
  /** The run this one re-runs. */
  rerunOf?: string | null;
}

/** A new run row: pending for the runner, or already failed with the reason it will not run. */
export function newRun(made: NewRun): FlowRunEntity {
  const now = new Date();
  const status = made.status ?? 'pending';
  return {
    id: timeOrderedUuid(),
    flowId: made.flowId,
    workspaceId: made.workspaceId,
    triggerType: made.triggerType,
    triggerData: JSON.stringify(made.trigger),
    status,
    steps: '[]',
    error: made.error ?? null,
    scheduledFor: made.scheduledFor ?? null,
    claimedUntil: null,
    rerunOf: made.rerunOf ?? null,
    createdAt: now,
    startedAt: null,
    finishedAt: status === 'failed' ? now : null,
  };
}
