import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './cluster';

const run = promisify(execFile);

/** Debian keeps the server's programs (initdb, pg_ctl) out of PATH, one directory per major version. */
function serverBinaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  if (versions.length === 0) throw new Error('No PostgreSQL server programs found: install postgresql or set PG_BIN to the directory of initdb and pg_ctl.');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** PostgreSQL refuses to run as root; as root, its programs run as the postgres account, which then owns the cluster's directory. */
const runningAsRoot = userInfo().uid === 0;

async function asServerUser(program: string, args: string[]): Promise<string> {
  const path = join(serverBinaries(), program);
  const [command, commandArgs] = runningAsRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  try {
    const { stdout } = await run(command, commandArgs, { timeout: 120_000 });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${failure.stderr || failure.message}`);
  }
}

function serverDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (runningAsRoot) {
    const { uid, gid } = postgresAccount();
    chownSync(dir, uid, gid);
  }
  return dir;
}

function postgresAccount(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('Running as root, PostgreSQL needs a "postgres" account to run as.');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A PostgreSQL cluster of the test's own, on a free loopback port, so that a test can stop it, start it
 * again, or stream a replica from it without touching the shared server. Fsync is off: the clusters are
 * thrown away, and a stop is always clean or deliberate.
 */
export class PostgresServer {
  private constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  /** A new, empty cluster (databases `postgres`, user `postgres`, trust authentication), running. */
  static async start(): Promise<PostgresServer> {
    const dataDir = serverDirectory('cairn-pg-');
    const server = new PostgresServer(join(dataDir, 'data'), await freePort());
    try {
      await asServerUser('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
      appendFileSync(server.dataDir + '/postgresql.conf', server.settings());
      appendFileSync(server.dataDir + '/pg_hba.conf', 'host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n');
      await server.resume();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** A hot standby of this cluster, made with pg_basebackup, streaming from it, on a port of its own. */
  async startReplica(): Promise<PostgresServer> {
    const dataDir = serverDirectory('cairn-pg-replica-');
    const replica = new PostgresServer(join(dataDir, 'data'), await freePort());
    try {
      // A fast checkpoint: the default spreads the primary's checkpoint over minutes before the copy begins.
      await asServerUser('pg_basebackup', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-D', replica.dataDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
      // The copy carries the primary's settings; the last line wins, so the replica listens on its own port.
      appendFileSync(replica.dataDir + '/postgresql.conf', replica.settings());
      await replica.resume();
    } catch (error) {
      await replica.destroy();
      throw error;
    }
    return replica;
  }

  /** A connection URL for a database of this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs SQL with psql as the postgres user and answers its unaligned output. */
  async sql(statement: string, database = 'postgres'): Promise<string> {
    return (await run('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', database, '-Atqc', statement], { timeout: 60_000 })).stdout.trim();
  }

  /** Starts (again) on the same port and data. */
  async resume(): Promise<void> {
    await asServerUser('pg_ctl', ['-D', this.dataDir, '-l', join(this.dataDir, '..', 'server.log'), '-w', '-t', '60', 'start']);
  }

  /** Stops the server: `fast` ends sessions cleanly, `immediate` is as abrupt as a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    await asServerUser('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /**
   * Freezes the server and all its processes (SIGSTOP): it neither refuses nor answers, as a server that
   * hangs or a network that drops packets. `thaw` lets it go on where it stopped.
   */
  async freeze(): Promise<void> {
    for (const pid of await this.processes()) process.kill(pid, 'SIGSTOP');
  }

  async thaw(): Promise<void> {
    for (const pid of await this.processes()) process.kill(pid, 'SIGCONT');
  }

  /** The postmaster and its children. */
  private async processes(): Promise<number[]> {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const { stdout } = await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
    return [postmaster, ...stdout.split('\n').filter(Boolean).map(Number)];
  }

  /** Stops the server and removes everything it wrote. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
  }

  private settings(): string {
    const socketDir = join(this.dataDir, '..');
    return [
      '',
      `port = ${this.port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      'fsync = off',
      'full_page_writes = off',
      'wal_level = replica',
      'max_wal_senders = 4',
      'hot_standby = on',
      'max_connections = 100',
      'shared_buffers = 16MB',
      '',
    ].join('\n');
  }
}
