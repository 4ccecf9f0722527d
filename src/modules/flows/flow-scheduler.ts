import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Cron } from 'croner';
import { Repository } from 'typeorm';
import { CoalescedTask } from '../../common/async/coalesced-task';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { Clock, ClockTimer } from '../../common/clock/clock';
import { classifyDatabaseError } from '../../common/database/db-errors';
import type { FlowsConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { FlowTrigger, scheduleOf } from './flow-definition';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { FlowRunner } from './flow-runner';
import { newRun } from './flow-triggers';
import { FLOW_RUNS_QUEUED, FLOWS_CHANGED } from './flows.service';

/** The longest a timer waits before the next tick is computed again (timers cannot wait for weeks). */
const MAX_WAIT_MS = 60_000;
/** Ticks further back than this are skipped: an instance that was stopped does not replay its backlog. */
const CATCH_UP_MS = 60_000;

/** One scheduled flow as this instance follows it. */
interface Schedule {
  flowId: string;
  workspaceId: string;
  /** Tells a changed flow from the one this schedule was made for. */
  version: string;
  cron: Cron;
  /** The last tick handled; the next one is after it. */
  after: Date;
  timer?: ClockTimer;
}

/**
 * Turns the ticks of scheduled flows into runs. Every instance follows every enabled scheduled flow,
 * computes its next tick with croner (in UTC, so all agree on it) and at that moment inserts the run
 * for `(flow, tick)`; the unique key on that pair lets exactly one instance's insert succeed, and the
 * runner then claims the run like any other. Ticks missed while no instance ran are not replayed.
 * The schedules are reloaded when a flow changes (on any instance, through the bus) and at each poll.
 * Ticks are read and waited for on the instance's clock, which a test moves forward to pass them.
 */
@Injectable()
export class FlowScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Flows');
  private readonly schedules = new Map<string, Schedule>();
  private poll?: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;
  /** One reload at a time, and once more after it when asked meanwhile: it may have read the flows before a change. */
  private readonly loads = new CoalescedTask(
    () => this.load(),
    (error) => this.logger.warn(`Scheduled flows could not be read: ${error instanceof Error ? error.message : String(error)}`),
  );
  private inserting = new Set<Promise<void>>();

  constructor(
    @InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>,
    @InjectRepository(FlowRunEntity) private readonly runs: Repository<FlowRunEntity>,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectConfig('flows') private readonly config: FlowsConfig,
    private readonly runner: FlowRunner,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.run) return;
    this.unsubscribe = await this.bus.subscribe(FLOWS_CHANGED, () => this.reload());
    this.poll = setInterval(() => this.reload(), this.config.pollIntervalMs);
    this.reload();
  }

  async onModuleDestroy(): Promise<void> {
    const stopped = this.loads.stop();
    clearInterval(this.poll);
    await this.unsubscribe?.();
    await stopped;
    for (const schedule of this.schedules.values()) schedule.timer?.cancel();
    await Promise.all(this.inserting);
  }

  /** Reads the enabled scheduled flows and follows exactly those. */
  private reload(): void {
    this.loads.request();
  }

  private async load(): Promise<void> {
    const rows = await this.flows.findBy({ triggerType: 'schedule', enabled: true });
    const seen = new Set<string>();
    for (const flow of rows) {
      seen.add(flow.id);
      const version = `${flow.updatedAt.getTime()}:${flow.triggerOptions}`;
      if (this.schedules.get(flow.id)?.version === version) continue;
      this.forget(flow.id);
      const { cron } = JSON.parse(flow.triggerOptions) as Extract<FlowTrigger, { type: 'schedule' }>;
      let schedule: Cron;
      try {
        schedule = scheduleOf(cron);
      } catch {
        this.logger.warn(`Flow ${flow.id} has a schedule that is not a cron pattern: ${cron}`);
        continue;
      }
      const entry: Schedule = { flowId: flow.id, workspaceId: flow.workspaceId, version, cron: schedule, after: this.clock.date() };
      this.schedules.set(flow.id, entry);
      this.plan(entry);
    }
    for (const id of this.schedules.keys()) if (!seen.has(id)) this.forget(id);
  }

  private forget(flowId: string): void {
    this.schedules.get(flowId)?.timer?.cancel();
    this.schedules.delete(flowId);
  }

  /** Sets the timer for the schedule's next tick. */
  private plan(entry: Schedule): void {
    if (this.loads.stopped || this.schedules.get(entry.flowId) !== entry) return;
    const now = this.clock.now();
    if (entry.after.getTime() < now - CATCH_UP_MS) entry.after = new Date(now);
    const tick = entry.cron.nextRun(entry.after);
    if (!tick) return;
    entry.timer = this.clock.at(Math.min(tick.getTime(), now + MAX_WAIT_MS), () => {
      // A long wait was cut short, or the timer fired a hair early: plan again.
      if (this.clock.now() < tick.getTime()) return this.plan(entry);
      entry.after = tick;
      const inserted = this.insertTick(entry, tick).finally(() => {
        this.inserting.delete(inserted);
        this.plan(entry);
      });
      this.inserting.add(inserted);
    });
  }

  /** Inserts the tick's run, unless another instance already did. */
  private async insertTick(entry: Schedule, tick: Date): Promise<void> {
    const run = newRun({ flowId: entry.flowId, workspaceId: entry.workspaceId, triggerType: 'schedule', trigger: { scheduled_for: tick.toISOString(), depth: 0 }, scheduledFor: tick });
    try {
      await this.runs.insert(run);
    } catch (error) {
      if (classifyDatabaseError(error) === 'unique_violation') return;
      this.logger.warn(`The tick ${tick.toISOString()} of flow ${entry.flowId} could not be recorded: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.runner.wake();
    await this.bus.publish(FLOW_RUNS_QUEUED, { flowId: entry.flowId }).catch(() => undefined);
  }
}
