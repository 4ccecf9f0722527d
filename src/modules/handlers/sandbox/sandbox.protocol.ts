/**
 * The messages between the API process and a sandbox worker process, sent as JSON over the IPC
 * channel: only plain data crosses, never a reference to either side's objects. Each IPC message is
 * an array of them, in order (outbox.ts).
 */

/** The parent asks a worker to run a handler. `input` is JSON: `{ "ctx": ... }`, the handler's context data. */
export interface RunMessage {
  type: 'run';
  id: number;
  /** Whose run it is: each workspace's runs have isolates of their own. */
  workspaceId: string;
  code: string;
  timeoutMs: number;
  memoryMb: number;
  input: string;
}

/** The parent answers a host call of a run: `value` is JSON, the result or `{status, code, message}`. */
export interface ReplyMessage {
  type: 'reply';
  runId: number;
  callId: number;
  ok: boolean;
  value: string;
}

/** A workspace's handlers changed or were deleted: the worker drops its isolates and compiled scripts. */
export interface ForgetMessage {
  type: 'forget';
  workspaceId: string;
}

export type ToWorker = RunMessage | ReplyMessage | ForgetMessage;

/** A run asks the parent for something (an items() call); `request` is JSON `{op, collection, args}`. */
export interface CallMessage {
  type: 'call';
  runId: number;
  callId: number;
  request: string;
}

/** How a run ended, as the worker saw it. */
export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'memory' | 'crash';

export interface SandboxOutcome {
  /** ok: the handler's entry answered; `answer` is JSON `{ok: true, value}` or `{ok: false, error}`. */
  status: SandboxStatus;
  answer?: string;
  /** Why the run did not answer (compile error, deadline, memory, lost process). */
  message?: string;
  logs: string[];
  /** Lines log() was given beyond the limit, dropped. */
  droppedLogs: number;
  durationMs: number;
  /** The heap its isolate used when it ended (the isolate is its workspace's, warm: earlier runs' garbage may count); absent once disposed. */
  heapUsedBytes?: number;
}

export interface DoneMessage {
  type: 'done';
  id: number;
  outcome: SandboxOutcome;
}

export type FromWorker = CallMessage | DoneMessage;

/** What a run may log: this many lines of at most this many characters. */
export const LOG_LIMITS = { lines: 100, lineLength: 1000 };
/** The largest answer (JSON) a run may give. */
export const MAX_ANSWER_LENGTH = 4 * 1024 * 1024;
