/**
 * The entry of a sandbox worker process, forked by SandboxPool. It keeps warm isolated-vm isolates per
 * workspace (and memory limit), each with the workspace's compiled scripts by code hash, and runs each
 * handler in a fresh context of a warm isolate of its own workspace: a run sees no global of an earlier
 * run, and no two workspaces' code ever shares a heap. Nothing of this process reaches a handler: the
 * context gets two host callbacks, hidden by the bootstrap, and copied strings.
 *
 * Two deadlines bound a run: isolated-vm's `timeout` stops synchronous code, and a timer disposes the
 * isolate when the wall-clock deadline passes, which also ends a run that awaits a host call. An isolate
 * that exceeds its memory limit is disposed by isolated-vm, and the next run of its workspace gets a new
 * one; if V8 aborts this whole process instead, the parent answers its runs and forks another.
 */
import { createHash } from 'node:crypto';
import ivm from 'isolated-vm';
import { BOOTSTRAP_SOURCE, HANDLER_TRAILER } from './bootstrap';
import { Outbox } from './outbox';
import { FromWorker, LOG_LIMITS, MAX_ANSWER_LENGTH, RunMessage, SandboxOutcome, SandboxStatus, ToWorker } from './sandbox.protocol';

/** An isolate is recycled after this many runs, or sooner when its heap stays above half its limit. */
const RUNS_PER_ISOLATE = 5_000;
/** Compiled scripts kept per isolate; beyond, the cache starts over. */
const SCRIPTS_PER_ISOLATE = 200;
/**
 * isolated-vm frees a released context's heap only once this process's garbage collector has
 * collected the context's handle, and this process allocates too little for that to happen on its
 * own: the contexts would pile up in the isolates' heaps, against their memory limits. A collection
 * every this many runs keeps at most that many spent contexts (about 150 KB each) per isolate. The
 * handles die young, so a minor collection (a scavenge, tens of microseconds) finds them; a full one
 * (a fifth of a run's time when done this often) comes every MINOR_PER_MAJOR of them, for any handle
 * that lived long enough to be promoted.
 */
const RUNS_PER_COLLECTION = 32;
const MINOR_PER_MAJOR = 32;

interface WarmIsolate {
  isolate: ivm.Isolate;
  /** `${workspaceId}:${memoryMb}`: whose runs it takes. */
  key: string;
  workspaceId: string;
  memoryMb: number;
  runs: number;
  bootstrap: ivm.Script;
  scripts: Map<string, ivm.Script>;
  /** Its workspace's handlers changed while it ran: disposed when the run ends, not kept. */
  stale: boolean;
}

/** The idle isolates by key; a Map keeps insertion order, so the first key is the least recently used. */
const idle = new Map<string, WarmIsolate[]>();
/** The isolates running something, for a workspace's handlers changing meanwhile. */
const busy = new Set<WarmIsolate>();
/** The bootstrap's `__cairnReply` of each run in progress, for the replies to its host calls. */
const running = new Map<number, ivm.Reference<(callId: number, ok: boolean, value: string) => void>>();
/** How many runs the parent sends at once: as many isolates may run, twice as many wait idle. */
const runsAtOnce = Math.max(1, Number(process.argv[2]) || 4);
const maxIdle = Math.max(8, 2 * runsAtOnce);
let idleCount = 0;
let runsSinceCollection = 0;
/** The forking pool starts this process with --expose-gc. */
const collectGarbage = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
let minorCollections = 0;

const toParent = new Outbox<FromWorker>((batch) => process.send?.(batch));

function send(message: FromWorker): void {
  toParent.put(message);
}

function take(workspaceId: string, memoryMb: number): WarmIsolate {
  const key = `${workspaceId}:${memoryMb}`;
  const pool = idle.get(key);
  const warm = pool?.pop();
  if (warm) {
    idleCount -= 1;
    if (pool!.length === 0) idle.delete(key);
  }
  const taken = warm ?? warmUp(key, workspaceId, memoryMb);
  busy.add(taken);
  return taken;
}

function warmUp(key: string, workspaceId: string, memoryMb: number): WarmIsolate {
  const isolate = new ivm.Isolate({
    memoryLimit: memoryMb,
    // V8 has lost control of the isolate: nothing here can be trusted any more; the parent forks another.
    onCatastrophicError: () => process.abort(),
  });
  const bootstrap = isolate.compileScriptSync(BOOTSTRAP_SOURCE, { filename: 'cairn:bootstrap' });
  return { isolate, key, workspaceId, memoryMb, runs: 0, bootstrap, scripts: new Map(), stale: false };
}

/** The heap an isolate uses now, or null once it is disposed. */
function heapUsed(warm: WarmIsolate): number | null {
  return warm.isolate.isDisposed ? null : warm.isolate.getHeapStatisticsSync().used_heap_size;
}

function giveBack(warm: WarmIsolate, heap: number | null): void {
  busy.delete(warm);
  if (heap === null || warm.isolate.isDisposed) return;
  if (warm.stale || warm.runs >= RUNS_PER_ISOLATE || heap > (warm.memoryMb * 1024 * 1024) / 2) {
    warm.isolate.dispose();
    return;
  }
  // Re-inserted last: the most recently used key.
  const pool = idle.get(warm.key) ?? [];
  idle.delete(warm.key);
  pool.push(warm);
  idle.set(warm.key, pool);
  idleCount += 1;
  while (idleCount > maxIdle) {
    const [oldestKey, oldest] = idle.entries().next().value as [string, WarmIsolate[]];
    oldest.shift()!.isolate.dispose();
    idleCount -= 1;
    if (oldest.length === 0) idle.delete(oldestKey);
  }
}

