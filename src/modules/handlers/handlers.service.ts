import { randomUUID } from 'node:crypto';
import { Script } from 'node:vm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError, conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import type { HandlersConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { HandlerCatalog } from './handler.catalog';
import { HandlerRunLog } from './handler-run-log';
import { CreateHandlerDto, HandlerDto, HandlerRunDto, MAX_CODE_BYTES, SampleHandlerDto, toHandlerDto, toHandlerRunDto, UpdateHandlerDto } from './handler.dto';
import { HANDLER_EVENTS, HandlerEntity } from './handler.entities';
import { HandlerInput, HandlerRunner, SampleResult } from './handler.runner';
import { matchRoute, parseRoutePattern } from './route-pattern';

/**
 * The handlers of a workspace: their definitions, checked when saved (the fields their kind needs, an
 * existing collection, a valid path, code that compiles, limits within the configured maxima), and
 * their run log.
 */
@Injectable()
export class HandlersService {
  constructor(
    @InjectRepository(HandlerEntity) private readonly handlers: Repository<HandlerEntity>,
    private readonly catalog: HandlerCatalog,
    private readonly runLog: HandlerRunLog,
    private readonly runner: HandlerRunner,
    private readonly registry: SchemaRegistry,
    @InjectConfig('handlers') private readonly config: HandlersConfig,
  ) {}

