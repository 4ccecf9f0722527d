import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeDirectCli, runCli, shown } from '../support/cli';

const ADMIN = { CAIRN_ADMIN_EMAIL: 'ada@example.com', CAIRN_ADMIN_PASSWORD: 'correct-horse-battery' };

describeDirectCli('migrations, superadmins, workspaces', (cli) => {
  const { cairn } = cli;

  it('lists the pending system migrations, runs them, then finds none', async () => {
    const pending = await cairn('migrate', '--dry-run', '--json');
    assert.equal(pending.code, 0, shown(pending));
    assert.match(pending.stderr, new RegExp(`^using the database ${cli.kind === 'sqlite' ? 'sqlite:' : cli.kind === 'postgres' ? 'postgres://' : 'mysql://'}`));
    const names = (JSON.parse(pending.stdout) as { pending: string[] }).pending;
    assert.ok(names.includes('PlatformTables1732200000000'), pending.stdout);

    const run = await cairn('migrate', '--json');
    assert.equal(run.code, 0, shown(run));
    assert.deepEqual((JSON.parse(run.stdout) as { applied: string[] }).applied, names);
    const again = await cairn('migrate');
    assert.equal(again.code, 0, shown(again));
    assert.match(again.stdout, /up to date/);
  });

  it('needs a superadmin to act as, and says how to make one', async () => {
    const run = await cairn('workspace', 'list');
    assert.equal(run.code, 1, shown(run));
    assert.match(run.stderr, /no active superadmin account to act as: create one with `cairn admin create`/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('creates a superadmin from the environment once, then says it exists (exit 3) or, with --if-not-exists, succeeds', async () => {
    const created = await runCli(['admin', 'create', '--json'], { ...cli.env, ...ADMIN });
    assert.equal(created.code, 0, shown(created));
    assert.deepEqual({ ...JSON.parse(created.stdout), id: 'id' }, { id: 'id', email: 'ada@example.com', created: true });

    const again = await runCli(['admin', 'create'], { ...cli.env, ...ADMIN });
    assert.equal(again.code, 3, shown(again));
    assert.match(again.stderr, /An account with the email ada@example\.com exists already; nothing was changed/);
    const tolerated = await runCli(['admin', 'create', '--if-not-exists', '--json'], { ...cli.env, ...ADMIN });
    assert.equal(tolerated.code, 0, shown(tolerated));
    assert.equal(JSON.parse(tolerated.stdout).created, false);

    const short = await cairn('admin', 'create', '--email', 'linus@example.com', '--password', 'short');
    assert.equal(short.code, 2, shown(short));
    assert.match(short.stderr, /password/);
  });

});
