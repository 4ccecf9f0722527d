import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What the receiver does with a request: answer a status (and headers, and a body: `answer <status>` unless given), or hang. */
export type Reaction = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A local HTTP server that records what webhooks send it and answers as the test says: a list of
 * reactions, one per request in order, the last one repeated.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private reactions: Reaction[] = [{ status: 200 }];
  private readonly hung: ServerResponse[] = [];
  private waiting: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer((request, response) => void receiver.handle(request, response));
    const receiver = new WebhookReceiver(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  answer(...reactions: Reaction[]): void {
    this.reactions = reactions;
  }

  /** Waits until `count` requests have arrived in all, failing after a bound instead of hanging. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`The receiver got ${this.received.length} requests, not ${count}.`);
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received.slice(0, count);
  }

  async close(): Promise<void> {
    for (const response of this.hung) response.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, String(value)]));
    this.received.push({ path: request.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') });
    for (const wake of this.waiting.splice(0)) wake();
    const reaction = this.reactions.length > 1 ? this.reactions.shift()! : this.reactions[0];
    if (reaction === 'hang') {
      this.hung.push(response);
      return;
    }
    response.writeHead(reaction.status, reaction.headers);
    response.end(reaction.body ?? `answer ${reaction.status}`);
  }
}
