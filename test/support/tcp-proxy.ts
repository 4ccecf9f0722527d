import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP forwarder between Cairn and a server it depends on, so a test can make the server unreachable
 * (cut) and bring it back (restore) without touching the server itself, or make its replies slow.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly replyDelayMs: number,
  ) {}

  /** replyDelayMs holds back every reply of the server by that long, in order. */
  static async start(targetHost: string, targetPort: number, options: { replyDelayMs?: number } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort, options.replyDelayMs ?? 0);
    await proxy.listen(0);
    return proxy;
  }

  /** Drops every open connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** Accepts connections again on the same port. */
  async restore(): Promise<void> {
    await this.listen(this.port);
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      if (this.replyDelayMs > 0) {
        upstream.on('data', (chunk: Buffer) => setTimeout(() => client.writable && client.write(chunk), this.replyDelayMs));
        upstream.on('end', () => setTimeout(() => client.end(), this.replyDelayMs));
      } else {
        upstream.pipe(client);
      }
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }
}
