import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeDirectCli, shown } from '../support/cli';
import { newAccount } from '../support/factories';

describeDirectCli('workspaces', (cli) => {
  const { cairn, withApp } = cli;

  // The database made ready by the server itself: migrated, with a superadmin.
  before(() =>
    withApp(async (app) => {
      const admin = await newAccount(app.api, 'admin');
      assert.ok(admin.isSuperadmin);
    }),
  );

  it('creates and lists workspaces as the oldest superadmin, and names an unknown --as', async () => {
    const created = await cairn('workspace', 'create', '--name', 'The Blog', '--slug', 'blog', '--json');
    assert.equal(created.code, 0, shown(created));
    assert.equal(JSON.parse(created.stdout).slug, 'blog');
    const other = await cairn('workspace', 'create', '--name', 'Staging');
    assert.equal(other.code, 0, shown(other));
    assert.match(other.stdout, /^Created the workspace staging \(/);

    const list = await cairn('workspace', 'list', '--json');
    assert.equal(list.code, 0, shown(list));
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ slug: string; role: string }>).map((w) => [w.slug, w.role]), [['blog', 'owner'], ['staging', 'owner']]);

    const taken = await cairn('workspace', 'create', '--name', 'Again', '--slug', 'blog');
    assert.equal(taken.code, 1, shown(taken));
    assert.match(taken.stderr, /A workspace with the slug "blog" already exists/);
    const stranger = await cairn('workspace', 'list', '--as', 'nobody@example.com');
    assert.equal(stranger.code, 1, shown(stranger));
    assert.match(stranger.stderr, /No account has the email nobody@example\.com \(--as\)/);
  });

  it('deletes a workspace only with --yes where there is no terminal', async () => {
    const unconfirmed = await cairn('workspace', 'delete', 'staging');
    assert.equal(unconfirmed.code, 2, shown(unconfirmed));
    assert.match(unconfirmed.stderr, /pass --yes to confirm/);
    const deleted = await cairn('workspace', 'delete', 'staging', '--yes', '--json');
    assert.equal(deleted.code, 0, shown(deleted));
    assert.equal(JSON.parse(deleted.stdout).slug, 'staging');
    const list = await cairn('workspace', 'list');
    assert.match(list.stdout, /^SLUG +NAME +ROLE +ID\nblog +The Blog +owner +[0-9a-f-]{36}\n$/);
  });
});
