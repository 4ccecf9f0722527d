import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApp, testEnvironment } from '../support/app';
import { runCli, shown } from '../support/cli';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { newAccount } from '../support/factories';

for (const kind of selectedDatabases()) {
  describe(`the command line in direct mode: workspaces [${kind}]`, () => {
    let db: TestDatabase;
    let dir: string;
    let env: Record<string, string>;
    const cairn = (...args: string[]) => runCli(args, env);

    before(async () => {
      db = await createTestDatabase(kind);
      dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
      env = testEnvironment(db.url, { DATA_DIR: join(dir, 'data') });
      // The database made ready by the server itself: migrated, with a superadmin.
      const app = await startApp(db.url, { DATA_DIR: join(dir, 'data') });
      try {
        const admin = await newAccount(app.api, 'admin');
        assert.ok(admin.isSuperadmin);
      } finally {
        await app.close();
      }
    });
    after(async () => {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

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
}
