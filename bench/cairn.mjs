// Starting Cairn for a benchmark and calling its API: shared by import-export.mjs and explorer.mjs.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * Starts dist/main.js as production runs it, with `admin` as its superadmin (CAIRN_ADMIN_EMAIL) and only
 * the settings a benchmark needs; nothing else from the caller's environment reaches its configuration.
 * Pushes its stop onto `cleanups`. Answers { child, baseUrl } once /health answers 200.
 */
export async function startCairn(databaseUrl, dataDir, admin, cleanups, extraEnv = {}) {
  const main = join(ROOT, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: run npm run build first');
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    JWT_SECRET: randomBytes(36).toString('base64url'),
    CAIRN_ADMIN_EMAIL: admin.email,
    CAIRN_ADMIN_PASSWORD: admin.password,
    RATE_LIMIT_GLOBAL: '1000000000/1m',
    ...extraEnv,
  };
  const nodeArgs = (process.env.BENCH_CAIRN_NODE_ARGS || '').split(/\s+/).filter(Boolean);
  // Both streams are read (the log goes to stdout), so that a caller may listen to them and a full pipe never blocks Cairn.
  const child = spawn(process.execPath, [...nodeArgs, main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  const keep = (chunk) => (errors = (errors + chunk).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // A child that a signal ended (Ctrl-C reaches the whole process group) has no exit code but a signal code.
  cleanups.push(() => new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : (child.once('exit', done), child.kill('SIGTERM')))));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; ) {
    if (child.exitCode !== null) throw new Error(`Cairn exited while starting:\n${errors}`);
    const health = await fetch(`${baseUrl}/api/v1/health`).catch(() => null);
    if (health?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`Cairn did not start within 60 s:\n${errors}`);
    await sleep(200);
  }
  return { child, baseUrl };
}

/** One API call; JSON in and out, or a FormData body. Throws on anything but 2xx. */
export async function call(baseUrl, method, path, token, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body instanceof FormData || body === undefined ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

/** Runs a benchmark's `main`, then its cleanups, the last pushed first, whatever happened; a failure sets the exit code. */
export async function runBench(main, cleanups) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  } finally {
    while (cleanups.length > 0) await Promise.resolve().then(cleanups.pop()).catch((error) => process.stderr.write(`bench: cleanup failed: ${error?.message ?? error}\n`));
  }
}
