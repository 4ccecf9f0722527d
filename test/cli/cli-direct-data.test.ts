import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { describeDirectCli, shown, superadminWithBlog } from '../support/cli';

/** The collection the imports go to, as the schema tests' snapshot has it. */
const POSTS_SNAPSHOT = {
  version: 2,
  collections: [{ collection: 'posts', primary_key: 'integer', note: null, fields: [{ field: 'title', type: 'string', required: true }, { field: 'rating', type: 'integer' }] }],
  relations: [],
};

describeDirectCli('data import and export', (cli) => {
  const { cairn, file, withApp } = cli;

  // The database made ready by the server itself: migrated, with a superadmin and the workspace "blog" holding "posts".
  before(() =>
    withApp(async (app) => {
      const admin = await superadminWithBlog(app);
      const posts = await app.api.post('/api/v1/w/blog/collections', POSTS_SNAPSHOT.collections[0], { token: admin.accessToken });
      assert.equal(posts.status, 201, posts.text);
    }),
  );

  it('prints the failing rows of a dry run (exit 1), imports a file, and streams an export', async () => {
    const bad = file('bad.csv', 'title,rating\nHello,5\n"Wor, ld",many\n,3\n');
    const dryRun = await cairn('data', 'import', 'posts', '-w', 'blog', '--file', bad, '--dry-run');
    assert.equal(dryRun.code, 1, shown(dryRun));
    assert.equal(dryRun.stdout, 'Dry run: 3 row(s) read, 2 would fail; nothing was written.\n  row 2, rating: "rating" must be an integer.\n  row 3, title: "title" is required.\n');
    assert.match(dryRun.stderr, /error: 2 row\(s\) of .*bad\.csv would fail; nothing was written\./);

    const good = file('good.json', JSON.stringify([{ title: 'Hello', rating: 5 }, { title: 'Wor, ld', rating: 4 }]));
    const imported = await cairn('data', 'import', 'posts', '-w', 'blog', '--file', good);
    assert.equal(imported.code, 0, shown(imported));
    assert.equal(imported.stdout, 'Imported 2 row(s) into posts.\n');

    const csv = await cairn('data', 'export', 'posts', '-w', 'blog', '--fields', 'title,rating', '--sort', 'title');
    assert.equal(csv.code, 0, shown(csv));
    assert.equal(csv.stdout, 'title,rating\r\nHello,5\r\n"Wor, ld",4\r\n');
    const out = join(cli.dir, 'posts.json');
    const json = await cairn('data', 'export', 'posts', '-w', 'blog', '--out', out, '--filter', '{"rating":{"_gt":4}}', '--json');
    assert.equal(json.code, 0, shown(json));
    assert.deepEqual(JSON.parse(json.stdout), { file: out, collection: 'posts', format: 'json' });
    assert.deepEqual((JSON.parse(readFileSync(out, 'utf8')) as Array<{ title: string; created_by: string }>).map((row) => row.title), ['Hello']);
  });

  it('answers bad input with a clear message and exit 1, never a stack trace', async () => {
    const runs = [
      [await cairn('data', 'export', 'posts', '-w', 'nowhere'), /No workspace has the slug or id "nowhere"/],
      [await cairn('data', 'import', 'ghosts', '-w', 'blog', '--file', file('g.csv', 'title\nx\n')), /Collection "ghosts" not found/],
      [await cairn('data', 'import', 'posts', '-w', 'blog', '--file', join(cli.dir, 'missing.csv')), /Could not read .*missing\.csv/],
      [await cairn('data', 'import', 'posts', '-w', 'blog', '--file', file('cut.csv', 'title,rating\n"open,1\n')), /row 1 of the CSV file is malformed/],
    ] as const;
    for (const [run, message] of runs) {
      assert.equal(run.code, 1, shown(run));
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, shown(run));
    }
  });
});
