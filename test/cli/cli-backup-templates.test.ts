import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDatabase, RunningApp } from '../support/app';
import { describeDirectCli, runCli, shown, superadminWithBlog } from '../support/cli';
import { Account, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';

/** The titles of a workspace's posts, as its owner reads them. */
async function postTitles(app: RunningApp, account: Account, slug: string): Promise<string[]> {
  const response = await app.api.get(`/api/v1/w/${slug}/items/posts?fields=title&sort=title&limit=1000`, { token: account.accessToken });
  assert.equal(response.status, 200, response.text);
  return (response.body.data as Array<{ title: string }>).map((post) => post.title);
}

describeDirectCli('templates, backup and restore', (cli) => {
  const { cairn, withApp } = cli;

  let admin: Account;

  before(async () => {
    admin = await withApp(superadminWithBlog);
  });

  it('lists the templates and applies one with its sample data, then refuses it again changing nothing', async () => {
    const listed = await cairn('template', 'list', '--json');
    assert.equal(listed.code, 0, shown(listed));
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ name: string }>).map((t) => t.name).sort(), ['blog', 'crm', 'todo']);

    const applied = await cairn('template', 'apply', 'blog', '-w', 'blog', '--sample-data', '--json');
    assert.equal(applied.code, 0, shown(applied));
    const answer = JSON.parse(applied.stdout) as { template: string; sample_items: Record<string, number> };
    assert.equal(answer.template, 'blog');
    assert.ok(answer.sample_items.posts > 0, applied.stdout);

    const again = await cairn('template', 'apply', 'blog', '-w', 'blog');
    assert.equal(again.code, 1, shown(again));
    assert.match(again.stderr, /posts/, 'the refusal names the collections the workspace has already');
    const unknown = await cairn('template', 'apply', 'shop', '-w', 'blog');
    assert.equal(unknown.code, 1, shown(unknown));
    assert.match(unknown.stderr, /shop/);
    await withApp(async (app) => assert.equal((await postTitles(app, admin, 'blog')).length, answer.sample_items.posts));
  });

  it('backs a workspace up to a file and restores it as another workspace with the same items', async () => {
    const archive = join(cli.dir, 'blog.tar.gz');
    const backup = await cairn('backup', '-w', 'blog', '--out', archive);
    assert.equal(backup.code, 0, shown(backup));
    assert.match(backup.stdout, /^Backed up the workspace blog to .*blog\.tar\.gz \(\d+ bytes\)\.\n$/);
    assert.deepEqual([...readFileSync(archive).subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');

    const restored = await cairn('restore', '--file', archive, '--slug', 'blog-copy', '--json');
    assert.equal(restored.code, 0, shown(restored));
    assert.equal(JSON.parse(restored.stdout).slug, 'blog-copy');
    await withApp(async (app) => assert.deepEqual(await postTitles(app, admin, 'blog-copy'), await postTitles(app, admin, 'blog')));

    const taken = await cairn('restore', '--file', archive, '--slug', 'blog-copy');
    assert.equal(taken.code, 1, shown(taken));
    assert.match(taken.stderr, /blog-copy/);
  });

  it('refuses a backup without a scope, of no workspace, and a file that is no archive, leaving nothing behind', async () => {
    const neither = await cairn('backup', '--out', join(cli.dir, 'x.tar.gz'));
    assert.equal(neither.code, 2, shown(neither));
    const out = join(cli.dir, 'none.tar.gz');
    const missing = await cairn('backup', '-w', 'no-such-workspace', '--out', out);
    assert.equal(missing.code, 1, shown(missing));
    assert.match(missing.stderr, /no-such-workspace/);
    assert.equal(existsSync(out), false, 'no partial archive is left');

    const garbage = join(cli.dir, 'garbage.tar.gz');
    writeFileSync(garbage, 'not an archive at all');
    const refused = await cairn('restore', '--file', garbage, '--slug', 'from-garbage');
    assert.equal(refused.code, 1, shown(refused));
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    await withApp(async (app) => assert.equal((await app.api.get('/api/v1/workspaces/from-garbage', { token: admin.accessToken })).status, 404));
  });
});

describeEachDatabase('the command line in API mode: templates, backup and restore', {}, (suite) => {
  let owned: OwnedWorkspace;
  let dir: string;
  const cairn = (...args: string[]) => runCli(args, { CAIRN_URL: suite.app.url, CAIRN_TOKEN: owned.owner.accessToken });

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies a template, backs the workspace up and restores it through the API', async () => {
    const applied = await cairn('template', 'apply', 'todo', '-w', owned.workspace.slug, '--sample-data');
    assert.equal(applied.code, 0, shown(applied));
    assert.match(applied.stdout, new RegExp(`^Applied the template todo to ${owned.workspace.slug}: \\d+ schema step\\(s\\)`));

    const archive = join(dir, 'todo.tar.gz');
    const backup = await cairn('backup', '-w', owned.workspace.slug, '--out', archive, '--json');
    assert.equal(backup.code, 0, shown(backup));
    assert.equal(JSON.parse(backup.stdout).bytes, statSync(archive).size);

    const slug = `${owned.workspace.slug}-copy`;
    const restored = await cairn('restore', '--file', archive, '--slug', slug, '--json');
    assert.equal(restored.code, 0, shown(restored));
    const collections = async (ref: string) => ((await owned.api.get(`/api/v1/w/${ref}/collections`)).body.data as Array<{ collection: string }>).map((c) => c.collection).sort();
    assert.deepEqual(await collections(slug), await collections(owned.workspace.slug));

    const garbage = join(dir, 'garbage.tar.gz');
    writeFileSync(garbage, 'not an archive at all');
    const refused = await cairn('restore', '--file', garbage, '--slug', `${owned.workspace.slug}-garbage`);
    assert.equal(refused.code, 1, shown(refused));
    assert.match(refused.stderr, /The API refused \(400 INVALID_PAYLOAD\)/);
  });
});