  async list(access: WorkspaceAccess): Promise<HandlerDto[]> {
    const rows = await this.handlers.find({ where: { workspaceId: access.workspace.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toHandlerDto);
  }

  async get(access: WorkspaceAccess, id: string): Promise<HandlerDto> {
    return toHandlerDto(await this.find(access, id));
  }

  async create(access: WorkspaceAccess, input: CreateHandlerDto): Promise<HandlerDto> {
    const handler = newHandler(access.workspace.id, input);
    await this.check(access, handler, input);
    await this.handlers.insert(handler);
    await this.catalog.evict(access.workspace.id);
    return toHandlerDto(handler);
  }

  async update(access: WorkspaceAccess, id: string, input: UpdateHandlerDto): Promise<HandlerDto> {
    const handler = await this.find(access, id);
    if (input.name !== undefined) handler.name = input.name;
    if (input.collection !== undefined) handler.collection = input.collection;
    if (input.events !== undefined) handler.events = JSON.stringify(input.events);
    if (input.method !== undefined) handler.method = input.method;
    if (input.path !== undefined) handler.path = input.path;
    if (input.code !== undefined) handler.code = input.code;
    if (input.enabled !== undefined) handler.enabled = input.enabled;
    if (input.timeout_ms !== undefined) handler.timeoutMs = input.timeout_ms;
    if (input.memory_mb !== undefined) handler.memoryMb = input.memory_mb;
    await this.check(access, handler, input);
    handler.updatedAt = new Date();
    await this.handlers.save(handler);
    await this.catalog.evict(access.workspace.id);
    return toHandlerDto(handler);
  }

  async remove(access: WorkspaceAccess, id: string): Promise<void> {
    const handler = await this.find(access, id);
    await this.handlers.delete({ id: handler.id });
    await this.catalog.evict(access.workspace.id);
  }

  /** The newest runs of a handler, newest first. */
  async runs(access: WorkspaceAccess, id: string, limit: number): Promise<HandlerRunDto[]> {
    const handler = await this.find(access, id);
    return (await this.runLog.list(handler.id, limit)).map(toHandlerRunDto);
  }

  /**
   * Runs a handler, as saved and enabled or not, on a sample request or item event as the calling
   * admin, without committing its writes (HandlerRunner.sample).
   */
  async sample(access: WorkspaceAccess, id: string, body: SampleHandlerDto): Promise<SampleResult> {
    const handler = await this.find(access, id);
    return this.runner.sample(this.catalog.runnable(handler), access, sampleInput(handler, body));
  }

  private async find(access: WorkspaceAccess, id: string): Promise<HandlerEntity> {
    const handler = /^[0-9a-f-]{36}$/i.test(id) ? await this.handlers.findOneBy({ id, workspaceId: access.workspace.id }) : null;
    if (!handler) throw notFound('Handler not found.');
    return handler;
  }

  /** Checks a handler as it would be saved; `input` says which fields the request set. */
  private async check(access: WorkspaceAccess, handler: HandlerEntity, input: UpdateHandlerDto): Promise<void> {
    checkHandler(handler, input, await this.registry.forWorkspace(access.workspace), this.config);
    if (handler.kind !== 'endpoint') return;
    const others = await this.handlers.findBy({ workspaceId: handler.workspaceId, kind: 'endpoint', method: handler.method! });
    const taken = routeTakenBy(handler, others.filter((other) => other.id !== handler.id));
    if (taken) throw conflict(`The endpoint "${taken.name}" already answers ${handler.method} ${taken.path}.`, { field: 'path' });
  }
}

/** A new handler of the workspace from a create's body, with its defaults. */
export function newHandler(workspaceId: string, input: CreateHandlerDto): HandlerEntity {
  const now = new Date();
  return {
    id: randomUUID(),
    workspaceId,
    name: input.name,
    kind: input.kind,
    collection: input.collection ?? null,
    events: input.kind === 'endpoint' ? null : JSON.stringify(input.events ?? HANDLER_EVENTS),
    method: input.method ?? null,
    path: input.path ?? null,
    code: input.code,
    enabled: input.enabled ?? true,
    timeoutMs: input.timeout_ms ?? null,
    memoryMb: input.memory_mb ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Checks a handler as it would be saved against the schema: the fields its kind needs and no others
 * (`input` says which the request set), an existing collection, a valid path, limits within the
 * configured maxima, code that compiles.
 */
export function checkHandler(handler: HandlerEntity, input: UpdateHandlerDto, schema: WorkspaceSchema, limits: Pick<HandlersConfig, 'maxTimeoutMs' | 'maxMemoryMb'>): void {
  const { maxTimeoutMs, maxMemoryMb } = limits;
  if (handler.kind === 'endpoint') {
    for (const field of ['collection', 'events'] as const) if (input[field] !== undefined) throw invalidPayload(`Invalid payload: an endpoint has no "${field}".`, field);
    if (!handler.method) throw invalidPayload('Invalid payload: an endpoint needs a "method".', 'method');
    if (!handler.path) throw invalidPayload('Invalid payload: an endpoint needs a "path".', 'path');
    const pattern = parseRoutePattern(handler.path);
    if (typeof pattern === 'string') throw invalidPayload(`Invalid payload: "path" ${pattern}.`, 'path');
  } else {
    for (const field of ['method', 'path'] as const) if (input[field] !== undefined) throw invalidPayload(`Invalid payload: a ${handler.kind} hook has no "${field}".`, field);
    if (!handler.collection) throw invalidPayload(`Invalid payload: a ${handler.kind} hook needs a "collection".`, 'collection');
    if (!schema.collections.has(handler.collection)) throw invalidPayload(`Invalid payload: collection "${handler.collection}" does not exist.`, 'collection');
  }
  if (handler.timeoutMs !== null && handler.timeoutMs > maxTimeoutMs) throw invalidPayload(`Invalid payload: "timeout_ms" may be at most ${maxTimeoutMs}.`, 'timeout_ms');
  if (handler.memoryMb !== null && handler.memoryMb > maxMemoryMb) throw invalidPayload(`Invalid payload: "memory_mb" may be at most ${maxMemoryMb}.`, 'memory_mb');
  if (Buffer.byteLength(handler.code) > MAX_CODE_BYTES) throw invalidPayload(`Invalid payload: "code" may be at most ${MAX_CODE_BYTES} bytes.`, 'code');
  const problem = compileProblem(handler.code);
  if (problem) {
    const where = problem.line === null ? '' : ` (line ${problem.line}, column ${problem.column})`;
    throw new AppError('INVALID_PAYLOAD', `Invalid payload: the code does not compile: ${problem.message}${where}.`, { field: 'code', line: problem.line, column: problem.column });
  }
}

/**
 * A sample's body as the input of a run: for an endpoint a request (its method and path by default, its
 * :params taken from the path given), for a hook an event on its collection.
 */
export function sampleInput(handler: HandlerEntity, body: SampleHandlerDto): HandlerInput {
  if (handler.kind === 'endpoint') {
    if (body.event !== undefined) throw invalidPayload('Invalid payload: an endpoint is run with a sample "request", not an "event".', 'event');
    const sample = body.request ?? {};
    const path = sample.path ?? handler.path!;
    let params: Record<string, string> = {};
    if (sample.path !== undefined) {
      const matched = matchRoute(parseRoutePattern(handler.path!) as Exclude<ReturnType<typeof parseRoutePattern>, string>, sample.path);
      if (!matched) throw invalidPayload(`Invalid payload: the endpoint answers ${handler.path}, which "${sample.path}" does not match.`, 'request.path');
      params = { ...matched };
    }
    return {
      request: {
        method: sample.method ?? handler.method!,
        path,
        params: { ...params, ...stringValues(sample.params ?? {}) },
        query: sample.query ?? {},
        headers: stringValues(sample.headers ?? {}),
        body: sample.body ?? null,
      },
    };
  }
  if (body.request !== undefined) throw invalidPayload(`Invalid payload: a ${handler.kind} hook is run with a sample "event", not a "request".`, 'request');
  if (!body.event) throw invalidPayload(`Invalid payload: a ${handler.kind} hook needs a sample "event" such as {"action": "create", "payload": {...}}.`, 'event');
  const { action, collection, payload, keys } = body.event;
  if (collection !== undefined && collection !== handler.collection) throw invalidPayload(`Invalid payload: this hook is on "${handler.collection}", not "${collection}".`, 'event.collection');
  return { event: { action, collection: handler.collection!, keys: keys ?? [], payload: action === 'delete' ? null : (payload ?? {}) } };
}

function stringValues(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
}

/** The endpoint among others that already answers the handler's method and path pattern, if any: two may not. */
export function routeTakenBy(handler: Pick<HandlerEntity, 'kind' | 'method' | 'path'>, others: Array<Pick<HandlerEntity, 'name' | 'kind' | 'method' | 'path'>>): Pick<HandlerEntity, 'name' | 'path'> | null {
  if (handler.kind !== 'endpoint') return null;
  const normalize = (path: string) => path.replace(/\/$/, '').replace(/:[^/]+/g, ':') || '/';
  return others.find((other) => other.kind === 'endpoint' && other.method === handler.method && normalize(other.path ?? '') === normalize(handler.path!)) ?? null;
}

/** Where and why a handler's code does not compile; line and column count from 1. */
export interface CompileProblem {
  message: string;
  line: number | null;
  column: number | null;
}

/**
 * The syntax error of a handler's code, with its line and column, or null when it compiles. The code is
 * only compiled here (node:vm parses it and never runs it); it runs in the sandbox only. V8 puts the place
 * in the error's stack: `handler.js:LINE`, the line's text, then a caret under the column (or, at the end
 * of the input, blanks as long as the line).
 */
export function compileProblem(code: string): CompileProblem | null {
  try {
    new Script(code, { filename: 'handler.js' });
    return null;
  } catch (error) {
    if (!(error instanceof SyntaxError)) return { message: 'it cannot be parsed', line: null, column: null };
    const stack = (error.stack ?? '').split('\n');
    const at = stack.findIndex((text) => /^handler\.js:\d+$/.test(text));
    if (at < 0) return { message: error.message, line: null, column: null };
    const line = Number(stack[at].slice('handler.js:'.length));
    const marker = stack[at + 2] ?? '';
    const caret = marker.indexOf('^');
    return { message: error.message, line, column: (caret >= 0 ? caret : marker.length) + 1 };
  }
}
