import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TEST_JWT_SECRET, TEST_SETUP_TOKEN } from '../support/app';
import { Api } from '../support/http';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('graceful shutdown', () => {
  it('lets a request in flight at SIGTERM finish, then exits cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-shutdown-'));
    const port = await freePort();
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'src', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        LOG_LEVEL: 'info',
        JWT_SECRET: TEST_JWT_SECRET,
        CAIRN_SETUP_TOKEN: TEST_SETUP_TOKEN,
        // A costly hash makes login slow enough to still be running when the signal arrives.
        BCRYPT_ROUNDS: '13',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      for (const waiter of waiters.filter((w) => w.pattern.test(log))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
    const logged = (pattern: RegExp) => (pattern.test(log) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pattern, resolve })));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    try {
      await logged(/Cairn is listening/);
      const api = new Api(`http://127.0.0.1:${port}`);
      const credentials = { email: 'slow@example.com', password: 'slow-password' };
      assert.equal((await api.post('/api/v1/auth/register', { ...credentials, setup_token: TEST_SETUP_TOKEN })).status, 201);

      const login = api.post('/api/v1/auth/login', credentials);
      await logged(/"url":"\/api\/v1\/auth\/login".*"msg":"incoming request"/);
      child.kill('SIGTERM');

      const response = await login;
      assert.equal(response.status, 200, response.text);
      assert.ok(response.body.data.access_token);
      assert.equal(await exited, 0);
      assert.match(log, /"msg":"stopped"/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
