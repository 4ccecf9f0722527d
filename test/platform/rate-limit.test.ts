import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase, RunningApp, startApp, Suite, TEST_SETUP_TOKEN } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { assertError, newAccount, uniqueEmail } from '../support/factories';
import type { Api, ApiResponse } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';

const AUTH_LIMIT = 3;
const ADDRESS_LIMIT = 6;
const AUTH_WINDOW_SECONDS = 15 * 60;
const GLOBAL_LIMIT = 5;
const redisUrl = process.env.CAIRN_TEST_REDIS_URL;

/** Each Redis suite counts under its own prefix, so suites sharing the test Redis never share counts. */
const redisEnv = () => ({ REDIS_URL: redisUrl ?? '', REDIS_PREFIX: `cairn-test-${randomBytes(4).toString('hex')}:` });

/** With TRUST_PROXY on, X-Forwarded-For gives each request the client address a test chooses. */
const from = (address: string) => ({ token: null, headers: { 'x-forwarded-for': address } });
let addressCounter = 0;
/** A fresh IPv4 address for each call (IPv6 ones would count for their /64). */
const newAddress = () => {
  addressCounter += 1;
  return `198.51.${100 + (addressCounter >> 8)}.${addressCounter & 255}`;
};

function assertRateLimited(response: ApiResponse, maxSeconds: number): void {
  assertError(response, 429, 'RATE_LIMITED');
  const retryAfter = response.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^\d+$/, `Retry-After is whole seconds: ${retryAfter}`);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= maxSeconds, `Retry-After ${retryAfter} is within the window`);
}

/** Registers an account from its own address, so the registration counts against no login key. */
async function registered(api: Api): Promise<{ email: string; password: string }> {
  const account = { email: uniqueEmail('limited'), password: `pw-${randomBytes(8).toString('hex')}` };
  const response = await api.post('/api/v1/auth/register', { ...account, setup_token: TEST_SETUP_TOKEN }, from(newAddress()));
  assert.equal(response.status, 201, response.text);
  return account;
}

