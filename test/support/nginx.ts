import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, until } from './cluster';

/** The documentation whose nginx configuration the tests run: what it shows is what is tested. */
const SCALING_DOC = join(__dirname, '..', '..', '..', 'docs', 'SCALING.md');
/** Where Debian's package puts the binary; sbin is not on every user's PATH. */
const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/bin/nginx'];

function nginxBinary(): string | null {
  return NGINX_PATHS.find((path) => existsSync(path)) ?? null;
}

/**
 * The path of nginx, installing Debian's nginx-light when it is missing (as root, as CI runs). The
 * package's own service, if its scripts start one, listens on port 80 and is never used here: the tests
 * run an nginx of their own on a free loopback port.
 */
export function ensureNginx(): string {
  const found = nginxBinary();
  if (found) return found;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx-light'], { env, encoding: 'utf8' });
  let result = install();
  // A machine whose package lists are missing or stale finds no candidate: read them once, then try again.
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { env, encoding: 'utf8' });
    result = install();
  }
  const installed = nginxBinary();
  if (!installed) throw new Error(`nginx is missing and could not be installed (apt-get install nginx-light, as root):\n${result.stderr ?? result.error}`);
  return installed;
}

/**
 * The nginx configuration of docs/SCALING.md ("## Behind nginx"), made to run here: plain HTTP on a
 * loopback port instead of `listen 443 ssl`, and the instances' ports instead of 3001–3003. Nothing else
 * is changed, so the configuration the documentation shows is the one the tests prove.
 */
export function documentedNginxConfig(listenPort: number, upstreamPorts: number[]): string {
  const doc = readFileSync(SCALING_DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Behind nginx'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/SCALING.md: no nginx block under "## Behind nginx"');
  const documentedPorts = [...block.matchAll(/server 127\.0\.0\.1:(\d+)/g)].map((match) => match[1]);
  if (documentedPorts.length !== upstreamPorts.length) {
    throw new Error(`docs/SCALING.md: the nginx block has ${documentedPorts.length} upstream servers, the test ${upstreamPorts.length}`);
  }
  if (!block.includes('listen 443 ssl;')) throw new Error('docs/SCALING.md: the nginx block does not `listen 443 ssl;`');
  return documentedPorts
    .reduce((config, port, index) => config.replace(`server 127.0.0.1:${port} `, `server 127.0.0.1:${upstreamPorts[index]} `), block)
    .replace('listen 443 ssl;', `listen 127.0.0.1:${listenPort};`);
}

/** One line of the access log: what nginx answered and which upstreams it tried, in order. */
export interface ProxiedRequest {
  status: number;
  method: string;
  /** The upstreams tried (`127.0.0.1:port`), the last one answering. */
  upstreams: string[];
  /** Their answers, in the same order (`502`, `503`, `200`, or `-` for none). */
  upstreamStatuses: string[];
}

/**
 * nginx in a process of the test's own, in a directory of its own (configuration, pid, logs, temporary
 * files), listening on a free loopback port, with the documented configuration inside its `http` block.
 */
export class Nginx {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly errors: () => string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(upstreamPorts: number[]): Promise<Nginx> {
    const binary = ensureNginx();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-nginx-'));
    // Started as root, nginx runs its worker as an unprivileged user, which must reach its temporary files.
    chmodSync(dir, 0o755);
    const config = [
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/${kind};`),
      "  log_format upstreams '$status|$request_method|$upstream_addr|$upstream_status';",
      `  access_log ${dir}/access.log upstreams;`,
      documentedNginxConfig(port, upstreamPorts),
      '}',
    ].join('\n');
    writeFileSync(join(dir, 'nginx.conf'), config);
    const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const errors = () => `${stderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`;
    const nginx = new Nginx(port, dir, child, errors);
    try {
      await until('nginx answering', async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
        await fetch(nginx.url, { method: 'HEAD' });
        return true;
      });
    } catch (error) {
      await nginx.stop();
      throw new Error(`${String(error)}\n${errors()}\n${config}`);
    }
    return nginx;
  }

  /** nginx's own complaints (error.log and stderr): upstreams that failed, retries, configuration warnings. */
  get errorLog(): string {
    return this.errors();
  }

  /** Every request nginx has answered so far, from its access log. */
  requests(): ProxiedRequest[] {
    const path = join(this.dir, 'access.log');
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        // $upstream_addr and $upstream_status are lists separated by ", " when nginx tried several upstreams.
        const [status, method, addresses, statuses] = line.split('|');
        return { status: Number(status), method, upstreams: addresses.split(', '), upstreamStatuses: statuses.split(', ') };
      });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // SIGTERM: nginx's fast stop, which does not wait for its clients' kept-alive connections.
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
