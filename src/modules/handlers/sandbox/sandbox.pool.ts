import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { serviceUnavailable } from '../../../common/errors/app-error';
import type { HandlersConfig } from '../../../config/app-config';
import { Outbox } from './outbox';
import type { DoneMessage, FromWorker, RunMessage, SandboxOutcome, ToWorker } from './sandbox.protocol';
import { Lane, placeRun, Quarantine } from './worker-assignment';

/** How long past a run's deadline the parent waits for its worker before killing the worker. */
const DEADLINE_GRACE_MS = 1_000;
/** The worker's own heap (isolates have theirs): it only relays messages. */
const WORKER_HEAP_MB = 96;
/** How long a workspace whose handler made a worker die runs apart from the others; a new crash starts it again. */
export const QUARANTINE_MS = 10 * 60_000;
/** The most quarantine workers at once; beyond, quarantined workspaces share them, never a healthy workspace's. */
export const QUARANTINE_WORKERS = 2;

/** One run as the pool is asked for it. */
export interface SandboxRun {
  workspaceId: string;
  code: string;
  timeoutMs: number;
  memoryMb: number;
  /** JSON: `{"ctx": ...}`. */
  input: string;
  /**
   * A run started by another run (a hook fired by a handler's write): it is admitted at once, beyond
   * the queue and the workspace's cap, since the run that waits for it holds a slot already.
   */
  nested: boolean;
  /** Answers a host call of the run (its `items()` calls), with JSON. */
  onCall(request: string): Promise<{ ok: boolean; value: string }>;
}

interface Worker {
  child: ChildProcess;
  /** What is sent to it: the messages of one turn of the event loop go in one write. */
  outbox: Outbox<ToWorker>;
  /** Whose runs it takes: every healthy workspace's (null), or one quarantine lane's. */
  lane: Lane;
  runs: Map<number, Active>;
  /** Set when the parent killed it for a run past its deadline. */
  killedFor: number | null;
  /** Set when its quarantine lane has ended: it takes no more runs and stops once idle. */
  retiring: boolean;
}

interface Active {
  run: SandboxRun;
  worker: Worker;
  timer: NodeJS.Timeout;
  resolve(outcome: SandboxOutcome): void;
  started: number;
}

interface Waiting {
  id: number;
  run: SandboxRun;
  resolve(outcome: SandboxOutcome): void;
  reject(error: unknown): void;
}

/**
 * The pool of sandbox worker processes, in the API process. Runs go to the least busy worker as plain
 * JSON over IPC; when every worker runs as many as it may, they wait in a bounded queue (beyond it:
 * 503), and one workspace runs at most `workspaceConcurrency` at once, so it cannot take every slot.
 * Each run has a parent-side deadline too: a worker that has not answered by the run's deadline and a
 * grace is killed. A worker that dies (killed, out of memory, crashed) has its runs answered as crashed
 * and is replaced on the next run. Workers start with the first run and stop with the application.
 *
 * The workspaces that had runs in a worker that died (only the overdue run's, when the pool killed it)
 * are quarantined for QUARANTINE_MS: their runs go to quarantine workers of their own (worker-assignment.ts),
 * so a handler that crashes its worker again takes no other workspace's run with it.
 */
export class SandboxPool {
  private readonly logger = new Logger(SandboxPool.name);
  private readonly workers: Worker[] = [];
  private readonly queue: Waiting[] = [];
  private readonly perWorkspace = new Map<string, number>();
  private readonly quarantine = new Quarantine(QUARANTINE_MS, QUARANTINE_WORKERS);
  private readonly whenIdle: Array<() => void> = [];
  private lastId = 0;
  private closed = false;

  constructor(
    private readonly config: HandlersConfig,
    private readonly workerPath = join(__dirname, 'sandbox.worker.js'),
  ) {}

