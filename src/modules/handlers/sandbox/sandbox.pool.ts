import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { serviceUnavailable } from '../../../common/errors/app-error';
import type { HandlersConfig } from '../../../config/app-config';
import type { DoneMessage, FromWorker, RunMessage, SandboxOutcome, ToWorker } from './sandbox.protocol';

/** How long past a run's deadline the parent waits for its worker before killing the worker. */
const DEADLINE_GRACE_MS = 1_000;
/** The worker's own heap (isolates have theirs): it only relays messages. */
const WORKER_HEAP_MB = 96;

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
  runs: Map<number, Active>;
  /** Set when the parent killed it for a run past its deadline. */
  killedFor: number | null;
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
 */
export class SandboxPool {
  private readonly logger = new Logger(SandboxPool.name);
  private readonly workers: Worker[] = [];
  private readonly queue: Waiting[] = [];
  private readonly perWorkspace = new Map<string, number>();
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
      // Queued runs are all held by their workspace's cap (a freed slot drains the others at once), so
      // a run that may start now overtakes none that could.
      if (run.nested || this.admissible(run)) return this.start(waiting);
      if (this.queue.length >= this.config.queueSize) return reject(serviceUnavailable('Too many handler runs are waiting. Try again shortly.'));
      this.queue.push(waiting);
    });
  }

  /** Stops every worker; runs in progress and queued are answered as unavailable. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting.reject(serviceUnavailable('Handlers are shutting down.'));
    await Promise.all(this.workers.map((worker) => stop(worker.child)));
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

  private admissible(run: SandboxRun): boolean {
    return (this.perWorkspace.get(run.workspaceId) ?? 0) < this.config.workspaceConcurrency && this.freeWorker() !== null;
  }

  private leastBusy(): Worker | null {
    return this.workers.reduce<Worker | null>((best, worker) => (best === null || worker.runs.size < best.runs.size ? worker : best), null);
  }

  /** The least busy worker with room for a run, forking one while there are fewer than configured. */
  private freeWorker(): Worker | null {
    const least = this.leastBusy();
    if (least && least.runs.size === 0) return least;
    if (this.workers.length < this.config.workers) return this.spawn();
    return least && least.runs.size < this.config.runsPerWorker ? least : null;
  }

  private start(waiting: Waiting): void {
    const { id, run } = waiting;
    const worker = this.freeWorker() ?? this.leastBusy() ?? this.spawn();
    this.perWorkspace.set(run.workspaceId, (this.perWorkspace.get(run.workspaceId) ?? 0) + 1);
    const timer = setTimeout(() => this.overdue(worker, id), run.timeoutMs + DEADLINE_GRACE_MS);
    worker.runs.set(id, { run, worker, timer, resolve: waiting.resolve, started: performance.now() });
    const message: RunMessage = { type: 'run', id, code: run.code, timeoutMs: run.timeoutMs, memoryMb: run.memoryMb, input: run.input };
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
    this.drain();
  }

  /** Starts the queued runs that may start now, oldest first, skipping workspaces at their cap. */
  private drain(): void {
    for (let index = 0; index < this.queue.length && !this.closed; ) {
      const waiting = this.queue[index];
      if (this.freeWorker() === null) return;
      if ((this.perWorkspace.get(waiting.run.workspaceId) ?? 0) >= this.config.workspaceConcurrency) {
        index += 1;
        continue;
      }
      this.queue.splice(index, 1);
      this.start(waiting);
    }
  }

  /** The worker did not answer a run by its deadline and the grace: its isolate is stuck; kill it. */
  private overdue(worker: Worker, id: number): void {
    if (!worker.runs.has(id)) return;
    this.logger.warn(`A sandbox worker did not end a run past its deadline; killing it (pid ${worker.child.pid}).`);
    worker.killedFor = id;
    worker.child.kill('SIGKILL');
  }

  private spawn(): Worker {
    const child = fork(this.workerPath, [String(this.config.runsPerWorker)], {
      // isolated-vm needs --no-node-snapshot on Node 20. The worker gets no environment: no secret of
      // the API process is in the process where handlers run.
      execArgv: ['--no-node-snapshot', `--max-old-space-size=${WORKER_HEAP_MB}`],
      env: {},
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const worker: Worker = { child, runs: new Map(), killedFor: null };
    this.workers.push(worker);
    child.on('message', (message: FromWorker) => this.onMessage(worker, message));
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
    if (!this.closed && worker.killedFor === null) this.logger.warn(`A sandbox worker stopped (${signal ?? `exit code ${code}`}); the next run forks another.`);
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
    if (!worker.child.connected) return;
    worker.child.send(message, (error) => {
      if (error) this.logger.warn(`Could not reach a sandbox worker: ${error.message}`);
    });
  }
}

/** Disconnects a worker (it exits on its own) and kills it if it has not exited shortly after. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
  });
}
