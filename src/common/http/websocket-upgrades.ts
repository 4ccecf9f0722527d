import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown';

interface Route {
  pattern: RegExp;
  server: WebSocketServer;
}

/** Close code 1001: the server is going away. */
const GOING_AWAY = 1001;

/**
 * The one listener of the HTTP server's `upgrade` event: hands each WebSocket handshake to the server
 * registered for its path, and refuses the others with 404, so that no upgrade request hangs. Endpoints
 * (GraphQL subscriptions, realtime) register a `ws` server made with `noServer: true`. On shutdown every
 * open socket is closed, since an upgraded connection would keep the process alive.
 */
@Injectable()
export class WebSocketUpgrades implements OnModuleDestroy {
  private readonly routes: Route[] = [];
  private listening = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly shutdown: GracefulShutdown,
  ) {}

  /** Serves WebSocket connections whose path matches `pattern` with `server`. */
  route(pattern: RegExp, server: WebSocketServer): void {
    this.routes.push({ pattern, server });
    if (this.listening) return;
    // An application context without HTTP (the command line's direct mode) has no server to listen on.
    const http = (this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined)?.getHttpServer() as Server | undefined;
    if (!http) return;
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
    this.listening = true;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '/').split('?')[0];
    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // A WebSocket is no HTTP connection to drain at shutdown: it is closed with 1001 once the requests are done.
    this.shutdown.upgraded(socket);
    route.server.handleUpgrade(request, socket, head, (ws) => route.server.emit('connection', ws, request));
  }

  onModuleDestroy(): void {
    for (const { server } of this.routes) {
      for (const client of server.clients) {
        client.close(GOING_AWAY, 'Server shutting down');
        // A peer that does not answer the close frame must not hold the process open.
        setTimeout(() => client.terminate(), 1_000).unref();
      }
      server.close();
    }
  }
}
