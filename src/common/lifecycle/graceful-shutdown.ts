import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/** The part of SHUTDOWN_TIMEOUT kept for closing the pool, sockets, bus and database: 2 s, or a quarter of a shorter timeout. */
function closingReserveMs(timeoutMs: number): number {
  return Math.min(2_000, Math.floor(timeoutMs / 4));
}

/**
 * How long a stopping instance leaves its clients to close their idle kept-alive connections before it
 * closes them itself: above the upstream keep-alive timeout docs/SCALING.md gives nginx (4 s), so that
 * nginx has let them go first, and short enough that a client holding one idle does not hold the stop.
 */
const IDLE_RELEASE_MS = 5_000;

/**
 * The process's orderly stop on SIGTERM or SIGINT, which main.ts runs in two steps:
 *
 * 1. `begin()`, then `requestsFinished()`: no new connection is accepted; the connections already open
 *    drain: a request that arrives on one is served as usual, and every answer carries `Connection: close`,
 *    so each connection ends after its next answer, or when its client lets it go (a balancer's idle
 *    upstream connections, after its keep-alive timeout). The connections still idle after IDLE_RELEASE_MS
 *    are closed; then this waits for the others until the deadline, past which they are closed too.
 *    Health checks answer 503 meanwhile (HealthService), so that balancers take the instance out.
 * 2. `app.close()`: the parts that run work in the background (flows' runner, the sandbox pool's after
 *    hooks) let what is in progress finish, waiting through `settle()`, which stops at the same deadline;
 *    then the pool, realtime sockets, bus and database close, in the time SHUTDOWN_TIMEOUT keeps for it.
 *
 * Why the server does not close an idle kept-alive connection at once: a client may have just sent a
 * request on it, which would meet a reset instead of an answer, and a balancer cannot tell whether a POST
 * met that reset before or after it was run, so it cannot safely try it elsewhere. Only the client closing
 * is free of that race; a balancer whose keep-alive timeout is under IDLE_RELEASE_MS always closes first.
 *
 * An app closed without `begin()` (as tests close theirs) has no deadline: `settle()` waits as long as
 * the work takes.
 */
@Injectable()
export class GracefulShutdown {
  private server: Server | null = null;
  private deadline: number | null = null;
  private idleRelease: number | null = null;
  private inFlight = 0;
  /** The open HTTP connections; an upgraded one (a WebSocket's) leaves the set, being closed by its server. */
  private readonly connections = new Set<Duplex>();
  private readonly whenDrained: Array<() => void> = [];

  /** Tracks the connections and the requests in flight, and marks answers while stopping; createApp calls it before routes are registered. */
  install(fastify: FastifyInstance): void {
    this.server = fastify.server;
    fastify.server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.release(socket));
    });
    fastify.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.inFlight += 1;
      response.once('close', () => (this.inFlight -= 1));
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      // The client ends the connection after this answer: it is never left idle, to be closed under a request.
      if (this.stopping) void reply.header('connection', 'close');
      done(null, payload);
    });
  }

  /** Takes an upgraded connection out of the drain: its WebSocket server closes it when the app closes. */
  upgraded(socket: Duplex): void {
    this.release(socket);
  }

  get stopping(): boolean {
    return this.deadline !== null;
  }

  /** Starts the stop: the open connections may drain until SHUTDOWN_TIMEOUT less the closing reserve. No new connection is accepted from now on. */
  begin(timeoutMs: number): void {
    if (this.stopping) return;
    this.deadline = Date.now() + timeoutMs - closingReserveMs(timeoutMs);
    this.idleRelease = Math.min(this.deadline, Date.now() + IDLE_RELEASE_MS);
    // net.Server#close only stops listening; http.Server#close would also close the idle connections.
    if (this.server?.listening) NetServer.prototype.close.call(this.server);
  }

  /**
   * Waits until every open connection has ended: the idle ones are closed at IDLE_RELEASE_MS, the others
   * (each ends after its answer) at the deadline. Answers whether every request finished.
   */
  async requestsFinished(): Promise<boolean> {
    const drained = this.connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.whenDrained.push(resolve));
    if (!(await this.within(drained, this.idleRelease))) this.server?.closeIdleConnections();
    if (await this.settle(drained)) return true;
    const finished = this.inFlight === 0;
    this.server?.closeAllConnections();
    return finished;
  }

  /** Waits for work in progress to finish (or fail), but not past the deadline; answers whether it did. */
  settle(work: Promise<unknown>): Promise<boolean> {
    return this.within(work, this.deadline);
  }

  /** Waits for work to finish (or fail), but not past a time (none: as long as it takes); answers whether it did. */
  private async within(work: Promise<unknown>, until: number | null): Promise<boolean> {
    const done = work.then(
      () => true,
      () => true,
    );
    if (until === null) return done;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, until - Date.now()))));
    try {
      return await Promise.race([done, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private release(socket: Duplex): void {
    if (!this.connections.delete(socket) || this.connections.size > 0) return;
    for (const resolve of this.whenDrained.splice(0)) resolve();
  }
}
