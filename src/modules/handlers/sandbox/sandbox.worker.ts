/**
 * The entry of a sandbox worker process, forked by SandboxPool. It keeps warm isolated-vm isolates
 * (one per concurrent run, per memory limit) and each isolate's compiled scripts by code hash, and runs
 * each handler in a fresh context of a warm isolate. Nothing of this process reaches a handler: the
 * context gets two host callbacks, hidden by the bootstrap, and copied strings.
 *
 * Two deadlines bound a run: isolated-vm's `timeout` stops synchronous code, and a timer disposes the
 * isolate when the wall-clock deadline passes, which also ends a run that awaits a host call. An isolate
 * that exceeds its memory limit is disposed by isolated-vm; if V8 aborts this whole process instead, the
 * parent answers its runs and forks another.
 */
import { createHash } from 'node:crypto';
import ivm from 'isolated-vm';
import { BOOTSTRAP_SOURCE } from './bootstrap';
import { FromWorker, LOG_LIMITS, MAX_ANSWER_LENGTH, RunMessage, SandboxOutcome, SandboxStatus, ToWorker } from './sandbox.protocol';

/** An isolate is recycled after this many runs, or sooner when its heap stays above half its limit. */
const RUNS_PER_ISOLATE = 5_000;
/** Compiled scripts kept per isolate; beyond, the cache starts over. */
const SCRIPTS_PER_ISOLATE = 200;

interface WarmIsolate {
  isolate: ivm.Isolate;
  memoryMb: number;
  runs: number;
  bootstrap: ivm.Script;
  scripts: Map<string, ivm.Script>;
}

const idle = new Map<number, WarmIsolate[]>();
/** The context of each run in progress, for the replies to its host calls. */
const running = new Map<number, ivm.Context>();
/** How many idle isolates to keep per memory limit: the parent passes how many runs it sends at once. */
const maxIdle = Math.max(1, Number(process.argv[2]) || 4);

function send(message: FromWorker): void {
  process.send?.(message);
}

function take(memoryMb: number): WarmIsolate {
  const warm = idle.get(memoryMb)?.pop();
  if (warm) return warm;
  const isolate = new ivm.Isolate({
    memoryLimit: memoryMb,
    // V8 has lost control of the isolate: nothing here can be trusted any more; the parent forks another.
    onCatastrophicError: () => process.abort(),
  });
  return { isolate, memoryMb, runs: 0, bootstrap: isolate.compileScriptSync(BOOTSTRAP_SOURCE, { filename: 'cairn:bootstrap' }), scripts: new Map() };
}

function giveBack(warm: WarmIsolate): void {
  if (warm.isolate.isDisposed) return;
  const heap = warm.isolate.getHeapStatisticsSync();
  const pool = idle.get(warm.memoryMb) ?? [];
  if (warm.runs >= RUNS_PER_ISOLATE || heap.used_heap_size > (warm.memoryMb * 1024 * 1024) / 2 || pool.length >= maxIdle) {
    warm.isolate.dispose();
    return;
  }
  pool.push(warm);
  idle.set(warm.memoryMb, pool);
}

function compiled(warm: WarmIsolate, code: string): ivm.Script {
  const hash = createHash('sha256').update(code).digest('base64url');
  let script = warm.scripts.get(hash);
  if (!script) {
    if (warm.scripts.size >= SCRIPTS_PER_ISOLATE) {
      for (const old of warm.scripts.values()) old.release();
      warm.scripts.clear();
    }
    script = warm.isolate.compileScriptSync(code, { filename: 'handler.js' });
    warm.scripts.set(hash, script);
  }
  return script;
}

async function run(message: RunMessage): Promise<void> {
  const started = performance.now();
  const logs: string[] = [];
  let droppedLogs = 0;
  const warm = take(message.memoryMb);
  warm.runs += 1;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    warm.isolate.dispose();
  }, message.timeoutMs);
  let context: ivm.Context | undefined;
  let outcome: Omit<SandboxOutcome, 'logs' | 'droppedLogs' | 'durationMs'>;
  try {
    context = await warm.isolate.createContext();
    running.set(message.id, context);
    const jail = context.global;
    await jail.set(
      '_cairnLog',
      new ivm.Callback((line: unknown) => {
        if (logs.length < LOG_LIMITS.lines) logs.push(String(line).slice(0, LOG_LIMITS.lineLength));
        else droppedLogs += 1;
      }),
    );
    await jail.set('_cairnCall', new ivm.Callback((callId: number, request: string) => send({ type: 'call', runId: message.id, callId, request: String(request) }), { ignored: true }));
    await warm.bootstrap.run(context);
    await compiled(warm, message.code).run(context, { timeout: message.timeoutMs });
    const answer: unknown = await context.evalClosure('return __cairnEntry($0)', [message.input], { result: { promise: true }, timeout: message.timeoutMs });
    if (typeof answer !== 'string') outcome = { status: 'error', message: 'The handler gave no answer.' };
    else if (answer.length > MAX_ANSWER_LENGTH) outcome = { status: 'error', message: `The handler's answer is larger than ${MAX_ANSWER_LENGTH} characters.` };
    else outcome = { status: 'ok', answer };
  } catch (error) {
    outcome = failure(error, timedOut, warm.isolate.isDisposed);
  } finally {
    clearTimeout(deadline);
    running.delete(message.id);
  }
  try {
    context?.release();
  } catch {
    // The isolate was disposed with it.
  }
  giveBack(warm);
  send({ type: 'done', id: message.id, outcome: { ...outcome, logs, droppedLogs, durationMs: Math.round(performance.now() - started) } });
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
  const context = running.get(runId);
  if (!context) return;
  // The run may end (deadline, memory) before the reply lands: then there is nobody to tell.
  context.evalClosure('__cairnReply($0, $1, $2)', [callId, ok, value]).catch(() => undefined);
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'run') void run(message);
  else if (message.type === 'reply') reply(message.runId, message.callId, message.ok, message.value);
});
// The API process is gone (closed or dead): nothing is left to answer to.
process.on('disconnect', () => process.exit(0));
// A process manager may signal every process of the service (systemd's control group), this worker
// included: the API process decides when its workers stop (after the runs in flight), by disconnecting
// or killing them. (The pool forks workers in a group of their own, out of reach of Ctrl-C.)
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
