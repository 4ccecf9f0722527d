import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { runCli, shown } from '../support/cli';
import { newCollection, newOwnedWorkspace, newWorkspace, OwnedWorkspace } from '../support/factories';

describeEachDatabase('the command line in API mode', {}, (suite) => {
  let owned: OwnedWorkspace;
  let dir: string;
  /** The command line pointed at the running app with the owner's token, through CAIRN_URL and CAIRN_TOKEN. */
  const cairn = (...args: string[]) => runCli(args, { CAIRN_URL: suite.app.url, CAIRN_TOKEN: owned.owner.accessToken });
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    await newCollection(owned.api, owned.base, { collection: 'posts', fields: [{ field: 'title', type: 'string', required: true }, { field: 'rating', type: 'integer' }] });
    dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says it uses the API and lists the workspaces the token may see', async () => {
    const run = await cairn('workspace', 'list', '--json');
    assert.equal(run.code, 0, shown(run));
    assert.equal(run.stderr, `using the API at ${suite.app.url}/api/v1\n`);
    assert.deepEqual((JSON.parse(run.stdout) as Array<{ slug: string; role: string }>).map((w) => [w.slug, w.role]), [[owned.workspace.slug, 'owner']]);
  });

  it('creates a workspace owned by the token\'s account, and deletes it with --yes', async () => {
    const created = await cairn('workspace', 'create', '--name', 'Scratch', '--slug', `scratch-${suite.kind}`, '--json');
    assert.equal(created.code, 0, shown(created));
    assert.equal(JSON.parse(created.stdout).role, 'owner');
    const unconfirmed = await cairn('workspace', 'delete', `scratch-${suite.kind}`);
    assert.equal(unconfirmed.code, 2, shown(unconfirmed));
    const deleted = await cairn('workspace', 'delete', `scratch-${suite.kind}`, '--yes');
    assert.equal(deleted.code, 0, shown(deleted));
    assert.equal((await owned.api.get(`/api/v1/workspaces/scratch-${suite.kind}`)).status, 404);
    const owner = await cairn('workspace', 'create', '--name', 'Other', '--owner', 'someone@example.com');
    assert.equal(owner.code, 2, shown(owner));
    assert.match(owner.stderr, /--owner is for direct mode/);
  });

  it('exports a workspace\'s snapshot, diffs it against another, and applies it there', async () => {
    const exported = await cairn('schema', 'export', '-w', owned.workspace.slug);
    assert.equal(exported.code, 0, shown(exported));
    const snapshot = JSON.parse(exported.stdout) as { collections: Array<{ collection: string }> };
    assert.deepEqual(snapshot.collections.map((c) => c.collection), ['posts']);
    const path = file('schema.json', exported.stdout);

    const target = await newWorkspace(suite.api, owned.owner);
    const diff = await cairn('schema', 'diff', '-w', target.slug, '--file', path);
    assert.equal(diff.code, 0, shown(diff));
    assert.equal(diff.stdout, `1 step(s) for ${target.slug}:\n  1. create_collection posts\n`);
    const unconfirmed = await cairn('schema', 'apply', '-w', target.slug, '--file', path);
    assert.equal(unconfirmed.code, 2, shown(unconfirmed));
    const dryRun = await cairn('schema', 'apply', '-w', target.slug, '--file', path, '--dry-run', '--json');
    assert.equal(dryRun.code, 0, shown(dryRun));
    assert.equal(JSON.parse(dryRun.stdout).applied, false);
    assert.equal((await owned.api.get(`/api/v1/w/${target.slug}/collections/posts`)).status, 404, 'a dry run changes nothing');
    const applied = await cairn('schema', 'apply', '-w', target.slug, '--file', path, '--yes');
    assert.equal(applied.code, 0, shown(applied));
    assert.equal(applied.stdout, `Applied 1 step(s) to ${target.slug}.\n`);
    assert.equal((await owned.api.get(`/api/v1/w/${target.slug}/collections/posts`)).status, 200);
  });

  it('uploads an import with its dry run, and downloads an export', async () => {
    const ws = owned.workspace.slug;
    const bad = file('bad.csv', 'Title,rating\nHello,5\nBye,lots\n');
    const dryRun = await cairn('data', 'import', 'posts', '-w', ws, '--file', bad, '--mapping', '{"Title":"title"}', '--dry-run', '--json');
    assert.equal(dryRun.code, 1, shown(dryRun));
    assert.deepEqual(JSON.parse(dryRun.stdout), { rows: 2, errors: [{ row: 2, field: 'rating', message: '"rating" must be an integer.' }] });

    const refused = await cairn('data', 'import', 'posts', '-w', ws, '--file', bad, '--mapping', '{"Title":"title"}');
    assert.equal(refused.code, 1, shown(refused));
    assert.match(refused.stderr, /The API refused \(400 INVALID_PAYLOAD\): Invalid payload: row 2, column "rating": "rating" must be an integer\. Nothing was imported\./);

    const good = file('good.csv', 'title,rating\nHello,5\n"Line\nbreak",4\n');
    const imported = await cairn('data', 'import', 'posts', '-w', ws, '--file', good, '--json');
    assert.equal(imported.code, 0, shown(imported));
    assert.deepEqual(JSON.parse(imported.stdout), { rows: 2, errors: [] });

    const csv = await cairn('data', 'export', 'posts', '-w', ws, '--fields', 'title,rating', '--sort', '-rating');
    assert.equal(csv.code, 0, shown(csv));
    // RFC 4180: records end in CRLF; a line break inside a quoted value is kept as it is.
    assert.equal(csv.stdout, 'title,rating\r\nHello,5\r\n"Line\nbreak",4\r\n');
    const json = await cairn('data', 'export', 'posts', '-w', ws, '--format', 'json', '--fields', 'title', '--limit', '1', '--sort', 'rating');
    assert.deepEqual(JSON.parse(json.stdout), [{ title: 'Line\nbreak' }]);
  });

  it('answers a bad token, an unknown workspace and a bad file with the API\'s message and exit 1', async () => {
    const token = await runCli(['workspace', 'list'], { CAIRN_URL: suite.app.url, CAIRN_TOKEN: 'not-a-token' });
    assert.equal(token.code, 1, shown(token));
    assert.match(token.stderr, /The API refused \(401 INVALID_TOKEN\): .* Check the token \(--token or CAIRN_TOKEN\)\./);
    const workspace = await cairn('schema', 'export', '-w', 'nowhere');
    assert.equal(workspace.code, 1, shown(workspace));
    assert.match(workspace.stderr, /The API refused \(404 NOT_FOUND\): Workspace not found\./);
    const snapshot = await cairn('schema', 'diff', '-w', owned.workspace.slug, '--file', file('broken.json', '{"collections": 3}'));
    assert.equal(snapshot.code, 1, shown(snapshot));
    assert.match(snapshot.stderr, /The API refused \(400 INVALID_PAYLOAD\)/);
    for (const run of [token, workspace, snapshot]) assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});