/** A workspace's handlers changed or were deleted: its isolates and their compiled scripts go. */
function forget(workspaceId: string): void {
  for (const [key, pool] of [...idle]) {
    if (pool[0]?.workspaceId !== workspaceId) continue;
    for (const warm of pool) warm.isolate.dispose();
    idleCount -= pool.length;
    idle.delete(key);
  }
  for (const warm of busy) if (warm.workspaceId === workspaceId) warm.stale = true;
}

function compiled(warm: WarmIsolate, code: string): ivm.Script {
  const hash = createHash('sha256').update(code).digest('base64url');
  let script = warm.scripts.get(hash);
  if (!script) {
    if (warm.scripts.size >= SCRIPTS_PER_ISOLATE) {
      for (const old of warm.scripts.values()) old.release();
      warm.scripts.clear();
    }
    script = warm.isolate.compileScriptSync(code + HANDLER_TRAILER, { filename: 'handler.js' });
    warm.scripts.set(hash, script);
  }
  return script;
}

async function run(message: RunMessage): Promise<void> {
  const started = performance.now();
  const logs: string[] = [];
  let droppedLogs = 0;
  const warm = take(message.workspaceId, message.memoryMb);
  warm.runs += 1;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    warm.isolate.dispose();
  }, message.timeoutMs);
  let context: ivm.Context | undefined;
  let outcome: Omit<SandboxOutcome, 'logs' | 'droppedLogs' | 'durationMs'>;
  try {
    // The context is prepared synchronously: Cairn's own bounded work, which would spend more time
    // hopping to the isolate's thread and back than doing it. The handler's code runs asynchronously,
    // so that a slow run does not hold the other runs of this process.
    context = warm.isolate.createContextSync();
    const jail = context.global;
    jail.setSync(
      '_cairnLog',
      new ivm.Callback((line: unknown) => {
        if (logs.length < LOG_LIMITS.lines) logs.push(String(line).slice(0, LOG_LIMITS.lineLength));
        else droppedLogs += 1;
      }),
    );
    jail.setSync('_cairnCall', new ivm.Callback((callId: number, request: string) => send({ type: 'call', runId: message.id, callId, request: String(request) }), { ignored: true }));
    jail.setSync('_cairnInput', message.input);
    warm.bootstrap.runSync(context);
    running.set(message.id, jail.getSync('__cairnReply', { reference: true }));
    const answer: unknown = await compiled(warm, message.code).run(context, { timeout: message.timeoutMs, promise: true });
    if (typeof answer !== 'string') outcome = { status: 'error', message: 'The handler gave no answer.' };
    else if (answer.length > MAX_ANSWER_LENGTH) outcome = { status: 'error', message: `The handler's answer is larger than ${MAX_ANSWER_LENGTH} characters.` };
    else outcome = { status: 'ok', answer };
  } catch (error) {
    outcome = failure(error, timedOut, warm.isolate.isDisposed);
  } finally {
    clearTimeout(deadline);
    running.get(message.id)?.release();
    running.delete(message.id);
  }
  try {
    context?.release();
  } catch {
    // The isolate was disposed with it.
  }
  const heap = heapUsed(warm);
  giveBack(warm, heap);
  send({ type: 'done', id: message.id, outcome: { ...outcome, logs, droppedLogs, durationMs: Math.round(performance.now() - started), ...(heap === null ? {} : { heapUsedBytes: heap }) } });
  runsSinceCollection += 1;
  if (runsSinceCollection >= RUNS_PER_COLLECTION && collectGarbage) {
    runsSinceCollection = 0;
    minorCollections = (minorCollections + 1) % MINOR_PER_MAJOR;
    collectGarbage({ type: minorCollections === 0 ? 'major' : 'minor' });
  }
}

/** Why a run failed: its deadline, its memory, or its code (a compile error, a throw at the top level). */
function failure(error: unknown, timedOut: boolean, disposed: boolean): { status: SandboxStatus; message: string } {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  if (timedOut) return { status: 'timeout', message: 'The handler did not finish before its deadline.' };
  if (/memory limit/i.test(text) || (disposed && /disposed/i.test(text))) return { status: 'memory', message: 'The handler ran out of memory.' };
  if (/Script execution timed out/i.test(text)) return { status: 'timeout', message: 'The handler did not finish before its deadline.' };
  return { status: 'error', message: text.slice(0, 2000) };
}

function reply(runId: number, callId: number, ok: boolean, value: string): void {
  // The run may end (deadline, memory) before the reply lands: then there is nobody to tell.
  try {
    running.get(runId)?.applyIgnored(undefined, [callId, ok, value]);
  } catch {
    // Its isolate was disposed meanwhile.
  }
}

process.on('message', (batch: ToWorker[]) => {
  for (const message of batch) {
    if (message.type === 'run') void run(message);
    else if (message.type === 'reply') reply(message.runId, message.callId, message.ok, message.value);
    else forget(message.workspaceId);
  }
});
// The API process is gone (closed or dead): nothing is left to answer to.
process.on('disconnect', () => process.exit(0));
// A process manager may signal every process of the service (systemd's control group), this worker
// included: the API process decides when its workers stop (after the runs in flight), by disconnecting
// or killing them. (The pool forks workers in a group of their own, out of reach of Ctrl-C.)
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
