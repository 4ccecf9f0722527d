import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { multipartBody } from '../support/uploads';
import { dataOf, newTemplateWorkspace } from './templates.fixture';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

// A 1×1 PNG, the blog's cover.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

/** Runs an example as a user would (node examples/<name>/index.mjs), against the app; answers its output. */
function runExample(name: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(EXAMPLES, name, 'index.mjs')], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describeEachDatabase('the examples of the templates', {}, (suite) => {
  let owner: Api;

  before(async () => {
    owner = (await newOwnedWorkspace(suite.api)).api;
  });

  it('examples/blog: a visitor reads the published posts with cover and tags, an app user comments', async () => {
    const { slug, base } = await newTemplateWorkspace(owner, 'blog', true);
    const [post] = await dataOf(owner.get(`${base}/items/posts?filter[slug][_eq]=better-bug-reports&fields=id`));
    const cover = await dataOf(owner.request('POST', `${base}/files`, { raw: multipartBody({ filename: 'tips.png', type: 'image/png', content: PNG, before: { collection: 'posts', item: String(post.id), field: 'cover' } }) }));

    const run = await runExample('blog', { CAIRN_URL: suite.app.url, CAIRN_WORKSPACE: slug });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      '2 published posts',
      `- Five tips for better bug reports [How-to, Opinion] (cover tips.png at ${suite.app.url}/api/v1/w/${slug}/assets/${cover.id})`,
      '- Hello, world [News] (no cover)',
    ]);
    assert.match(lines[3], /^signed in as reader-[0-9a-f]{8}@example\.com$/);
    assert.deepEqual(lines.slice(4), ['commented on "Five tips for better bug reports": Great read, thank you! (edited)', '"Five tips for better bug reports" has 1 comment(s), readable by everybody']);

    const comments = await dataOf(owner.get(`${base}/items/comments?fields=body,author.email`));
    assert.deepEqual(comments.map((c: any) => [c.body, c.author.email]), [['Great read, thank you! (edited)', lines[3].slice('signed in as '.length)]]);
    const asset = await fetch(`${suite.app.url}/api/v1/w/${slug}/assets/${cover.id}`);
    assert.equal(asset.status, 200);
  });

  it('examples/todo: two app users each make lists and tasks and see only their own', async () => {
    const { slug } = await newTemplateWorkspace(owner, 'todo', false);
    const run = await runExample('todo', { CAIRN_URL: suite.app.url, CAIRN_WORKSPACE: slug });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'alice sees 2 list(s):',
      '- Groceries: [x] Milk, [ ] Bread',
      '- Work: [ ] Write the report',
      'bob sees 1 list(s):',
      '- Garden: [ ] Mow the lawn, [ ] Water the roses, [ ] Fix the fence',
      "bob cannot read alice's list (NOT_FOUND)",
      "bob cannot add a task to alice's list (FORBIDDEN)",
    ]);
  });

  it('each example says what it needs without a workspace', async () => {
    for (const name of ['blog', 'todo']) {
      const run = await runExample(name, { CAIRN_URL: suite.app.url });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /Set CAIRN_WORKSPACE/);
    }
  });
});
