import { sessions } from './session';

/** Where a workspace's realtime connection stands, for the screens to show. */
export type LiveStatus = 'connecting' | 'live' | 'offline';

/** A subscription's message: its first `init` (again after a reconnect: `resync`), then each change. */
export type LiveEvent =
  | { event: 'init'; data: Record<string, unknown>[]; resync: boolean }
  | { event: 'create' | 'update'; data: Record<string, unknown>[] }
  | { event: 'delete'; data: unknown[] }
  | { event: 'error'; message: string };

export interface LiveQuery {
  fields?: string[];
  filter?: unknown;
  search?: string;
  sort?: string[];
  limit?: number;
  offset?: number;
}

interface Subscription {
  uid: string;
  collection: string;
  query: LiveQuery;
  event?: 'create' | 'update' | 'delete';
  handler: (message: LiveEvent) => void;
  /** Whether it was sent on an earlier connection, so its next init follows a gap. */
  sentBefore: boolean;
}

/** Seconds to wait before the next attempt: doubling from 1 s to 30 s, each spread over its upper half. */
export function reconnectDelay(attempt: number, random: number = Math.random()): number {
  const ceiling = Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 15));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What a connection needs from the page: the session's token, and where and how to open a socket. */
export interface LiveSocketDeps {
  token(): string | undefined;
  /** Renews the session's access token (after the server closed the connection for an expired one). */
  refresh(): Promise<unknown>;
  open(workspace: string): WebSocket;
}

