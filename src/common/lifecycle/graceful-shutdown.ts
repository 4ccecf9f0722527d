import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { serviceUnavailable } from '../errors/app-error';
import { toErrorResponse } from '../errors/error-response';

/** The part of SHUTDOWN_TIMEOUT kept for closing the pool, sockets, bus and database: 2 s, or a quarter of a shorter timeout. */
function closingReserveMs(timeoutMs: number): number {
  return Math.min(2_000, Math.floor(timeoutMs / 4));
}

/**
 * The process's orderly stop on SIGTERM or SIGINT, which main.ts runs in two steps:
 *
 * 1. `begin()`, then `requestsFinished()`: no new connection is accepted; a request that arrives on a
 *    kept-alive connection is answered 503 with `Connection: close`, and so is the last answer of every
 *    request in flight, which may finish until the deadline; past it, their connections are closed.
 * 2. `app.close()`: the parts that run work in the background (flows' runner, the sandbox pool's after
 *    hooks) let what is in progress finish, waiting through `settle()`, which stops at the same deadline;
 *    then the pool, realtime sockets, bus and database close, in the time SHUTDOWN_TIMEOUT keeps for it.
 *
 * An app closed without `begin()` (as tests close theirs) has no deadline: `settle()` waits as long as
 * the work takes.
 */
@Injectable()
export class GracefulShutdown {
  private server: Server | null = null;
  private deadline: number | null = null;
  private inFlight = 0;
  private readonly whenIdle: Array<() => void> = [];

  /** Counts the requests in flight and answers those that arrive while stopping; createApp calls it before routes are registered. */
  install(fastify: FastifyInstance): void {
    this.server = fastify.server;
    fastify.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.inFlight += 1;
      response.once('close', () => {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of this.whenIdle.splice(0)) resolve();
      });
    });
    fastify.addHook('onRequest', (_request, reply, done) => {
      if (!this.stopping) return done();
      const { status, body } = toErrorResponse(serviceUnavailable('The server is shutting down. Try again.'));
      void reply.code(status).send(body);
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      // A kept-alive connection would otherwise stay open after its last answer, and be reset when the process ends.
      if (this.stopping) void reply.header('connection', 'close');
      done(null, payload);
    });
  }

  get stopping(): boolean {
    return this.deadline !== null;
  }

  /**
   * Starts the stop: in-flight work may go on until SHUTDOWN_TIMEOUT less the closing reserve. No new
   * connection is accepted from now on. (http.Server#close would also close the idle kept-alive
   * connections, on which a request already sent would meet a reset instead of a 503: net.Server#close
   * only stops listening, and each connection closes after its next answer.)
   */
  begin(timeoutMs: number): void {
    if (this.stopping) return;
    this.deadline = Date.now() + timeoutMs - closingReserveMs(timeoutMs);
    if (this.server?.listening) NetServer.prototype.close.call(this.server);
  }

  /**
   * Waits for the requests in flight until the deadline, then closes every connection left: the idle
   * ones, and past the deadline those of the requests still running. Answers whether all finished.
   */
  async requestsFinished(): Promise<boolean> {
    const finished = await this.settle(this.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.whenIdle.push(resolve)));
    if (finished) this.server?.closeIdleConnections();
    else this.server?.closeAllConnections();
    return finished;
  }

  /** Waits for work in progress to finish (or fail), but not past the deadline; answers whether it did. */
  async settle(work: Promise<unknown>): Promise<boolean> {
    const done = work.then(
      () => true,
      () => true,
    );
    if (this.deadline === null) return done;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, this.deadline! - Date.now()))));
    try {
      return await Promise.race([done, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
