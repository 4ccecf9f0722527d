import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveSocket, reconnectDelay, type LiveEvent, type LiveSocketDeps } from './realtime';

/** A WebSocket the test drives: it records what is sent and opens, answers and drops on demand. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = FakeSocket.CONNECTING;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;

  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(code: number): void {
    this.closedWith = code;
    this.drop(code);
  }
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code });
  }
}

describe('the shared realtime connection', () => {
  let sockets: FakeSocket[];
  let token: string;
  let deps: LiveSocketDeps & { refresh: ReturnType<typeof vi.fn> };
  const last = () => sockets[sockets.length - 1];
  /** Opens the newest socket and lets the server accept its auth. */
  const accept = () => {
    last().open();
    last().receive({ type: 'auth', status: 'ok' });
  };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    sockets = [];
    token = 'token-1';
    deps = {
      token: () => token,
      refresh: vi.fn(async () => {
        token = 'token-2';
      }),
      open: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
    };
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('connects on the first subscription, signs in by message, then subscribes and hands over events', () => {
    const live = new LiveSocket('acme', deps);
    const events: LiveEvent[] = [];
    live.subscribe('posts', { filter: { id: { _eq: 1 } }, limit: 1 }, (event) => events.push(event));
    expect(sockets).toHaveLength(1);
    expect(live.status).toBe('connecting');
    last().open();
    expect(last().sent).toEqual([{ type: 'auth', access_token: 'token-1' }]);
    last().receive({ type: 'auth', status: 'ok' });
    expect(live.status).toBe('live');
    expect(last().sent[1]).toEqual({ type: 'subscribe', uid: 'c1', collection: 'posts', query: { filter: { id: { _eq: 1 } }, limit: 1 } });

    last().receive({ type: 'subscription', event: 'init', uid: 'c1', data: [{ id: 1 }] });
    last().receive({ type: 'subscription', event: 'update', uid: 'c1', data: [{ id: 1, title: 'x' }] });
    last().receive({ type: 'subscription', event: 'delete', uid: 'c1', data: [1] });
    last().receive({ type: 'subscription', event: 'update', uid: 'other', data: [{ id: 2 }] });
    expect(events).toEqual([
      { event: 'init', data: [{ id: 1 }], resync: false },
      { event: 'update', data: [{ id: 1, title: 'x' }] },
      { event: 'delete', data: [1] },
    ]);
  });

  it('shares one socket between subscriptions, and subscribes at once when already signed in', () => {
    const live = new LiveSocket('acme', deps);
    live.subscribe('posts', {}, () => undefined, 'delete');
    accept();
    live.subscribe('authors', { fields: ['id'] }, () => undefined);
    expect(sockets).toHaveLength(1);
    expect(last().sent.slice(1)).toEqual([
      { type: 'subscribe', uid: 'c1', collection: 'posts', query: {}, event: 'delete' },
      { type: 'subscribe', uid: 'c2', collection: 'authors', query: { fields: ['id'] } },
    ]);
  });

  it('answers pings, and passes a refused subscription on as an error', () => {
    const live = new LiveSocket('acme', deps);
    const events: LiveEvent[] = [];
    live.subscribe('secret', {}, (event) => events.push(event));
    accept();
    last().receive({ type: 'ping' });
    expect(last().sent.at(-1)).toEqual({ type: 'pong' });
    last().receive({ type: 'subscribe', status: 'error', uid: 'c1', error: { code: 'FORBIDDEN', message: 'No.' } });
    expect(events).toEqual([{ event: 'error', message: 'No.' }]);
  });

  it('reconnects with backoff after a drop, subscribing again and marking the next init as a resync', async () => {
    const live = new LiveSocket('acme', deps);
    const events: LiveEvent[] = [];
    live.subscribe('posts', {}, (event) => events.push(event));
    accept();
    last().receive({ type: 'subscription', event: 'init', uid: 'c1', data: [] });
    last().drop(1006);
    expect(live.status).toBe('connecting');
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, 1));
    expect(sockets).toHaveLength(2);
    accept();
    expect(last().sent.map((m) => m.type)).toEqual(['auth', 'subscribe']);
    last().receive({ type: 'subscription', event: 'init', uid: 'c1', data: [{ id: 3 }] });
    expect(events.at(-1)).toEqual({ event: 'init', data: [{ id: 3 }], resync: true });
    expect(live.status).toBe('live');
  });

  it('comes back at once with a renewed token when the server closes for an expired one', async () => {
    const live = new LiveSocket('acme', deps);
    live.subscribe('posts', {}, () => undefined);
    accept();
    last().receive({ type: 'auth', status: 'error', error: { code: 'TOKEN_EXPIRED', message: 'expired' } });
    last().drop(4401);
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.refresh).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().sent[0]).toEqual({ type: 'auth', access_token: 'token-2' });
  });

  it('gives up on a workspace it may not follow (4404)', async () => {
    const live = new LiveSocket('gone', deps);
    live.subscribe('posts', {}, () => undefined);
    last().open();
    last().drop(4404);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(live.status).toBe('offline');
  });

  it('signs in again on the open socket when the session renews its token, and stops when it ends', () => {
    const live = new LiveSocket('acme', deps);
    live.subscribe('posts', {}, () => undefined);
    accept();
    live.renewed('token-3');
    expect(last().sent.at(-1)).toEqual({ type: 'auth', access_token: 'token-3' });
    live.renewed(null);
    expect(last().closedWith).toBe(1000);
    expect(live.status).toBe('offline');
  });

  it('unsubscribes, and closes the socket once nothing has been followed for a while', async () => {
    const live = new LiveSocket('acme', deps);
    const stop = live.subscribe('posts', {}, () => undefined);
    accept();
    stop();
    expect(last().sent.at(-1)).toEqual({ type: 'unsubscribe', uid: 'c1' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(last().closedWith).toBeNull();
    // A screen that subscribes meanwhile keeps the socket.
    const again = live.subscribe('posts', {}, () => undefined);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(last().closedWith).toBeNull();
    again();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(last().closedWith).toBe(1000);
    expect(sockets).toHaveLength(1);
  });
});

describe('reconnecting with backoff', () => {
  it('doubles the wait from one second up to thirty, spread over the upper half', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelay(attempt, 1))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(reconnectDelay(0, 0)).toBe(500);
    expect(reconnectDelay(3, 0.5)).toBe(6_000);
    expect(reconnectDelay(1_000, 1)).toBe(30_000);
  });
});
