import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import { AppError } from '../../common/errors/app-error';
import { ErrorCode, httpStatusOf, isErrorCode } from '../../common/errors/error-codes';
import { toErrorResponse } from '../../common/errors/error-response';
import { GracefulShutdown } from '../../common/lifecycle/graceful-shutdown';
import { Metrics } from '../../common/metrics/metrics';
import type { HandlersConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { isRecord } from '../../engine/query/filter.parser';
import { ItemsService } from '../data/items.service';
import { isAppRoleAccess, ItemsAccess } from '../workspaces/workspaces.service';
import type { RunnableHandler } from './handler.catalog';
import { belowRun, handlerDepthOf } from './handler-depth';
import { HandlerRunLog } from './handler-run-log';
import type { RunStatus } from './handler.entities';
import { SandboxPool } from './sandbox/sandbox.pool';
import type { SandboxOutcome } from './sandbox/sandbox.protocol';

/** What a run gives its handler besides `items()` and `log()`: plain data only. */
export interface HandlerInput {
  request?: { method: string; path: string; params: Record<string, string>; query: Record<string, unknown>; headers: Record<string, string>; body: unknown };
  event?: { action: string; collection: string; keys: unknown[]; payload: Record<string, unknown> | null };
  /** A flow's `handler` operation: the flow, and the operation's templated input. */
  flow?: { id: string | null; input: unknown };
}

/** The statuses a handler may throw, and the contract's code each becomes. */
const THROWN_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_PAYLOAD',
  401: 'INVALID_CREDENTIALS',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** The most items() calls one run may make, and may have waiting at once. */
const CALL_LIMITS = { total: 1_000, inFlight: 16 };

/** The origin recorded in the activity log for handlers' writes. */
const HANDLER_ORIGIN = { ip: null, userAgent: 'cairn-handler' };

/** A run's items() calls: how many it made, how many wait, and those (to wait for before a rehearsal ends). */
interface Calls {
  total: number;
  inFlight: number;
  pending: Set<Promise<unknown>>;
}

/** A sample run as its author is shown it. */
export interface SampleResult {
  status: RunStatus;
  /** What the handler returned (status ok). */
  value?: unknown;
  /** Why it did not return (any other status): what it threw, or what stopped it. */
  error?: { message: string; status: number | null; code: string | null; name: string | null };
  logs: string[];
  duration_ms: number;
  /** The heap its isolate used when it ended, against its limit; absent when the isolate was lost. */
  memory?: { heap_used_bytes: number; limit_mb: number };
}

type Answer = { ok: true; value: unknown } | { ok: false; error: { status: number | null; code: string | null; message: string; name: string | null } };

/**
 * Runs one handler in the sandbox pool with the caller's access: its `items()` calls go through the
 * items door as that caller (policies apply, and hooks fire one level deeper), its outcome is recorded
 * in the run log, and a failure becomes an error in the contract's envelope.
 */
@Injectable()
export class HandlerRunner implements BeforeApplicationShutdown {
  constructor(
    @Inject(SandboxPool) private readonly pool: SandboxPool,
    private readonly items: ItemsService,
    private readonly runLog: HandlerRunLog,
    @InjectConfig('handlers') private readonly config: HandlersConfig,
    private readonly shutdown: GracefulShutdown,
    private readonly db: Database,
    private readonly metrics: Metrics,
  ) {}

  /**
   * At shutdown, once requests are answered and flows' runner has stopped (both before this hook): the
   * runs still in progress, after hooks among them, finish until the shutdown's deadline; then the
   * workers stop and the run log is written, before the database closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown.settle(this.pool.idle());
    await this.pool.close();
    await this.runLog.flushed();
  }

  /** Runs a handler and answers the value it returned, or throws what its failure means for the client. */
  async run(handler: RunnableHandler, access: ItemsAccess, input: HandlerInput): Promise<unknown> {
    const runId = this.runLog.newRunId();
    const { outcome } = await this.execute(handler, access, input);
    return this.conclude(handler, runId, outcome);
  }

  /**
   * Runs a handler on a sample input for its author, without committing its writes: the run's items()
   * calls are made in a rehearsal (Database.rehearse), one transaction rolled back at the end, where
   * writes are validated, held to policies and performed, but announce nothing (no event, webhook, flow
   * run or after hook). Whatever the run does, its outcome is answered as data, and it is not recorded
   * in the run log, which keeps real runs.
   */
  sample(handler: RunnableHandler, access: ItemsAccess, input: HandlerInput): Promise<SampleResult> {
    return this.db.rehearse(async () => {
      const { outcome, calls } = await this.execute(handler, access, input);
      // Calls the run left under way (it ended at its deadline) finish inside the rehearsal, before its
      // rollback: outside it, their writes would be committed.
      while (calls.pending.size > 0) await Promise.allSettled([...calls.pending]);
      return sampleResult(handler, outcome);
    });
  }

  private async execute(handler: RunnableHandler, access: ItemsAccess, input: HandlerInput): Promise<{ outcome: SandboxOutcome; calls: Calls }> {
    const depth = handlerDepthOf(access);
    if (depth >= this.config.maxDepth) {
      throw new AppError('HANDLER_FAILED', `The handler "${handler.name}" was not run: handlers may nest at most ${this.config.maxDepth} deep.`, { handler: handler.name });
    }
    const ctx = { ...input, handler: { id: handler.id, name: handler.name, kind: handler.kind }, principal: principalOf(access) };
    const calls: Calls = { total: 0, inFlight: 0, pending: new Set() };
    const callAccess = belowRun(access, depth);
    const outcome = await this.pool.run({
      workspaceId: handler.workspaceId,
      code: handler.code,
      timeoutMs: handler.timeoutMs,
      memoryMb: handler.memoryMb,
      input: JSON.stringify({ ctx }),
      nested: depth > 0,
      // Host calls arrive as messages from the worker: in an ambient transaction (a rehearsal, a batch),
      // they are bound to it.
      onCall: this.db.bindToAmbient((request: string) => this.call(callAccess, request, calls)),
    });
    return { outcome, calls };
  }

  /** One `items()` call of a run, through the items door with the caller's access (one level deeper). */
  private call(access: ItemsAccess, request: string, calls: Calls): Promise<{ ok: boolean; value: string }> {
    if (calls.total >= CALL_LIMITS.total) return Promise.resolve(refusal(429, 'RATE_LIMITED', `A run may make at most ${CALL_LIMITS.total} items() calls.`));
    if (calls.inFlight >= CALL_LIMITS.inFlight) return Promise.resolve(refusal(429, 'RATE_LIMITED', `A run may wait for at most ${CALL_LIMITS.inFlight} items() calls at once.`));
    calls.total += 1;
    calls.inFlight += 1;
    const answer = this.answer(access, request).finally(() => {
      calls.inFlight -= 1;
      calls.pending.delete(answer);
    });
    calls.pending.add(answer);
    return answer;
  }

  private async answer(access: ItemsAccess, request: string): Promise<{ ok: boolean; value: string }> {
    try {
      const value = await this.perform(access, safeParse(request));
      return { ok: true, value: JSON.stringify(value ?? null) };
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      const [first] = body.errors;
      return { ok: false, value: JSON.stringify({ status, code: first.extensions.code, message: first.message }) };
    }
  }

  private async perform(access: ItemsAccess, request: unknown): Promise<unknown> {
    if (!isRecord(request) || typeof request.collection !== 'string' || !Array.isArray(request.args)) throw badCall('a malformed call');
    const { op, collection, args } = request;
    const [first, second] = args as unknown[];
    switch (op) {
      case 'readByQuery':
        return (await this.items.list(access, { collection, params: queryOf(first) })).data;
      case 'readOne':
        return this.items.get(access, { collection, id: keyOf(first), params: queryOf(second) });
      case 'createOne':
        if (!isRecord(first)) throw badCall('createOne(data) needs an object');
        return (await this.items.create(access, { collection, items: [first], batch: false, origin: HANDLER_ORIGIN }))[0] ?? null;
      case 'updateOne':
        if (!isRecord(second)) throw badCall('updateOne(id, data) needs an object');
        return (await this.items.update(access, { collection, keys: { id: keyOf(first) }, values: second, origin: HANDLER_ORIGIN }))[0] ?? null;
      case 'deleteOne':
        await this.items.delete(access, { collection, keys: { id: keyOf(first) }, origin: HANDLER_ORIGIN });
        return null;
      default:
        throw badCall(`an unknown operation`);
    }
  }

  /** Records the run and turns its outcome into the handler's value or the client's error. */
  private conclude(handler: RunnableHandler, runId: string, outcome: SandboxOutcome): unknown {
    const logs = outcome.droppedLogs > 0 ? [...outcome.logs, `(${outcome.droppedLogs} more lines dropped)`] : outcome.logs;
    const record = (status: RunStatus, error: string | null) => {
      this.runLog.record({ id: runId, handlerId: handler.id, status, durationMs: outcome.durationMs, logs, error });
      this.metrics.handlerRan(handler.kind, status, outcome.durationMs / 1000);
    };
    const about = { handler: handler.name, run: runId };
    switch (outcome.status) {
      case 'ok': {
        const answer = parseAnswer(outcome.answer);
        if (answer.ok) {
          record('ok', null);
          return answer.value;
        }
        const { error } = answer;
        record('error', `${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.status ? `(${error.status}) ` : ''}${error.message}`);
        return thrown(handler, error, about);
      }
      case 'error':
        record('error', outcome.message ?? null);
        throw new AppError('HANDLER_FAILED', `The handler "${handler.name}" failed; its run log has the details.`, about);
      case 'timeout':
        record('timeout', `Did not finish within ${handler.timeoutMs} ms.`);
        throw new AppError('HANDLER_TIMEOUT', `The handler "${handler.name}" did not finish within ${handler.timeoutMs} ms.`, about);
      case 'memory':
        record('memory', `Ran out of memory (limit ${handler.memoryMb} MB).`);
        throw new AppError('HANDLER_FAILED', `The handler "${handler.name}" ran out of memory (limit ${handler.memoryMb} MB).`, about);
      case 'crash':
        record('crash', outcome.message ?? 'The sandbox process stopped.');
        throw new AppError('HANDLER_FAILED', `The handler "${handler.name}" stopped: the process running it ended.`, about);
    }
  }
}

/**
 * What a handler's throw means for the client: a status of the contract with the handler's message
 * (`throw { status: 422, message: '...' }`, or an items() error left uncaught), otherwise a failure
 * whose details stay in the run log.
 */
function thrown(handler: RunnableHandler, error: Extract<Answer, { ok: false }>['error'], about: { handler: string; run: string }): never {
  const status = typeof error.status === 'number' ? error.status : null;
  // An items() error left uncaught keeps its code; a nested handler's failure goes up as it is.
  const kept = isErrorCode(error.code) && status !== null && httpStatusOf(error.code) === status && (status < 500 || error.code.startsWith('HANDLER_'));
  const code = kept ? (error.code as ErrorCode) : status === null ? undefined : THROWN_STATUS[status];
  if (!code) throw new AppError('HANDLER_FAILED', `The handler "${handler.name}" failed; its run log has the details.`, about);
  const message = typeof error.message === 'string' && error.message.trim() !== '' ? error.message.slice(0, 1000) : `The handler "${handler.name}" refused the request.`;
  throw new AppError(code, message, { handler: handler.name });
}

/** A sample run's outcome as data: its value or its error, with its logs, duration and memory. */
export function sampleResult(handler: RunnableHandler, outcome: SandboxOutcome): SampleResult {
  const logs = outcome.droppedLogs > 0 ? [...outcome.logs, `(${outcome.droppedLogs} more lines dropped)`] : outcome.logs;
  const measured = { logs, duration_ms: outcome.durationMs, ...(outcome.heapUsedBytes === undefined ? {} : { memory: { heap_used_bytes: outcome.heapUsedBytes, limit_mb: handler.memoryMb } }) };
  const failed = (message: string) => ({ message, status: null, code: null, name: null });
  switch (outcome.status) {
    case 'ok': {
      const answer = parseAnswer(outcome.answer);
      return answer.ok ? { status: 'ok', value: answer.value, ...measured } : { status: 'error', error: answer.error, ...measured };
    }
    case 'error':
      return { status: 'error', error: failed(outcome.message ?? 'The handler failed.'), ...measured };
    case 'timeout':
      return { status: 'timeout', error: failed(`Did not finish within ${handler.timeoutMs} ms.`), ...measured };
    case 'memory':
      return { status: 'memory', error: failed(`Ran out of memory (limit ${handler.memoryMb} MB).`), ...measured };
    case 'crash':
      return { status: 'crash', error: failed(outcome.message ?? 'The sandbox process stopped.'), ...measured };
  }
}

/** The caller as a handler sees it: plain data, no credential. */
function principalOf(access: ItemsAccess): { kind: string; id: string | null; role: string; email: string | null } {
  if (isAppRoleAccess(access)) {
    const user = access.principal;
    return user ? { kind: 'app_user', id: user.appUserId, role: access.appRole, email: user.email } : { kind: 'anonymous', id: null, role: access.appRole, email: null };
  }
  const { principal } = access;
  switch (principal.kind) {
    case 'user':
      return { kind: 'user', id: principal.userId, role: access.role, email: principal.email };
    case 'api_key':
      return { kind: 'api_key', id: principal.apiKeyId, role: access.role, email: null };
    case 'app_user':
      return { kind: 'app_user', id: principal.appUserId, role: access.role, email: principal.email };
    case 'flow':
      return { kind: 'flow', id: principal.flowId, role: access.role, email: null };
  }
}

/**
 * JSON from a sandbox, parsed without giving it a way to the host's prototypes: `__proto__` keys are
 * dropped (JSON.parse makes them own properties, but a later spread or assign would follow them).
 * The reviver that drops them costs a call per value, so it runs only when such a key can be there:
 * spelled out, or written with a \u escape.
 */
export function safeParse(text: string): unknown {
  if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}

function parseAnswer(text: string | undefined): Answer {
  try {
    const answer = safeParse(text ?? '');
    if (isRecord(answer) && answer.ok === true) return { ok: true, value: answer.value ?? null };
    if (isRecord(answer) && answer.ok === false && isRecord(answer.error)) {
      const { status, code, message, name } = answer.error;
      return { ok: false, error: { status: typeof status === 'number' ? status : null, code: typeof code === 'string' ? code : null, message: typeof message === 'string' ? message : 'The handler failed.', name: typeof name === 'string' ? name : null } };
    }
  } catch {
    // Not JSON: the sandbox's bootstrap was tampered with by the handler; treated as a failure.
  }
  return { ok: false, error: { status: null, code: null, message: 'The handler gave an answer that could not be read.', name: null } };
}

function refusal(status: number, code: ErrorCode, message: string): { ok: false; value: string } {
  return { ok: false, value: JSON.stringify({ status, code, message }) };
}

function badCall(what: string): AppError {
  return new AppError('INVALID_PAYLOAD', `Invalid items() call: ${what}.`);
}

function queryOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw badCall('a query must be an object such as { filter, fields, limit }');
  return value;
}

function keyOf(value: unknown): string {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  throw badCall('an id must be a string or a number');
}
