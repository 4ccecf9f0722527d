import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import type { HandlersConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { HandlerEntity, HandlerEvent, HandlerKind, HandlerMethod } from './handler.entities';
import { SandboxPool } from './sandbox/sandbox.pool';
import { matchRoute, parseRoutePattern, RoutePattern, specificity } from './route-pattern';

/** An enabled handler as runs need it: its code and its limits, resolved against the configuration. */
export interface RunnableHandler {
  id: string;
  workspaceId: string;
  name: string;
  kind: HandlerKind;
  code: string;
  timeoutMs: number;
  memoryMb: number;
}

interface Hook extends RunnableHandler {
  collection: string;
  events: HandlerEvent[];
}

interface Endpoint extends RunnableHandler {
  method: HandlerMethod;
  pattern: RoutePattern;
  rank: string;
}

interface WorkspaceHandlers {
  /** Every enabled handler by id, for flows that run one. */
  byId: Map<string, RunnableHandler>;
  hooks: Hook[];
  /** Most specific first, so /orders/summary wins over /orders/:id. */
  endpoints: Endpoint[];
}

/**
 * The enabled handlers of each workspace, as the write path and the custom routes look them up on every
 * request: cached per workspace and evicted on every instance through the bus when one changes. An
 * eviction drops the workspace's warm isolates too, with the code compiled in them.
 */
@Injectable()
export class HandlerCatalog implements OnModuleInit, OnModuleDestroy {
  private readonly byWorkspace: EvictedCache<WorkspaceHandlers>;

  constructor(
    @InjectRepository(HandlerEntity) private readonly handlers: Repository<HandlerEntity>,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @InjectConfig('handlers') private readonly config: HandlersConfig,
    @Inject(SandboxPool) pool: SandboxPool,
  ) {
    this.byWorkspace = new EvictedCache(bus, 'cache.handlers', {
      ttlMs: 2_000,
      max: 20_000,
      onEvict: (workspaceIds) => {
        for (const workspaceId of workspaceIds) pool.forget(workspaceId);
      },
    });
  }

  onModuleInit(): Promise<void> {
    return this.byWorkspace.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byWorkspace.close();
  }

  /** The enabled hooks of a kind that want this event on this collection, in the order they were made. */
  async hooks(workspaceId: string, kind: 'before' | 'after', collection: string, event: HandlerEvent): Promise<RunnableHandler[]> {
    const loaded = await this.load(workspaceId);
    return loaded.hooks.filter((hook) => hook.kind === kind && hook.collection === collection && hook.events.includes(event));
  }

  /** The endpoint a request's method and path (under /custom) reach, with the path's parameters. */
  async endpoint(workspaceId: string, method: string, path: string): Promise<{ handler: RunnableHandler; params: Record<string, string> } | null> {
    const loaded = await this.load(workspaceId);
    for (const endpoint of loaded.endpoints) {
      if (endpoint.method !== method) continue;
      const params = matchRoute(endpoint.pattern, path);
      if (params) return { handler: endpoint, params };
    }
    return null;
  }

  /** An enabled handler of the workspace, of any kind, as a flow's `handler` operation runs it. */
  async byId(workspaceId: string, id: string): Promise<RunnableHandler | null> {
    return (await this.load(workspaceId)).byId.get(id) ?? null;
  }

  /** Drops the cached handlers of a workspace here and on every other instance. */
  evict(workspaceId: string): Promise<void> {
    return this.byWorkspace.evict(workspaceId);
  }

  private async load(workspaceId: string): Promise<WorkspaceHandlers> {
    const loaded = await this.byWorkspace.get(workspaceId, async () => {
      const rows = await this.handlers.find({ where: { workspaceId, enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } });
      const byId = new Map<string, RunnableHandler>();
      const hooks: Hook[] = [];
      const endpoints: Endpoint[] = [];
      for (const row of rows) {
        const runnable = this.runnable(row);
        byId.set(row.id, runnable);
        if (row.kind === 'endpoint') {
          const pattern = parseRoutePattern(row.path ?? '');
          if (typeof pattern === 'string' || !row.method) continue;
          endpoints.push({ ...runnable, method: row.method, pattern, rank: specificity(pattern) });
        } else if (row.collection && row.events) {
          hooks.push({ ...runnable, collection: row.collection, events: JSON.parse(row.events) as HandlerEvent[] });
        }
      }
      endpoints.sort((a, b) => (a.rank < b.rank ? 1 : a.rank > b.rank ? -1 : 0));
      return { byId, hooks, endpoints };
    });
    return loaded ?? { byId: new Map(), hooks: [], endpoints: [] };
  }

  /** A handler as a run needs it, its limits resolved against the configuration. */
  runnable(row: HandlerEntity): RunnableHandler {
    return {
      id: row.id,
      workspaceId: row.workspaceId,
      name: row.name,
      kind: row.kind,
      code: row.code,
      // Maxima lowered since the handler was saved bound it too.
      timeoutMs: Math.min(row.timeoutMs ?? this.config.timeoutMs, this.config.maxTimeoutMs),
      memoryMb: Math.min(row.memoryMb ?? this.config.memoryMb, this.config.maxMemoryMb),
    };
  }
}
