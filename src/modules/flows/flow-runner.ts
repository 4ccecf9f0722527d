import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { CoalescedTask } from '../../common/async/coalesced-task';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { Database } from '../../common/database/database.service';
import { GracefulShutdown } from '../../common/lifecycle/graceful-shutdown';
import { Metrics } from '../../common/metrics/metrics';
import type { FlowsConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { ITEMS_CHANGED, ItemsChanged } from '../../common/bus/items-changed';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { FlowExecutor, RunOutcome, StepRecord } from './flow-executor';
import { FLOW_RUNS_QUEUED } from './flows.service';

/** Runs claimed at once by one instance. */
const BATCH = 10;
/**
 * How long a claimed run is this instance's without news: each finished step renews it. A run whose
 * lease lapses (its instance died mid-run) is failed, not run again: its steps may have had effects.
 */
const LEASE_MS = 60_000;

/**
 * Runs the pending runs: claims them (row locks with SKIP LOCKED on PostgreSQL and MariaDB, so that of
 * several instances exactly one takes each; SQLite has one process), runs each with the executor, and
 * records the steps as they go and the outcome. It wakes on every item change that may have written
 * runs and on runs queued elsewhere, and polls besides, so runs left by a stopped process are taken
 * after a restart.
 */
@Injectable()
export class FlowRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Flows');
  private timer?: NodeJS.Timeout;
  private unsubscribes: Array<() => Promise<void>> = [];
  private readonly pending = new CoalescedTask(
    () => this.drain(),
    (error) => this.logger.warn(`Flow runs could not be read: ${error instanceof Error ? error.message : String(error)}`),
  );

  constructor(
    private readonly db: Database,
    @InjectRepository(FlowRunEntity) private readonly runs: Repository<FlowRunEntity>,
    @InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectConfig('flows') private readonly config: FlowsConfig,
    private readonly executor: FlowExecutor,
    private readonly shutdown: GracefulShutdown,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.run) return;
    this.unsubscribes = [
      await this.bus.subscribe(ITEMS_CHANGED, (payload) => {
        if ((payload as ItemsChanged).flowRuns) this.wake();
      }),
      await this.bus.subscribe(FLOW_RUNS_QUEUED, () => this.wake()),
    ];
    this.timer = setInterval(() => this.wake(), this.config.pollIntervalMs);
    this.wake();
  }

  /** Claims no more runs; those in progress finish, until the shutdown's deadline (their lease then lapses). */
  async onModuleDestroy(): Promise<void> {
    const stopped = this.pending.stop();
    clearInterval(this.timer);
    await Promise.all(this.unsubscribes.map((unsubscribe) => unsubscribe()));
    await this.shutdown.settle(stopped);
  }

  /** Looks for runs now, or once more right after the look under way. */
  wake(): void {
    this.pending.request();
  }

  private async drain(): Promise<void> {
    await this.failAbandoned();
    // A stopping process claims no more runs: the other instances, or this one's next start, take them.
    while (!this.shutdown.stopping) {
      const claimed = await this.claim();
      await Promise.all(claimed.map((run) => this.run(run)));
      if (claimed.length < BATCH || this.pending.stopped) return;
    }
  }

  /** Takes up to BATCH pending runs, oldest first, for this instance. */
  private claim(): Promise<FlowRunEntity[]> {
    return this.db.rowLockingTransaction(async (manager) => {
      let query = manager.getRepository(FlowRunEntity).createQueryBuilder('r').where('r.status = :status', { status: 'pending' }).orderBy('r.created_at', 'ASC').limit(BATCH);
      if (this.db.kind !== 'sqlite') query = query.setLock('pessimistic_write').setOnLocked('skip_locked');
      const due = await query.getMany();
      if (due.length === 0) return [];
      const now = new Date();
      const claimedUntil = new Date(now.getTime() + LEASE_MS);
      await manager.getRepository(FlowRunEntity).update({ id: In(due.map((r) => r.id)) }, { status: 'running', claimedUntil, startedAt: now });
      return due.map((run) => ({ ...run, status: 'running' as const, claimedUntil, startedAt: now }));
    });
  }

  private async run(run: FlowRunEntity): Promise<void> {
    const started = performance.now();
    let outcome: RunOutcome;
    // The steps made so far, so that a run that breaks off (its progress could not be recorded) still says how far it went.
    let made: StepRecord[] = [];
    try {
      const flow = await this.flows.findOneBy({ id: run.flowId });
      if (!flow || !flow.enabled) {
        outcome = { status: 'failed', steps: [], error: 'The flow was disabled before the run began.' };
      } else {
        outcome = await this.executor.execute(flow, run, (steps) => {
          made = [...steps];
          return this.runs.update({ id: run.id }, { steps: JSON.stringify(steps), claimedUntil: new Date(Date.now() + LEASE_MS) }).then(() => undefined);
        });
      }
    } catch (error) {
      outcome = { status: 'failed', steps: made, error: error instanceof Error ? error.message : String(error) };
    }
    this.metrics.flowRunFinished(outcome.status, (performance.now() - started) / 1000);
    await this.runs
      .update({ id: run.id }, { status: outcome.status, steps: JSON.stringify(outcome.steps), error: outcome.error, claimedUntil: null, finishedAt: new Date() })
      .catch((error: unknown) => this.logger.warn(`Flow run ${run.id} could not be recorded: ${error instanceof Error ? error.message : String(error)}`));
  }

  /**
   * Fails the runs whose instance stopped in the middle of them (their lease lapsed). They are found
   * first and then updated one by one by key, the lease checked again: an UPDATE searching by status would lock the
   * status index before the rows, the reverse of a finishing run's UPDATE by key, and on MariaDB the two
   * deadlock — the finishing run's record then lost and the run left "running".
   */
  private async failAbandoned(): Promise<void> {
    const now = new Date();
    const abandoned = await this.runs.find({ select: { id: true }, where: { status: 'running', claimedUntil: LessThan(now) } });
    for (const { id } of abandoned) {
      await this.runs.update(
        { id, status: 'running', claimedUntil: LessThan(now) },
        { status: 'failed', error: 'The instance running it stopped before it finished.', claimedUntil: null, finishedAt: now },
      );
    }
  }
}
