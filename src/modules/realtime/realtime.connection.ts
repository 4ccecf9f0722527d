import { Clock, ClockTimer } from '../../common/clock/clock';
import type { WebSocket } from 'ws';
import { invalidCredentials } from '../../common/errors/app-error';
import { toErrorResponse } from '../../common/errors/error-response';
import type { RealtimeConfig } from '../../config/app-config';
import type { RequestOrigin } from '../audit/activity.recorder';
import type { ChangeFeed } from '../data/feed/change-feed';
import type { ItemsService } from '../data/items.service';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import type { Flushable, FlushScheduler } from './realtime.flusher';
import { joinFrames, TextFrame, textFrame } from './realtime.frames';
import { Subscriber, Subscription } from './realtime.subscription';
import { runItemsAction } from './realtime.items';
import { ClientMessage, ItemsMessage, outgoing, parseClientMessage, ProtocolError, ProtocolErrorBody } from './realtime.protocol';

/** Close codes of the realtime endpoint, beside the standard ones (1001 going away, 1009 too big). */
export const CLOSE = {
  /** The credential is refused, or has expired. */
  UNAUTHORIZED: 4401,
  /** The credential is good, but the workspace refuses it as it is (403: two-factor authentication required). */
  FORBIDDEN: 4403,
  /** No workspace, or one that does not exist. */
  NOT_FOUND: 4404,
  /** No answer to the last ping. */
  TIMEOUT: 4408,
  /** More unsent data than REALTIME_MAX_BUFFER: a client that does not keep up. */
  SLOW_CONSUMER: 4413,
  /** Far more messages than REALTIME_MESSAGES_PER_SECOND. */
  RATE_LIMITED: 4429,
} as const;

/** Who a connection acts as, and until when. */
export interface RealtimeCaller {
  access: ItemsAccess;
  callerKey: string;
  /** When the credential expires (epoch ms), or null. */
  expiresAt: number | null;
}

export interface ConnectionContext {
  feed: ChangeFeed;
  /** The items door, which `items` messages go through. */
  items: ItemsService;
  /** The handshake's client address and user agent, which the activity of a write records. */
  origin: RequestOrigin;
  config: RealtimeConfig;
  flusher: FlushScheduler;
  /** The instance's clock, which the token's expiry is measured on. */
  clock: Clock;
  /**
   * Who a token (or no token) is on this connection's workspace; null when there is no token and no
   * workspace to be anonymous in yet (on /websocket, until an auth message names one by its credential).
   */
  authenticate(token: string | null): Promise<RealtimeCaller | null>;
}

/**
 * One realtime WebSocket connection: the protocol's state (who it acts as, its subscriptions) and its
 * limits (subscriptions, message rate, heartbeat, token expiry, unsent data). Messages are handled one
 * after another, in the order they came.
 */