  run(run: SandboxRun): Promise<SandboxOutcome> {
    if (this.closed) return Promise.reject(serviceUnavailable('Handlers are shutting down.'));
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { id: ++this.lastId, run, resolve, reject };
      // Queued runs are all held by their workspace's cap or their lane's room (a freed slot drains the
      // others at once), so a run that may start now overtakes none that could.
      if (run.nested || this.admissible(run)) return this.start(waiting);
      if (this.queue.length >= this.config.queueSize) return reject(serviceUnavailable('Too many handler runs are waiting. Try again shortly.'));
      this.queue.push(waiting);
    });
  }

  /**
   * Drops the warm isolates of a workspace, with their compiled scripts, in every worker: its handlers
   * changed or were deleted. (Scripts are cached by their code's hash, so a run never meets stale code
   * either way; this is so that deleted code does not stay in memory.)
   */
  forget(workspaceId: string): void {
    for (const worker of this.workers) this.send(worker, { type: 'forget', workspaceId });
  }

  /** Resolves once no run is in progress or waiting, including the runs those start. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.whenIdle.push(resolve));
  }

  /**
   * Stops every worker: idle ones are let go, busy ones killed (their runs are answered as crashed), and
   * queued runs are answered as unavailable. At shutdown it comes after idle(), or after the time for it ran out.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting.reject(serviceUnavailable('Handlers are shutting down.'));
    this.settled();
    await Promise.all(this.workers.map((worker) => stop(worker.child, worker.runs.size > 0)));
  }

  /** The process ids of the live workers, and of those running something: for tests that kill one. */
  get workerPids(): number[] {
    return this.workers.map((worker) => worker.child.pid ?? 0);
  }

  get queuedRuns(): number {
    return this.queue.length;
  }

  get busyWorkerPids(): number[] {
    return this.workers.filter((worker) => worker.runs.size > 0).map((worker) => worker.child.pid ?? 0);
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.workers.every((worker) => worker.runs.size === 0);
  }

  /** Tells those waiting for idle() once nothing is left. */
  private settled(): void {
    if (this.isIdle()) for (const resolve of this.whenIdle.splice(0)) resolve();
  }

  private admissible(run: SandboxRun): boolean {
    return (this.perWorkspace.get(run.workspaceId) ?? 0) < this.config.workspaceConcurrency && this.placement(this.laneOf(run)).place !== null;
  }

  private laneOf(run: SandboxRun): Lane {
    return this.quarantine.laneFor(run.workspaceId, Date.now());
  }

  /** The workers that take runs (not retiring), and where a run of the lane would go among them. */
  private placement(lane: Lane): { placeable: Worker[]; place: ReturnType<typeof placeRun> } {
    const placeable = this.workers.filter((worker) => !worker.retiring);
    const loads = placeable.map((worker) => ({ lane: worker.lane, runs: worker.runs.size }));
    return { placeable, place: placeRun(loads, lane, { sharedWorkers: this.config.workers, runsPerWorker: this.config.runsPerWorker }) };
  }

  /** A worker of the lane for a run: one with room, a new one, or (a nested run, admitted beyond the limits) the least busy. */
  private workerFor(lane: Lane): Worker {
    const { placeable, place } = this.placement(lane);
    if (place && 'worker' in place) return placeable[place.worker];
    const ofLane = placeable.filter((worker) => worker.lane === lane);
    if (place || ofLane.length === 0) return this.spawn(lane);
    return ofLane.reduce((best, worker) => (worker.runs.size < best.runs.size ? worker : best));
  }

  private start(waiting: Waiting): void {
    const { id, run } = waiting;
    const worker = this.workerFor(this.laneOf(run));
    this.perWorkspace.set(run.workspaceId, (this.perWorkspace.get(run.workspaceId) ?? 0) + 1);
    const timer = setTimeout(() => this.overdue(worker, id), run.timeoutMs + DEADLINE_GRACE_MS);
    worker.runs.set(id, { run, worker, timer, resolve: waiting.resolve, started: performance.now() });
    const message: RunMessage = { type: 'run', id, workspaceId: run.workspaceId, code: run.code, timeoutMs: run.timeoutMs, memoryMb: run.memoryMb, input: run.input };
    this.send(worker, message);
  }

  private finish(worker: Worker, id: number, outcome: SandboxOutcome): void {
    const active = worker.runs.get(id);
    if (!active) return;
    worker.runs.delete(id);
    clearTimeout(active.timer);
    const left = (this.perWorkspace.get(active.run.workspaceId) ?? 1) - 1;
    if (left <= 0) this.perWorkspace.delete(active.run.workspaceId);
    else this.perWorkspace.set(active.run.workspaceId, left);
    active.resolve(outcome);
    if (worker.retiring && worker.runs.size === 0) void stop(worker.child);
    this.drain();
    this.settled();
  }

  /** Starts the queued runs that may start now, oldest first, skipping those whose workspace is at its cap or whose lane is full. */
  private drain(): void {
    for (let index = 0; index < this.queue.length && !this.closed; ) {
      const waiting = this.queue[index];
      if (!this.admissible(waiting.run)) {
        index += 1;
        continue;
      }
      this.queue.splice(index, 1);
      this.start(waiting);
    }
  }

  /**
   * Keeps the workspaces whose runs were in a worker that died apart from then on. Which of them crashed
   * it cannot be told, so all are; the others are only kept apart until their quarantine ends.
   */
  private putApart(workspaceIds: Set<string>): void {
    const end = this.quarantine.add(workspaceIds, Date.now());
    this.logger.warn(`Workspace(s) ${[...workspaceIds].join(', ')} run handlers in quarantine workers until ${new Date(end).toISOString()}.`);
    setTimeout(() => this.retireEndedLanes(), end - Date.now() + 1).unref();
  }

  /** The workers of quarantine lanes that no workspace is in any more take no further run and stop once idle. */
  private retireEndedLanes(): void {
    const inUse = this.quarantine.lanesInUse(Date.now());
    for (const worker of this.workers) {
      if (worker.lane === null || worker.retiring || inUse.has(worker.lane)) continue;
      worker.retiring = true;
      if (worker.runs.size === 0) void stop(worker.child);
    }
  }

  /** The worker did not answer a run by its deadline and the grace: its isolate is stuck; kill it. */
  private overdue(worker: Worker, id: number): void {
    if (!worker.runs.has(id)) return;
    this.logger.warn(`A sandbox worker did not end a run past its deadline; killing it (pid ${worker.child.pid}).`);
    worker.killedFor = id;
    worker.child.kill('SIGKILL');
  }

  private spawn(lane: Lane): Worker {
    const child = fork(this.workerPath, [String(this.config.runsPerWorker)], {
      // isolated-vm needs --no-node-snapshot on Node 20; --expose-gc lets the worker free spent contexts
      // (sandbox.worker.ts). The worker gets no environment: no secret of
      // the API process is in the process where handlers run.
      execArgv: ['--no-node-snapshot', '--expose-gc', `--max-old-space-size=${WORKER_HEAP_MB}`],
      env: {},
      // In a process group of its own: the signal a terminal (Ctrl-C) or a process manager sends to the
      // API's group must not end the runs in flight; the pool stops its workers after them.
      detached: true,
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const outbox = new Outbox<ToWorker>((batch) => this.write(child, batch));
    const worker: Worker = { child, outbox, lane, runs: new Map(), killedFor: null, retiring: false };
    this.workers.push(worker);
    child.on('message', (batch: FromWorker[]) => {
      for (const message of batch) this.onMessage(worker, message);
    });
    child.on('error', (error) => this.logger.warn(`A sandbox worker failed: ${error.message}`));
    child.once('exit', (code, signal) => this.onExit(worker, code, signal));
    return worker;
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    if (message.type === 'done') return this.finish(worker, (message as DoneMessage).id, message.outcome);
    const active = worker.runs.get(message.runId);
    if (!active) return;
    void active.run
      .onCall(message.request)
      .catch(() => ({ ok: false, value: JSON.stringify({ status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred.' }) }))
      .then((reply) => {
        if (worker.runs.has(message.runId)) this.send(worker, { type: 'reply', runId: message.runId, callId: message.callId, ...reply });
      });
  }

  /** A worker is gone: its runs are answered (timed out, or crashed) and it is replaced on demand. */
  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    const overdue = worker.killedFor === null ? undefined : worker.runs.get(worker.killedFor);
    const culprits = new Set(overdue ? [overdue.run.workspaceId] : [...worker.runs.values()].map((active) => active.run.workspaceId));
    if (!this.closed && worker.killedFor === null && !worker.retiring) this.logger.warn(`A sandbox worker stopped (${signal ?? `exit code ${code}`}); the next run forks another.`);
    if (!this.closed && culprits.size > 0) this.putApart(culprits);
    for (const [id, active] of [...worker.runs]) {
      const timedOut = worker.killedFor === id;
      this.finish(worker, id, {
        status: timedOut ? 'timeout' : 'crash',
        message: timedOut ? 'The handler did not finish before its deadline.' : this.closed ? 'Handlers are shutting down.' : 'The sandbox process running the handler stopped.',
        logs: [],
        droppedLogs: 0,
        durationMs: Math.round(performance.now() - active.started),
      });
    }
    this.drain();
  }

  private send(worker: Worker, message: ToWorker): void {
    worker.outbox.put(message);
  }

  private write(child: ChildProcess, batch: ToWorker[]): void {
    if (!child.connected) return;
    child.send(batch, (error) => {
      if (error) this.logger.warn(`Could not reach a sandbox worker: ${error.message}`);
    });
  }
}

/**
 * Stops a worker: disconnects it (it exits on its own) and kills it if it has not exited shortly after,
 * or kills it at once (`now`: its runs are being cut).
 */
function stop(child: ChildProcess, now = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.connected && !now) child.disconnect();
    else child.kill('SIGKILL');
  });
}
