import WebSocket from 'ws';

export type Message = Record<string, any>;

/** How long a test waits for a message before it fails instead of hanging. */
const WAIT_MS = 5_000;

/**
 * A realtime client as a test drives it: raw protocol messages in, parsed messages out, waited for in
 * order, and how the connection closed.
 */
export class RealtimeClient {
  private readonly received: Message[] = [];
  private wake: (() => void) | null = null;
  private readonly closing: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Message);
      this.wake?.();
    });
    this.closing = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<RealtimeClient> {
    const socket = new WebSocket(url, options);
    const client = new RealtimeClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** How the server closed the connection, waited for up to a bound. */
  closed(): Promise<{ code: number; reason: string }> {
    return Promise.race([this.closing, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('The connection was not closed.')), WAIT_MS).unref())]);
  }

  send(message: Message | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (skipping pings), or the next one that matches. */
  async next(matches: (message: Message) => boolean = () => true): Promise<Message> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const index = this.received.findIndex((message) => message.type !== 'ping' && matches(message));
      if (index >= 0) return this.received.splice(index, 1)[0];
      if (Date.now() > deadline) throw new Error(`No message arrived; had ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Subscribes and answers the init event. */
  async subscribe(collection: string, query: Message = {}, uid = 'sub', extra: Message = {}): Promise<Message> {
    this.send({ type: 'subscribe', collection, query, uid, ...extra });
    return this.next((message) => message.uid === uid);
  }

  /** The messages that have arrived and not been taken, pings aside. */
  get pending(): Message[] {
    return this.received.filter((message) => message.type !== 'ping');
  }

  close(): void {
    this.socket.close();
  }
}
