import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort, killAtOnce, until } from './cluster';

const run = promisify(execFile);

/** MariaDB refuses to run as root unless told which account to run as; the mysql account then owns the data. */
const runningAsRoot = userInfo().uid === 0;

/**
 * A MariaDB server of the test's own, on a free loopback port, with binary logs on, so that a test can
 * stop it, start it again, or make a replica of it without touching the shared server. Root has no
 * password. Made with mariadb-install-db into a temporary folder, removed by `destroy`.
 */
export class MariaDbServer {
  private process: ChildProcess | null = null;

  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly serverId: number,
  ) {}

  static async start(serverId = 1): Promise<MariaDbServer> {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-mariadb-'));
    const server = new MariaDbServer(dir, await freePort(), serverId);
    try {
      if (runningAsRoot) {
        const [uid, gid] = await Promise.all([run('id', ['-u', 'mysql']), run('id', ['-g', 'mysql'])]);
        chownSync(dir, Number(uid.stdout), Number(gid.stdout));
      }
      await run('mariadb-install-db', ['--no-defaults', `--datadir=${join(dir, 'data')}`, ...server.userFlag(), '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 120_000 });
      await server.resume();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** A new server replicating this one from its first binary log (both start empty, so nothing is copied). */
  async startReplica(): Promise<MariaDbServer> {
    const replica = await MariaDbServer.start(this.serverId + 1);
    try {
      await replica.sql(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${this.port}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos`);
      await replica.sql('START SLAVE');
    } catch (error) {
      await replica.destroy();
      throw error;
    }
    return replica;
  }

  url(database: string): string {
    return `mariadb://root@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs one statement as root and answers its rows. */
  async sql(statement: string, database?: string): Promise<Array<Record<string, unknown>>> {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', database });
    try {
      const [rows] = await connection.query(statement);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    } finally {
      await connection.end();
    }
  }

  /** Starts (again) on the same port and data. */
  async resume(): Promise<void> {
    const args = [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(this.dir, 'mariadb.sock')}`,
      `--pid-file=${join(this.dir, 'mariadb.pid')}`,
      `--log-error=${join(this.dir, 'error.log')}`,
      `--log-bin=${join(this.dir, 'data', 'binlog')}`,
      `--server-id=${this.serverId}`,
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=0',
      '--sync-binlog=0',
      ...this.userFlag(),
    ];
    this.process = spawn('mariadbd', args, { stdio: 'ignore' });
    const child = this.process;
    await until('MariaDB answering', async () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}`);
      await this.sql('SELECT 1');
      return true;
    });
  }

  /** Stops the server at once, as a crash would. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    await killAtOnce(child);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private userFlag(): string[] {
    return runningAsRoot ? ['--user=mysql'] : [];
  }
}
