import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnvironment } from './app';
import { Api } from './http';

/** The compiled entry point of the tests' build: the same main.ts production runs. */
const MAIN = join(__dirname, '..', '..', 'src', 'main.js');
const STARTUP_MS = 30_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = STARTUP_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * The status of an instance's health check, asked on a connection of its own that ends with the answer:
 * an idle kept-alive connection of the test's would hold a stopping instance until its drain deadline.
 */
const healthStatus = (url: string) =>
  new Promise<number>((resolve, reject) => {
    get(`${url}/api/v1/health`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).once('error', reject);
  });

/** A Redis server of the test's own, on its own port, so the test can stop it and start it again. */
export class RedisServer {
  private process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, with nothing kept from before. */
  async resume(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until('Redis listening', () => portOpen(this.port));
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    await killAtOnce(child);
  }
}

/** Kills a server process at once, as a crash would, and waits for it to be gone. */
export async function killAtOnce(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

/** A Cairn process of a cluster, started from the compiled main.ts with its own port. */
export class Instance {
  readonly url: string;
  readonly api: Api;
  private output = '';
  /** Everything the process printed, and who waits for a line of it. */
  private transcript = '';
  private readonly watchers = new Set<() => void>();

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.api = new Api(this.url);
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      this.transcript += chunk.toString();
      for (const watcher of this.watchers) watcher();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /**
   * Starts an instance on a free port, or on `options.port`: the port of a stopped instance, when a load
   * balancer's list of upstreams must stay valid across a restart. `options.startupMs` bounds the wait for
   * its first answer (30 s), longer for an instance started while others are under load.
   */
  static async start(env: Record<string, string>, options: { port?: number; startupMs?: number } = {}): Promise<Instance> {
    const port = options.port ?? (await freePort());
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-node-'));
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...testEnvironment(env.DATABASE_URL, { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new Instance(port, child, dataDir);
    try {
      await until('the instance answering', async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return (await healthStatus(instance.url)) < 500;
      }, options.startupMs);
    } catch (error) {
      await instance.stop();
      throw new Error(`${String(error)}\n${instance.output}`);
    }
    return instance;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the process ended: its exit code, or null while it runs or when a signal ended it. */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** What the process printed lately, for a failing test's message. */
  get log(): string {
    return this.output;
  }

  /** Waits until the process prints something that matches (its output arrives apart from its answers), and answers the match. */
  logged(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve) => {
      const look = () => {
        const match = this.transcript.match(pattern);
        if (!match) return false;
        this.watchers.delete(watcher);
        resolve(match);
        return true;
      };
      const watcher = () => void look();
      if (!look()) this.watchers.add(watcher);
    });
  }

  /** Everything the process printed since it started. */
  get fullLog(): string {
    return this.transcript;
  }

  /** Kills the process at once, as a crash would: no shutdown hook runs. */
  async kill(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGKILL');
      await once(this.child, 'exit');
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export { until };
