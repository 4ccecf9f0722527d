import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { describeDirectCli, shown, superadminWithBlog } from '../support/cli';

/** A snapshot of one collection, as a person would write it or `schema export` would. */
const POSTS_SNAPSHOT = {
  version: 2,
  collections: [{ collection: 'posts', primary_key: 'integer', note: null, fields: [{ field: 'title', type: 'string', required: true }, { field: 'rating', type: 'integer' }] }],
  relations: [],
};

describeDirectCli('schema snapshots', (cli) => {
  const { cairn, file, withApp } = cli;

  // The database made ready by the server itself: migrated, with a superadmin and the workspace "blog".
  before(() => withApp(superadminWithBlog));

  it('diffs a snapshot file, refuses to apply it without --yes where there is no terminal, then applies it', async () => {
    const snapshot = file('posts.schema.json', JSON.stringify(POSTS_SNAPSHOT));
    const diff = await cairn('schema', 'diff', '-w', 'blog', '--file', snapshot);
    assert.equal(diff.code, 0, shown(diff));
    assert.equal(diff.stdout, '1 step(s) for blog:\n  1. create_collection posts\n');

    const unconfirmed = await cairn('schema', 'apply', '-w', 'blog', '--file', snapshot);
    assert.equal(unconfirmed.code, 2, shown(unconfirmed));
    assert.match(unconfirmed.stderr, /schema apply changes the schema of blog: pass --yes to confirm \(there is no terminal to ask on\)/);

    const applied = await cairn('schema', 'apply', '-w', 'blog', '--file', snapshot, '--yes', '--json');
    assert.equal(applied.code, 0, shown(applied));
    const answer = JSON.parse(applied.stdout) as { applied: boolean; steps: Array<{ action: string }> };
    assert.equal(answer.applied, true);
    assert.deepEqual(answer.steps.map((step) => step.action), ['create_collection']);

    const out = join(cli.dir, 'blog.schema.json');
    const exported = await cairn('schema', 'export', '-w', 'blog', '--out', out);
    assert.equal(exported.code, 0, shown(exported));
    const written = JSON.parse(readFileSync(out, 'utf8')) as { collections: Array<{ collection: string; fields: Array<{ field: string }> }> };
    assert.deepEqual(written.collections.map((c) => [c.collection, c.fields.map((f) => f.field)]), [['posts', ['title', 'rating']]]);
  });

  it('names a snapshot file that is not JSON, or missing, before opening the database', async () => {
    const [broken, missing] = await Promise.all([cairn('schema', 'diff', '-w', 'blog', '--file', file('bad.json', '{"version":')), cairn('schema', 'apply', '-w', 'blog', '--yes', '--file', join(cli.dir, 'none.json'))]);
    assert.equal(broken.code, 1, shown(broken));
    assert.match(broken.stderr, /^error: The snapshot file .*bad\.json is not JSON: /);
    assert.equal(missing.code, 1, shown(missing));
    assert.match(missing.stderr, /^error: Could not read the snapshot file .*none\.json: ENOENT/);
  });
});