const browserDeps: LiveSocketDeps = {
  token: () => sessions.session?.accessToken,
  refresh: () => sessions.refresh(),
  open: (workspace) => new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/w/${encodeURIComponent(workspace)}/realtime`),
};

/** Without subscriptions for this long, the connection is closed (a screen change often resubscribes at once). */
const IDLE_CLOSE_MS = 15_000;
/** Close codes of Cairn's realtime endpoint (docs/API.md). */
const UNAUTHORIZED = 4401;
const NOT_FOUND = 4404;

/**
 * One WebSocket to a workspace's realtime endpoint, shared by every screen that follows it. It signs in
 * with the session's access token in an `auth` message (so the token is not in an address a log could
 * keep), sends a new `auth` when the session renews its token, answers pings, and reconnects with backoff,
 * sending every subscription again. The server sends each subscription its items (`init`) again then;
 * subscribers read it as "you may have missed changes".
 */
export class LiveSocket {
  private socket: WebSocket | null = null;
  private ready = false;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private current: LiveStatus = 'offline';
  private nextUid = 1;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly workspace: string,
    private readonly deps: LiveSocketDeps = browserDeps,
  ) {}

  get status(): LiveStatus {
    return this.current;
  }

  onStatus(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follows a collection's items that a query reads; answers the function that stops it. */
  subscribe(collection: string, query: LiveQuery, handler: (message: LiveEvent) => void, event?: Subscription['event']): () => void {
    const subscription: Subscription = { uid: `c${this.nextUid++}`, collection, query, event, handler, sentBefore: false };
    this.subscriptions.set(subscription.uid, subscription);
    clearTimeout(this.idle);
    if (this.ready) this.sendSubscribe(subscription);
    else this.connect();
    return () => {
      if (!this.subscriptions.delete(subscription.uid)) return;
      if (this.ready) this.send({ type: 'unsubscribe', uid: subscription.uid });
      if (this.subscriptions.size === 0) this.idle = setTimeout(() => this.close(), IDLE_CLOSE_MS);
    };
  }

  /** The session's token changed: the open connection goes on as the renewed session (or ends without one). */
  renewed(token: string | null): void {
    if (!token) {
      this.stopped = true;
      this.close();
    } else if (this.socket?.readyState === WebSocket.OPEN) {
      this.send({ type: 'auth', access_token: token });
    }
  }

  private connect(): void {
    if (this.socket || this.retry || this.stopped) return;
    const token = this.deps.token();
    if (!token) return this.setStatus('offline');
    this.setStatus('connecting');
    const socket = this.deps.open(this.workspace);
    this.socket = socket;
    socket.onopen = () => {
      // Idle while connecting: closing a socket that is still connecting makes the browser log an error.
      if (this.stopped || this.subscriptions.size === 0) return this.close();
      this.send({ type: 'auth', access_token: this.deps.token() ?? token });
    };
    socket.onmessage = (message) => this.receive(String(message.data));
    socket.onclose = (closed) => this.closed(socket, closed.code);
  }

  private receive(text: string): void {
    let message: { type?: string; status?: string; uid?: string; event?: string; data?: unknown; error?: { code?: string; message?: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    switch (message.type) {
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'auth':
        if (message.status === 'ok') {
          if (!this.ready) {
            this.ready = true;
            this.attempt = 0;
            for (const subscription of this.subscriptions.values()) this.sendSubscribe(subscription);
            this.setStatus('live');
          }
        } else if (message.error?.code !== 'TOKEN_EXPIRED') {
          // A token the server refuses (revoked, signed out elsewhere): a new one, or nothing.
          void this.deps.refresh().catch(() => null);
        }
        return;
      case 'subscription': {
        const subscription = this.subscriptions.get(message.uid ?? '');
        if (!subscription) return;
        const data = Array.isArray(message.data) ? message.data : [];
        if (message.event === 'init') {
          subscription.handler({ event: 'init', data: data as Record<string, unknown>[], resync: subscription.sentBefore });
          subscription.sentBefore = true;
        } else if (message.event === 'create' || message.event === 'update') {
          subscription.handler({ event: message.event, data: data as Record<string, unknown>[] });
        } else if (message.event === 'delete') {
          subscription.handler({ event: 'delete', data });
        }
        return;
      }
      case 'subscribe':
        if (message.status === 'error') this.subscriptions.get(message.uid ?? '')?.handler({ event: 'error', message: message.error?.message ?? 'The subscription was refused.' });
        return;
    }
  }

  private closed(socket: WebSocket, code: number): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.ready = false;
    if (this.stopped || code === NOT_FOUND || this.subscriptions.size === 0) return this.setStatus('offline');
    this.setStatus('connecting');
    const delay = reconnectDelay(this.attempt++);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      // An expired token closes the connection: come back with a renewed one.
      const renew = code === UNAUTHORIZED ? this.deps.refresh().catch(() => null) : Promise.resolve();
      void renew.then(() => this.connect());
    }, code === UNAUTHORIZED && this.attempt === 1 ? 0 : delay);
  }

  /** Reconnects now rather than at the next attempt (the browser is back online). */
  wake(): void {
    if (this.socket || !this.retry) return;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.connect();
  }

  private close(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.CONNECTING) return; // onopen closes it
    this.socket = null;
    this.ready = false;
    socket?.close(1000);
    this.setStatus('offline');
  }

  private sendSubscribe(subscription: Subscription): void {
    this.send({ type: 'subscribe', uid: subscription.uid, collection: subscription.collection, query: subscription.query, ...(subscription.event ? { event: subscription.event } : {}) });
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private setStatus(status: LiveStatus): void {
    if (this.current === status) return;
    this.current = status;
    for (const listener of this.listeners) listener();
  }
}

const sockets = new Map<string, LiveSocket>();

/** The shared realtime connection of a workspace (by the slug or id the address uses). */
export function liveSocket(workspace: string): LiveSocket {
  let socket = sockets.get(workspace);
  if (!socket) sockets.set(workspace, (socket = new LiveSocket(workspace)));
  return socket;
}

sessions.subscribe((session) => {
  for (const socket of sockets.values()) socket.renewed(session?.accessToken ?? null);
  if (!session) sockets.clear();
});

if (typeof window !== 'undefined') window.addEventListener('online', () => sockets.forEach((socket) => socket.wake()));