export class RealtimeConnection implements Subscriber, Flushable {
  private caller: RealtimeCaller | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  private handling: Promise<void> = Promise.resolve();
  private answered = true;
  private heartbeat?: NodeJS.Timeout;
  private expiry?: ClockTimer;
  private window = { startedAt: 0, count: 0 };
  private nextUid = 1;
  private closed = false;
  private outbox: TextFrame[] = [];
  private outboxBytes = 0;
  /** What the socket had not sent yet at the last flush. */
  private unsentBytes = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: ConnectionContext,
  ) {}

  get access(): ItemsAccess {
    return this.requireCaller().access;
  }

  get callerKey(): string {
    return this.requireCaller().callerKey;
  }

  /** The subscriptions it holds (those being set up among them), for the metrics. */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  private requireCaller(): RealtimeCaller {
    if (!this.caller) throw invalidCredentials('Authenticate first: send {"type":"auth","access_token":…}.');
    return this.caller;
  }

  /**
   * Starts as the caller `handshake` finds from the handshake's credential (anonymous without one); a
   * refused credential is answered and closes the connection. Messages that arrive meanwhile (the
   * client's auth, say) wait for it, in order.
   */
  open(handshake: () => Promise<RealtimeCaller | null>): void {
    this.socket.on('message', (data, isBinary) => this.received(isBinary ? '' : data.toString()));
    this.socket.on('pong', () => (this.answered = true));
    this.socket.on('close', () => this.closeDown());
    // A protocol error (a message over the size limit, a bad frame) closes the socket; it must not
    // become an uncaught exception.
    this.socket.on('error', () => this.closeDown());
    this.handling = handshake().then(
      (caller) => {
        if (caller) this.become(caller);
        this.heartbeat = setInterval(() => this.beat(), this.context.config.heartbeatMs);
      },
      (error: unknown) => {
        const { status } = toErrorResponse(error);
        const body = errorBody(error);
        this.send(outgoing.error('auth', body, null));
        this.close(status === 404 ? CLOSE.NOT_FOUND : status === 403 ? CLOSE.FORBIDDEN : CLOSE.UNAUTHORIZED, body.message);
      },
    );
  }

  /** Queues a message; the queue goes out in one write to the socket in the flusher's next round. */
  send(message: string | TextFrame): void {
    if (this.closed) return;
    const frame = typeof message === 'string' ? textFrame(message) : message;
    this.outboxBytes += frame.length;
    // A client that does not read what it is sent would make this process hold it all. What the socket
    // still holds is counted as of the last flush (reading it for every event cost more than the event),
    // and read afresh before a client is dropped, since it may have read that meanwhile.
    const limit = this.context.config.maxBufferedBytes;
    if (this.unsentBytes + this.outboxBytes > limit) {
      this.unsentBytes = this.socket.bufferedAmount;
      if (this.unsentBytes + this.outboxBytes > limit) {
        this.close(CLOSE.SLOW_CONSUMER, 'Slow consumer: too much data waiting to be sent.');
        return;
      }
    }
    this.outbox.push(frame);
    if (this.outbox.length === 1) this.context.flusher.schedule(this);
  }

  /**
   * Writes the queued frames, already framed, in one write to the TCP socket under ws (its `_socket`).
   * ws would frame each message again and write it on its own; it has nothing of its own in flight
   * between its writes (no compression), so frames written here never split one of its own.
   */
  flush(): void {
    if (this.outbox.length === 0) return;
    const frames = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    const raw = (this.socket as unknown as { _socket?: { writable: boolean; write(data: Buffer): boolean } })._socket;
    if (raw?.writable) raw.write(joinFrames(frames));
    this.unsentBytes = this.socket.bufferedAmount;
  }

  private received(text: string): void {
    this.answered = true;
    if (!this.withinRate()) return;
    this.handling = this.handling.then(() => this.handle(text)).catch(() => undefined);
  }

  private async handle(text: string): Promise<void> {
    if (this.closed) return;
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      if (error instanceof ProtocolError) this.send(outgoing.error(error.replyType, { code: 'INVALID_PAYLOAD', message: error.message }, error.uid));
      return;
    }
    switch (message.type) {
      case 'ping':
        this.send(outgoing.pong());
        return;
      case 'pong':
        return;
      case 'auth':
        return this.authenticate(message.accessToken);
      case 'subscribe':
        return this.subscribe(message);
      case 'unsubscribe':
        this.unsubscribe(message.uid);
        return;
      case 'items':
        return this.runItems(message);
    }
  }

  private async authenticate(token: string): Promise<void> {
    try {
      const caller = await this.context.authenticate(token);
      if (caller) this.become(caller);
      for (const subscription of this.subscriptions.values()) this.context.feed.regroup(subscription);
      this.send(outgoing.authOk());
    } catch (error) {
      this.send(outgoing.error('auth', errorBody(error), null));
    }
  }

  private become(caller: RealtimeCaller): void {
    this.caller = caller;
    this.expiry?.cancel();
    if (caller.expiresAt === null) return;
    this.expiry = this.context.clock.at(caller.expiresAt, () => {
      this.send(outgoing.error('auth', { code: 'TOKEN_EXPIRED', message: 'The access token has expired.' }, null));
      this.close(CLOSE.UNAUTHORIZED, 'Token expired.');
    });
  }

  private async subscribe(message: Extract<ClientMessage, { type: 'subscribe' }>): Promise<void> {
    const uid = message.uid ?? String(this.nextUid++);
    if (!this.caller) {
      this.send(outgoing.error('subscribe', errorBody(invalidCredentials('Authenticate first: send {"type":"auth","access_token":…}.')), uid));
      return;
    }
    const replaced = this.subscriptions.get(uid);
    if (!replaced && this.subscriptions.size >= this.context.config.maxSubscriptions) {
      this.send(outgoing.error('subscribe', { code: 'INVALID_PAYLOAD', message: `A connection may hold at most ${this.context.config.maxSubscriptions} subscriptions.` }, uid));
      return;
    }
    if (replaced) this.unsubscribe(uid);
    const subscription = new Subscription(this, this.access.workspace.id, uid, message.collection, message.query, message.event);
    this.subscriptions.set(uid, subscription);
    try {
      subscription.start(await this.context.feed.subscribe(subscription));
    } catch (error) {
      this.subscriptions.delete(uid);
      this.send(outgoing.error('subscribe', errorBody(error), uid));
    }
  }

  /** An items action, answered with its result or its error (the REST code), never by closing. */
  private async runItems(message: ItemsMessage): Promise<void> {
    try {
      const data = await runItemsAction(this.context.items, this.access, message, this.context.origin);
      this.send(outgoing.items(data, message.uid));
    } catch (error) {
      this.send(outgoing.error('items', errorBody(error), message.uid));
    }
  }

  private unsubscribe(uid: string | null): void {
    const uids = uid === null ? [...this.subscriptions.keys()] : [uid];
    for (const key of uids) {
      const subscription = this.subscriptions.get(key);
      if (!subscription) continue;
      this.context.feed.leave(subscription);
      this.subscriptions.delete(key);
    }
  }

  /** Counts this second's messages: beyond the limit they are refused, at twice the limit the connection is closed. */
  private withinRate(): boolean {
    const now = Date.now();
    if (now - this.window.startedAt >= 1_000) this.window = { startedAt: now, count: 0 };
    this.window.count += 1;
    const limit = this.context.config.messagesPerSecond;
    if (this.window.count <= limit) return true;
    if (this.window.count > 2 * limit) this.close(CLOSE.RATE_LIMITED, 'Too many messages.');
    else this.send(outgoing.error('error', { code: 'RATE_LIMITED', message: `At most ${limit} messages a second.` }, null));
    return false;
  }

  private beat(): void {
    if (!this.answered) {
      this.close(CLOSE.TIMEOUT, 'No answer to ping.');
      return;
    }
    this.answered = false;
    this.send(outgoing.ping());
    this.socket.ping();
  }

  private close(code: number, reason: string): void {
    if (this.closed) return;
    // What was queued (the error that explains the close) goes out before the close frame.
    if (code !== CLOSE.SLOW_CONSUMER) this.flush();
    this.closeDown();
    this.socket.close(code, reason);
    // A client that does not answer the close frame must not keep the socket.
    setTimeout(() => this.socket.terminate(), 5_000).unref();
  }

  private closeDown(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.expiry?.cancel();
    this.unsubscribe(null);
  }
}

/** An error as the protocol's `error` object: the contract's code and message. */
function errorBody(error: unknown): ProtocolErrorBody {
  const [first] = toErrorResponse(error).body.errors;
  return { code: first.extensions.code, message: first.message };
}