function authLimitTests(suite: Suite): void {
  const login = (body: Record<string, unknown>, address: string) => suite.api.post('/api/v1/auth/login', body, from(address));

  it(`answers 429 RATE_LIMITED with Retry-After after ${AUTH_LIMIT} failed logins of one email from one address, even to the right password`, async () => {
    const account = await registered(suite.api);
    const address = newAddress();
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      assertError(await login({ email: account.email, password: 'wrong-password' }, address), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await login({ email: account.email, password: 'wrong-password' }, address), AUTH_WINDOW_SECONDS);
    // The limit holds even for the right password: otherwise the attacker would learn it by the answer.
    assertRateLimited(await login(account, address), AUTH_WINDOW_SECONDS);
  });

  it('never counts successful logins', async () => {
    const account = await registered(suite.api);
    const address = newAddress();
    for (let attempt = 1; attempt <= ADDRESS_LIMIT + AUTH_LIMIT; attempt++) {
      const response = await login(account, address);
      assert.equal(response.status, 200, response.text);
    }
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      assertError(await login({ email: account.email, password: 'wrong-password' }, address), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await login(account, address), AUTH_WINDOW_SECONDS);
  });

  it("does not lock another account out of an address where one account's password was guessed", async () => {
    const [guessed, other] = [await registered(suite.api), await registered(suite.api)];
    const shared = newAddress();
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      assertError(await login({ email: guessed.email, password: `guess ${attempt}` }, shared), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await login(guessed, shared), AUTH_WINDOW_SECONDS);
    const response = await login(other, shared);
    assert.equal(response.status, 200, response.text);
  });

  it('lets the right password in from another address after failures on the same account', async () => {
    const account = await registered(suite.api);
    const attacker = newAddress();
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      assertError(await login({ email: account.email, password: `guess ${attempt}` }, attacker), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await login(account, attacker), AUTH_WINDOW_SECONDS);
    const response = await login(account, newAddress());
    assert.equal(response.status, 200, response.text);
  });

  it("does not reset an email's count when the password, other fields or the email's spelling vary", async () => {
    const account = await registered(suite.api);
    const address = newAddress();
    const variants = [
      { email: account.email, password: 'first-guess' },
      { email: `  ${account.email.toUpperCase()} `, password: 'second-guess' },
      { email: account.email.replace(/^./, (c) => c.toUpperCase()), password: 'third-guess', mode: 'json' },
    ];
    for (const body of variants) assertError(await login(body, address), 401, 'INVALID_CREDENTIALS');
    assertRateLimited(await login({ email: ` ${account.email.toUpperCase()}`, password: account.password }, address), AUTH_WINDOW_SECONDS);
    assertRateLimited(await login({ email: account.email, password: 'guess', remember: true }, address), AUTH_WINDOW_SECONDS);
  });

  it("limits an app user's failed logins per workspace by its email", async () => {
    const owner = await newAccount(suite.api, 'owner');
    const created = await suite.api.post('/api/v1/workspaces', { name: 'Limited app' }, { token: owner.accessToken, headers: { 'x-forwarded-for': newAddress() } });
    assert.equal(created.status, 201, created.text);
    const auth = `/api/v1/w/${created.body.data.slug}/auth`;
    const user = { email: uniqueEmail('app'), password: 'app user password' };
    assert.equal((await suite.api.post(`${auth}/register`, user, from(newAddress()))).status, 201);
    const address = newAddress();
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      assertError(await suite.api.post(`${auth}/login`, { ...user, password: `guess ${attempt}` }, from(address)), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await suite.api.post(`${auth}/login`, user, from(address)), AUTH_WINDOW_SECONDS);
    // The platform's login of the same email counts apart.
    assertError(await login(user, address), 401, 'INVALID_CREDENTIALS');
  });

  it(`limits one address trying many emails after ${ADDRESS_LIMIT} failures`, async () => {
    const account = await registered(suite.api);
    const address = newAddress();
    for (let attempt = 1; attempt <= ADDRESS_LIMIT; attempt++) {
      assertError(await login({ email: uniqueEmail('guess'), password: 'guess' }, address), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await login({ email: uniqueEmail('guess'), password: 'guess' }, address), AUTH_WINDOW_SECONDS);
    assertRateLimited(await login(account, address), AUTH_WINDOW_SECONDS);
    // Another address is not limited by that count.
    assert.equal((await login(account, newAddress())).status, 200);
  });

  it('limits refused refresh tokens per address, never successful refreshes', async () => {
    const account = await registered(suite.api);
    const address = newAddress();
    let refreshToken = (await login(account, address)).body.data.refresh_token as string;
    for (let attempt = 1; attempt <= ADDRESS_LIMIT + 1; attempt++) {
      const refreshed = await suite.api.post('/api/v1/auth/refresh', { refresh_token: refreshToken }, from(address));
      assert.equal(refreshed.status, 200, refreshed.text);
      refreshToken = refreshed.body.data.refresh_token;
    }
    for (let attempt = 1; attempt <= ADDRESS_LIMIT; attempt++) {
      assertError(await suite.api.post('/api/v1/auth/refresh', { refresh_token: `not-a-token-${attempt}` }, from(address)), 401, 'INVALID_TOKEN');
    }
    assertRateLimited(await suite.api.post('/api/v1/auth/refresh', { refresh_token: refreshToken }, from(address)), AUTH_WINDOW_SECONDS);
  });

  it('limits every registration per address and per email', async () => {
    const registrar = newAddress();
    for (let attempt = 1; attempt <= ADDRESS_LIMIT; attempt++) {
      const response = await suite.api.post('/api/v1/auth/register', { email: uniqueEmail('signup'), password: 'long-enough-password' }, from(registrar));
      assert.equal(response.status, 201, response.text);
    }
    assertRateLimited(await suite.api.post('/api/v1/auth/register', { email: uniqueEmail('signup'), password: 'long-enough-password' }, from(registrar)), AUTH_WINDOW_SECONDS);

    const email = uniqueEmail('taken');
    for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
      const response = await suite.api.post('/api/v1/auth/register', { email, password: 'long-enough-password' }, from(newAddress()));
      assert.equal(response.status, attempt === 1 ? 201 : 409, response.text);
    }
    assertRateLimited(await suite.api.post('/api/v1/auth/register', { email, password: 'long-enough-password' }, from(newAddress())), AUTH_WINDOW_SECONDS);
  });
}

const authEnv = { TRUST_PROXY: 'true', RATE_LIMIT_AUTH: `${AUTH_LIMIT}/15m`, RATE_LIMIT_AUTH_ADDRESS: `${ADDRESS_LIMIT}/15m`, RATE_LIMIT_GLOBAL: 'off' };

describeEachDatabase('auth rate limit, in-process', { env: authEnv }, authLimitTests);
if (redisUrl) {
  describeEachDatabase('auth rate limit, on Redis', { env: { ...authEnv, ...redisEnv() } }, authLimitTests);
}

describeEachDatabase('auth rate limit without TRUST_PROXY', { env: { RATE_LIMIT_AUTH: `${AUTH_LIMIT}/15m`, RATE_LIMIT_AUTH_ADDRESS: `${ADDRESS_LIMIT}/15m`, RATE_LIMIT_GLOBAL: 'off' } }, (suite) => {
  it('counts by the connection address, whatever X-Forwarded-For says', async () => {
    for (let attempt = 1; attempt <= ADDRESS_LIMIT; attempt++) {
      assertError(await suite.api.post('/api/v1/auth/login', { email: uniqueEmail('guess'), password: 'guess' }, from(newAddress())), 401, 'INVALID_CREDENTIALS');
    }
    assertRateLimited(await suite.api.post('/api/v1/auth/login', { email: uniqueEmail('guess'), password: 'guess' }, from(newAddress())), AUTH_WINDOW_SECONDS);
  });
});

