import assert from 'node:assert/strict';
import { ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { tableNameFor } from '../../src/modules/schema/names';
import { TEST_JWT_SECRET, TEST_SETUP_TOKEN } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase, withMysql, withPostgres } from '../support/databases';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { Api, ApiResponse } from '../support/http';
import { until } from '../support/wait';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Cairn's main.js in a process of its own, leading its own process group as under a terminal or a process
 * manager: `signal()` reaches the whole group, as Ctrl-C does.
 */
class CairnProcess {
  readonly port: number;
  readonly api: Api;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'cairn-shutdown-'));
  private log = '';
  private readonly waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];

  constructor(port: number, env: Record<string, string>) {
    this.port = port;
    this.api = new Api(`http://127.0.0.1:${port}`);
    this.child = spawn(process.execPath, [join(__dirname, '..', '..', 'src', 'main.js')], {
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: this.dataDir, LOG_LEVEL: 'info', JWT_SECRET: TEST_JWT_SECRET, CAIRN_SETUP_TOKEN: TEST_SETUP_TOKEN, BCRYPT_ROUNDS: '4', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.log += chunk.toString();
      for (const waiter of this.waiters.filter((w) => w.pattern.test(this.log))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  static async start(env: Record<string, string>): Promise<CairnProcess> {
    const cairn = new CairnProcess(await freePort(), env);
    await cairn.logged(/Cairn is listening/);
    return cairn;
  }

  get output(): string {
    return this.log;
  }

  logged(pattern: RegExp): Promise<void> {
    return pattern.test(this.log) ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  /** Signals the process group, as Ctrl-C or a process manager does. */
  signal(name: NodeJS.Signals): void {
    process.kill(-this.child.pid!, name);
  }

  /** The process ids of Cairn's children, its sandbox workers (Linux's /proc). */
  children(): number[] {
    const pid = this.child.pid!;
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  }

  dispose(): void {
    if (alive(this.child.pid!)) process.kill(-this.child.pid!, 'SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One HTTP/1.1 connection kept alive, on which GET requests are sent one after another. */
class KeptAliveConnection {
  /** How the connection ended: closed by the server (`end`) or broken (the error's code). */
  readonly ended: Promise<string>;
  private received = Buffer.alloc(0);
  private onData: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.onData?.();
    });
    this.ended = new Promise((resolve) => {
      socket.once('end', () => resolve('end'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  }

  static async open(port: number): Promise<KeptAliveConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new KeptAliveConnection(socket);
  }

  async get(path: string): Promise<{ status: number; headers: Record<string, string>; body: any }> {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    for (;;) {
      const end = this.received.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.received.subarray(0, end).toString().split('\r\n');
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length']);
        if (this.received.length >= end + 4 + length) {
          const body = this.received.subarray(end + 4, end + 4 + length).toString();
          this.received = this.received.subarray(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
        }
      }
      await new Promise<void>((resolve) => (this.onData = resolve));
    }
  }
}

/** How a new connection attempt to the port ends: `connected`, or the error's code. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Runs SQL straight on the test database, beside the Cairn process using it. */
async function sql(db: TestDatabase, text: string): Promise<Array<Record<string, unknown>>> {
  let rows: Array<Record<string, unknown>> = [];
  switch (db.kind) {
    case 'sqlite': {
      // The package ships no types, and none are installed.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Sqlite = require('better-sqlite3') as new (path: string) => { prepare(sql: string): { reader: boolean; all(): unknown[]; run(): unknown }; close(): void };
      const connection = new Sqlite(db.url.slice('sqlite:'.length));
      try {
        const statement = connection.prepare(text);
        rows = statement.reader ? (statement.all() as typeof rows) : (statement.run(), []);
      } finally {
        connection.close();
      }
      break;
    }
    case 'postgres':
      await withPostgres(db.url, async (client) => (rows = (await client.query(text)).rows));
      break;
    case 'mysql':
      await withMysql(db.url, async (connection) => {
        const [result] = await connection.query(text);
        rows = Array.isArray(result) ? (result as typeof rows) : [];
      });
      break;
  }
  return rows;
}

/**
 * A handler that writes, then holds its run until the test deletes the row of `gate` straight in the
 * database (requests are refused by then), then records in `trail` how it was run. The same code serves
 * as a custom endpoint (it writes a note first), an after hook on notes and a flow's handler step.
 */
const HELD = `module.exports = async (ctx) => {
  const source = ctx.request ? 'endpoint' : ctx.flow ? 'flow' : 'after hook';
  const note = ctx.request ? await ctx.items('notes').createOne({ text: 'written before the signal' }) : null;
  for (;;) {
    if ((await ctx.items('gate').readByQuery({ limit: 1 })).length === 0) break;
    const polled = Date.now();
    while (Date.now() - polled < 10) {}
  }
  await ctx.items('trail').createOne({ source });
  return note;
};`;

/** A workspace with the held handler as an endpoint (GET /custom/hold), an after hook and a flow on notes, and a closed gate. */
async function heldWorkspace(cairn: CairnProcess): Promise<OwnedWorkspace & { flowId: string }> {
  const owned = await newOwnedWorkspace(cairn.api);
  const { api, base } = owned;
  for (const collection of ['notes', 'gate', 'trail']) {
    await newCollection(api, base, { collection, fields: [{ field: collection === 'trail' ? 'source' : 'text', type: 'string' }] });
  }
  assert.equal((await api.post(`${base}/items/gate`, { text: 'closed' })).status, 200);
  const endpoint = await api.post(`${base}/handlers`, { name: 'held', kind: 'endpoint', method: 'GET', path: '/hold', code: HELD, timeout_ms: 30_000 });
  assert.equal(endpoint.status, 201, endpoint.text);
  const hook = await api.post(`${base}/handlers`, { name: 'held hook', kind: 'after', collection: 'notes', events: ['create'], code: HELD, timeout_ms: 30_000 });
  assert.equal(hook.status, 201, hook.text);
  const flow = await api.post(`${base}/flows`, {
    name: 'held flow',
    trigger: { type: 'event', collections: ['notes'], events: ['create'] },
    operations: [{ key: 'hold', type: 'handler', options: { handler: endpoint.body.data.id, input: {} } }],
    first: 'hold',
  });
  assert.equal(flow.status, 201, flow.text);
  return { ...owned, flowId: flow.body.data.id };
}

/** Starts the held endpoint and waits until its note is written and the flow it fires is running. */
async function holdRun(workspace: OwnedWorkspace & { flowId: string }): Promise<{ held: Promise<ApiResponse>; noteId: unknown }> {
  const { api, base } = workspace;
  const held = api.get(`${base}/custom/hold`);
  const notes = await until('the held run has written its note', () => api.get(`${base}/items/notes`), (response) => response.body.data?.length === 1);
  await until('the flow fired by the note is running', () => api.get(`${base}/flows/${workspace.flowId}/runs`), (response) => response.body.data?.[0]?.status === 'running');
  return { held, noteId: notes.body.data[0].id };
}

describe('graceful shutdown', () => {
  it('lets a request in flight at SIGTERM finish, then exits cleanly', async () => {
    // A costly hash makes login slow enough to still be running when the signal arrives.
    const cairn = await CairnProcess.start({ BCRYPT_ROUNDS: '13' });
    try {
      const credentials = { email: 'slow@example.com', password: 'slow-password' };
      assert.equal((await cairn.api.post('/api/v1/auth/register', { ...credentials, setup_token: TEST_SETUP_TOKEN })).status, 201);

      const login = cairn.api.post('/api/v1/auth/login', credentials);
      await cairn.logged(/"url":"\/api\/v1\/auth\/login".*"msg":"incoming request"/);
      cairn.signal('SIGTERM');

      const response = await login;
      assert.equal(response.status, 200, response.text);
      assert.ok(response.body.data.access_token);
      assert.equal(await cairn.exited, 0);
      assert.match(cairn.output, /"msg":"stopped"/);
    } finally {
      cairn.dispose();
    }
  });
});

for (const kind of selectedDatabases()) {
  describe(`graceful shutdown with handlers [${kind}]`, () => {
    let db: TestDatabase;

    before(async () => {
      db = await createTestDatabase(kind);
    });

    after(async () => {
      await db?.drop();
    });

    it('finishes the handler runs in flight at SIGTERM, serves kept-alive connections once more and closes them, fails health checks, refuses new connections, then exits cleanly', async () => {
      const cairn = await CairnProcess.start({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT: '60s' });
      try {
        const workspace = await heldWorkspace(cairn);
        const kept = await KeptAliveConnection.open(cairn.port);
        assert.equal((await kept.get('/api/v1/health')).status, 200);
        const other = await KeptAliveConnection.open(cairn.port);
        assert.equal((await other.get('/api/v1/health')).status, 200);
        const { held, noteId } = await holdRun(workspace);
        const workers = cairn.children();
        assert.ok(workers.length > 0);

        cairn.signal('SIGTERM');
        await cairn.logged(/"msg":"shutting down"/);

        const unhealthy = await kept.get('/api/v1/health');
        assert.equal(unhealthy.status, 503);
        assert.equal(unhealthy.headers.connection, 'close');
        assert.equal(unhealthy.body.info.application.status, 'down');
        assert.equal(await kept.ended, 'end', 'the server closes the connection after its answer, rather than resetting it');
        // A request on an open connection is served as usual (a balancer could not safely retry a POST refused there).
        const served = await other.get('/api/v1/no-such-route');
        assert.equal(served.status, 404);
        assert.equal(served.body.errors[0].extensions.code, 'NOT_FOUND');
        assert.equal(served.headers.connection, 'close');
        assert.equal(await other.ended, 'end');
        assert.equal(await connectOutcome(cairn.port), 'ECONNREFUSED');

        await sql(db, `DELETE FROM ${tableNameFor(workspace.workspace.id, 'gate')}`);
        const answered = await held;
        assert.equal(answered.status, 200, answered.text);
        assert.equal(answered.body.data.id, noteId);
        assert.equal(await cairn.exited, 0);
        assert.match(cairn.output, /"msg":"stopped"/);
        assert.deepEqual(workers.filter(alive), [], 'no sandbox worker outlives the process');

        const notes = await sql(db, `SELECT id FROM ${tableNameFor(workspace.workspace.id, 'notes')}`);
        assert.deepEqual(notes.map((row) => String(row.id)), [String(noteId)]);
        const trail = await sql(db, `SELECT source FROM ${tableNameFor(workspace.workspace.id, 'trail')}`);
        assert.deepEqual(trail.map((row) => row.source).sort(), ['after hook', 'endpoint', 'flow']);
      } finally {
        cairn.dispose();
      }
    });

    it('exits within SHUTDOWN_TIMEOUT when a request would take longer, closing its connection, and stops cleanly', async () => {
      const cairn = await CairnProcess.start({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT: '3s' });
      try {
        const workspace = await heldWorkspace(cairn);
        const { held } = await holdRun(workspace);
        const workers = cairn.children();
        assert.ok(workers.length > 0);

        cairn.signal('SIGTERM');
        const outcome = await held.then(
          (response) => `answered ${response.status}`,
          () => 'connection closed',
        );
        assert.equal(outcome, 'connection closed');
        assert.equal(await cairn.exited, 0);
        assert.match(cairn.output, /were cut/);
        assert.match(cairn.output, /"msg":"stopped"/);
        assert.deepEqual(workers.filter(alive), [], 'no sandbox worker outlives the process');
      } finally {
        cairn.dispose();
      }
    });
  });
}
