import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import type { HandlersConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { HandlerRunEntity, RunStatus } from './handler.entities';

/** A run as it is recorded. */
export interface RunRecord {
  id: string;
  handlerId: string;
  status: RunStatus;
  durationMs: number;
  logs: string[];
  error: string | null;
}

/** How many runs of a handler are recorded between two prunings of its log. */
const PRUNE_EVERY = 50;
/** How long a recorded run waits for others to go into the same INSERT. */
const BATCH_DELAY_MS = 50;
/** The most rows one INSERT takes. */
const BATCH_SIZE = 200;

/**
 * The log of handler runs. Runs are recorded on every request that runs a handler, so rows are
 * written in batches: a recorded run waits in memory up to BATCH_DELAY_MS for the runs recorded after
 * it, and all go in one INSERT; the request never waits for its run's row. Each handler keeps its
 * newest HANDLER_RUN_LOG_SIZE runs; older ones are deleted every PRUNE_EVERY runs of it. Reading the
 * log writes what waits first, and at shutdown HandlerRunner waits for `flushed()` once no run is
 * left, before the database closes: no recorded run is lost.
 */
@Injectable()
export class HandlerRunLog {
  private readonly logger = new Logger(HandlerRunLog.name);
  private pending: HandlerRunEntity[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sincePrune = new Map<string, number>();

  constructor(
    @InjectRepository(HandlerRunEntity) private readonly runs: Repository<HandlerRunEntity>,
    @InjectConfig('handlers') private readonly config: HandlersConfig,
  ) {}

  /** A new run's id: time-ordered, so the log's newest rows are its last keys. */
  newRunId(): string {
    return timeOrderedUuid();
  }

  record(run: RunRecord): void {
    this.pending.push({ ...run, logs: JSON.stringify(run.logs), error: run.error?.slice(0, 4000) ?? null, createdAt: new Date() });
    if (this.pending.length >= BATCH_SIZE) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), BATCH_DELAY_MS);
  }

  /** Resolves once every run recorded so far is written: the run log reads after it. */
  async flushed(): Promise<void> {
    this.flushNow();
    while (this.flushing) await this.flushing;
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length > 0) this.flushing ??= this.flush();
  }

  /** The newest runs of a handler, newest first. */
  async list(handlerId: string, limit: number): Promise<HandlerRunEntity[]> {
    await this.flushed();
    return this.runs.find({ where: { handlerId }, order: { id: 'DESC' }, take: limit });
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, BATCH_SIZE);
        await this.insert(batch);
        for (const row of batch) this.sincePrune.set(row.handlerId, (this.sincePrune.get(row.handlerId) ?? 0) + 1);
        for (const [handlerId, count] of [...this.sincePrune]) {
          if (count < PRUNE_EVERY) continue;
          this.sincePrune.delete(handlerId);
          await this.prune(handlerId);
        }
      }
    } catch (error) {
      this.logger.warn(`Could not write the handler run log: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.flushing = null;
    }
  }

  /** Inserts a batch; if it fails (a handler deleted meanwhile), each row alone, dropping the ones that fail. */
  private async insert(batch: HandlerRunEntity[]): Promise<void> {
    try {
      await this.runs.insert(batch);
    } catch {
      for (const row of batch) await this.runs.insert(row).catch(() => undefined);
    }
  }

  /** Deletes a handler's runs older than its newest HANDLER_RUN_LOG_SIZE. */
  private async prune(handlerId: string): Promise<void> {
    const [oldestKept] = await this.runs.find({ select: { id: true }, where: { handlerId }, order: { id: 'DESC' }, skip: this.config.runLogSize - 1, take: 1 });
    if (oldestKept) await this.runs.delete({ handlerId, id: LessThan(oldestKept.id) });
  }
}