function globalLimitTests(suite: Suite): void {
  it('answers 429 to a principal over the limit without limiting another', async () => {
    const [limited, other] = [await newAccount(suite.api, 'busy'), await newAccount(suite.api, 'calm')];
    for (let request = 1; request <= GLOBAL_LIMIT; request++) {
      const me = await suite.api.get('/api/v1/auth/me', { token: limited.accessToken });
      assert.equal(me.status, 200, me.text);
    }
    assertRateLimited(await suite.api.get('/api/v1/auth/me', { token: limited.accessToken }), 60);
    assertRateLimited(await suite.api.get('/api/v1/workspaces', { token: limited.accessToken }), 60);
    const otherMe = await suite.api.get('/api/v1/auth/me', { token: other.accessToken });
    assert.equal(otherMe.status, 200, otherMe.text);
  });

  it('counts anonymous callers per client address', async () => {
    const [address, other] = [newAddress(), newAddress()];
    // Logout is public and not an auth-limited route, so an anonymous call counts against the global limit.
    const logout = (sender: string) => suite.api.post('/api/v1/auth/logout', { refresh_token: 'not-a-token' }, from(sender));
    for (let request = 1; request <= GLOBAL_LIMIT; request++) assert.equal((await logout(address)).status, 204);
    assertRateLimited(await logout(address), 60);
    assert.equal((await logout(other)).status, 204);
  });

  it('never limits health', async () => {
    const address = newAddress();
    for (let request = 1; request <= GLOBAL_LIMIT * 3; request++) {
      const health = await suite.api.get('/api/v1/health', from(address));
      assert.equal(health.status, 200, health.text);
    }
  });
}

const globalEnv = { TRUST_PROXY: 'true', RATE_LIMIT_AUTH: 'off', RATE_LIMIT_GLOBAL: `${GLOBAL_LIMIT}/1m` };

describeEachDatabase('global rate limit, in-process', { env: globalEnv }, globalLimitTests);
if (redisUrl) {
  describeEachDatabase('global rate limit, on Redis', { env: { ...globalEnv, ...redisEnv() } }, globalLimitTests);

  for (const kind of selectedDatabases()) {
    describe(`rate limits shared on Redis by two instances [${kind}]`, () => {
      let db: TestDatabase;
      let apps: RunningApp[] = [];
      before(async () => {
        db = await createTestDatabase(kind);
        const env = { ...authEnv, ...redisEnv() };
        apps = [await startApp(db.url, env), await startApp(db.url, env)];
      });
      after(async () => {
        await Promise.all(apps.map((app) => app.close()));
        await db?.drop();
      });

      it('counts the failed logins of both instances together', async () => {
        const [first, second] = apps;
        const account = await registered(first.api);
        const address = newAddress();
        for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
          const instance = attempt % 2 === 0 ? second : first;
          assertError(await instance.api.post('/api/v1/auth/login', { email: account.email, password: 'wrong' }, from(address)), 401, 'INVALID_CREDENTIALS');
        }
        assertRateLimited(await second.api.post('/api/v1/auth/login', { email: account.email, password: 'wrong' }, from(address)), AUTH_WINDOW_SECONDS);
        assertRateLimited(await first.api.post('/api/v1/auth/login', { email: account.email, password: 'wrong' }, from(address)), AUTH_WINDOW_SECONDS);
      });
    });
  }
  for (const kind of selectedDatabases()) {
    describe(`rate limits while Redis is unreachable [${kind}]`, () => {
      let db: TestDatabase;
      let proxy: TcpProxy;
      let app: RunningApp;
      before(async () => {
        db = await createTestDatabase(kind);
        const target = new URL(redisUrl);
        proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
        const proxied = new URL(redisUrl);
        proxied.host = `127.0.0.1:${proxy.port}`;
        app = await startApp(db.url, { ...authEnv, ...redisEnv(), REDIS_URL: proxied.toString() });
      });
      after(async () => {
        await proxy?.restore();
        await app?.close();
        await proxy?.cut();
        await db?.drop();
      });

      it('keeps limiting, counted in the process, instead of failing the requests', async () => {
        const account = await registered(app.api);
        await proxy.cut();
        const address = newAddress();
        for (let attempt = 1; attempt <= AUTH_LIMIT; attempt++) {
          assertError(await app.api.post('/api/v1/auth/login', { email: account.email, password: 'wrong' }, from(address)), 401, 'INVALID_CREDENTIALS');
        }
        assertRateLimited(await app.api.post('/api/v1/auth/login', { email: account.email, password: 'wrong' }, from(address)), AUTH_WINDOW_SECONDS);
      });
    });
  }
}
