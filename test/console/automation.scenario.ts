import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import type { DatabaseKind } from '../../src/config/app-config';
import { RunningApp } from '../support/app';
import { assertAccessible, RunningBrowser, screenshot, watchErrors } from '../support/browser';
import { selectedDatabases } from '../support/databases';
import { Account, newAccount } from '../support/factories';
import { openFromNavigation, signInAt, studioStage } from '../support/studio';
import { WebhookReceiver } from '../support/webhook-receiver';

/** Deliveries give up fast here: one retry 100 ms after the first failure, then the delivery is failed. */
const WEBHOOK_ENV = { WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '100ms', WEBHOOK_POLL_INTERVAL: '100ms', WEBHOOK_TIMEOUT: '2s' };

/** Refused on purpose, to see the refusal shown: a webhook to a private address. */
const EXPECTED_REFUSALS = [/\/api\/v1\/w\/acme\/webhooks$/];

/**
 * The automation screens of Cairn Studio on one database: a webhook whose receiver fails is fixed and its
 * delivery replayed from the inbox, signed so the receiver verifies it; a flow built in the editor fails
 * at its second step, the run says so, and after the step is fixed in the editor a re-run succeeds. The
 * account, workspace and collections are made through the API; the rest in the browser.
 */
export function describeStudioAutomation(kind: DatabaseKind): void {
  if (!selectedDatabases().includes(kind)) return;
  describe(`Cairn Studio webhooks and flows [${kind}]`, () => {
    let app: RunningApp;
    let chromium: RunningBrowser;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    let admin: Account;
    let receiver: WebhookReceiver;
    let secret: string;
    const shots = kind === 'sqlite';

    const stage = studioStage(kind, WEBHOOK_ENV);
    before(async () => {
      ({ app, chromium } = stage);
      receiver = await WebhookReceiver.start();
      admin = await newAccount(app.api, 'automation');
      const workspace = await app.api.post('/api/v1/workspaces', { name: 'Acme Publishing', slug: 'acme' }, { token: admin.accessToken });
      assert.equal(workspace.status, 201, workspace.text);
      for (const collection of [
        { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] },
        { collection: 'tasks', fields: [{ field: 'label', type: 'string' }] },
      ]) {
        const made = await app.api.post('/api/v1/w/acme/collections', collection, { token: admin.accessToken });
        assert.equal(made.status, 201, made.text);
      }
      context = await chromium.browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      page = await context.newPage();
      errors = watchErrors(page, EXPECTED_REFUSALS);
    });
    after(async () => {
      await context?.close();
      await receiver?.close();
    });

    const verified = (index: number, key = secret) => {
      const request = receiver.received[index];
      return new Webhook(key).verify(request.body, request.headers) as { type: string; data: Record<string, unknown> };
    };

    it('signs in and creates a webhook, its secret shown once', async () => {
      await signInAt(page, `${app.url}/admin/`, admin, /\/admin\/w\/acme\/collections$/);
      await openFromNavigation(page, 'Webhooks', /\/admin\/w\/acme\/webhooks$/);
      await page.getByText('No webhook yet.').waitFor();
      await assertAccessible(page, 'webhooks, none yet');

      await page.getByRole('button', { name: 'New webhook' }).click();
      const dialog = page.getByRole('dialog', { name: 'New webhook' });
      await dialog.getByLabel('Name').fill('Post sync');
      // A private address is refused by the server, and its words show under the field.
      await dialog.getByLabel('URL').fill('http://10.1.2.3/hook');
      await dialog.getByRole('button', { name: 'Create webhook' }).click();
      await dialog.getByText(/only public addresses may be reached.*WEBHOOK_ALLOWED_TARGETS/).waitFor();
      assert.equal(await dialog.getByLabel('URL').getAttribute('aria-invalid'), 'true');
      await dialog.getByLabel('URL').fill(receiver.url());
      await dialog.getByText('posts', { exact: true }).click();
      assert.equal(await dialog.getByRole('checkbox', { name: 'posts', exact: true }).isChecked(), true);
      await assertAccessible(page, 'new webhook');
      await dialog.getByRole('button', { name: 'Create webhook' }).click();
      secret = (await page.getByTestId('webhook-secret').innerText()).trim();
      assert.match(secret, /^whsec_/);
      await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      const row = page.getByRole('row', { name: /Post sync/ });
      await row.getByText('posts', { exact: true }).waitFor();
      for (const event of ['create', 'update', 'delete']) await row.getByText(event, { exact: true }).waitFor();
      await assertAccessible(page, 'webhooks');
      if (shots) await screenshot(page, 'webhooks');
    });

    it('shows a failed delivery with what was sent and answered, then replays it to the fixed receiver, which verifies the signature', async () => {
      receiver.answer({ status: 500, body: 'receiver is down' });
      const post = await app.api.post('/api/v1/w/acme/items/posts', { title: 'Hello', status: 'published' }, { token: admin.accessToken });
      assert.equal(post.status, 200, post.text);
      await receiver.waitFor(2);

      await page.getByRole('link', { name: 'Post sync' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/webhooks\/[0-9a-f-]+$/);
      const deliveries = page.getByRole('table', { name: 'Deliveries' });
      await deliveries.getByText('failed', { exact: true }).waitFor();
      const detail = page.getByRole('region', { name: 'Delivery' });
      await detail.getByText('"title": "Hello"', { exact: false }).waitFor();
      const lastAttempt = detail.getByRole('article', { name: 'Attempt 2' });
      await lastAttempt.getByText('500', { exact: true }).waitFor();
      await lastAttempt.getByText('receiver is down', { exact: true }).waitFor();
      await lastAttempt.getByText('Request headers').click();
      const headers = lastAttempt.getByRole('table', { name: 'Request headers of attempt 2' });
      await headers.getByRole('rowheader', { name: 'webhook-signature' }).waitFor();
      const messageId = receiver.received[0].headers['webhook-id'];
      await headers.getByText(messageId, { exact: true }).waitFor();
      await assertAccessible(page, 'webhook inbox with a failed delivery');
      if (shots) await screenshot(page, 'webhook-inbox-failed');

      receiver.answer({ status: 200, body: '{"ok":true}' });
      await page.getByRole('button', { name: 'Replay failed (1)' }).click();
      await page.getByRole('status').filter({ hasText: '1 failed delivery sent again.' }).waitFor();
      await receiver.waitFor(3);
      const replayed = receiver.received[2];
      assert.equal(replayed.headers['webhook-id'], messageId, 'the replay is the same message');
      const event = verified(2);
      assert.equal(event.type, 'items.create');
      assert.deepEqual(event.data.payload, [{ title: 'Hello', status: 'published' }]);
      await deliveries.getByText('delivered', { exact: true }).waitFor();
      await detail.getByRole('article', { name: 'Attempt 3' }).getByText('{"ok":true}', { exact: true }).waitFor();
      assert.equal(await deliveries.getByText('failed', { exact: true }).count(), 0);
      if (shots) await screenshot(page, 'webhook-inbox');

      // One delivery again, by its own button: the same message id once more.
      await detail.getByRole('button', { name: 'Replay' }).click();
      await receiver.waitFor(4);
      assert.equal(receiver.received[3].headers['webhook-id'], messageId);
      verified(3);
      await detail.getByRole('article', { name: 'Attempt 4' }).waitFor();
    });

    it('sends a test event and shows its result, and rotates the secret, shown once', async () => {
      await page.getByRole('button', { name: 'Send test event' }).click();
      await page.getByRole('status').filter({ hasText: /^Test event delivered: the receiver answered 200 in \d+ ms\.$/ }).waitFor();
      await receiver.waitFor(5);
      assert.equal(verified(4).type, 'test');

      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
      await dialog.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = (await page.getByTestId('rotated-secret').innerText()).trim();
      assert.match(rotated, /^whsec_/);
      assert.notEqual(rotated, secret);
      await assertAccessible(page, 'rotated secret');
      await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      await page.getByRole('button', { name: 'Send test event' }).click();
      await receiver.waitFor(6);
      assert.equal(verified(5, rotated).type, 'test', 'the new secret signs');
      assert.equal(verified(5, secret).type, 'test', 'the old one still does, for a day');
      await assertAccessible(page, 'webhook inbox');

      // Edited: no more deletions.
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      const edit = page.getByRole('dialog', { name: 'Edit Post sync' });
      await edit.getByText('delete', { exact: true }).click();
      await edit.getByRole('button', { name: 'Save webhook' }).click();
      await edit.waitFor({ state: 'detached' });
      const hooks = await app.api.get('/api/v1/w/acme/webhooks', { token: admin.accessToken });
      assert.deepEqual(hooks.body.data[0].events, ['create', 'update']);
      assert.deepEqual(hooks.body.data[0].collections, ['posts']);
    });

    let flowUrl: string;

    it('builds a manual flow in the editor, completing a template from the trigger', async () => {
      await page.getByRole('complementary', { name: 'Navigation' }).getByRole('link', { name: 'Flows', exact: true }).click();
      await page.waitForURL(/\/admin\/w\/acme\/flows$/);
      await page.getByText('No flow yet.').waitFor();
      await assertAccessible(page, 'flows, none yet');
      await page.getByRole('button', { name: 'New flow' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/flows\/new/);
      await page.getByLabel('Name').fill('Review posts');

      await page.getByRole('button', { name: 'Add operation' }).click();
      const make = page.getByRole('article', { name: 'Operation create_item_1' });
      await make.getByRole('button', { name: /Collection$/ }).click();
      await page.getByRole('option', { name: 'tasks', exact: true }).click();
      const values = make.getByLabel('Values (JSON)');
      await values.click();
      await page.keyboard.type('{"label": "Review {{ $trig');
      const offered = page.getByRole('listbox', { name: 'Template paths for Values (JSON)' });
      await offered.getByRole('option', { name: '$trigger.body', exact: true }).waitFor();
      await page.keyboard.press('Enter');
      await page.keyboard.type('.title }}"}');
      // The picked path was closed with " }}"; the typed one is the second close, taken out here.
      assert.equal(await values.inputValue(), '{"label": "Review {{ $trigger.body }}.title }}"}');
      await values.fill('{"label": "Review {{ $trigger.body.title }}"}');

      await page.getByRole('button', { name: /New operation type$/ }).click();
      await page.getByRole('option', { name: 'update_item', exact: true }).click();
      await page.getByRole('button', { name: 'Add operation' }).click();
      const check = page.getByRole('article', { name: 'Operation update_item_1' });
      await check.getByRole('button', { name: /Collection$/ }).click();
      await page.getByRole('option', { name: 'tasks', exact: true }).click();
      // A key that does not exist: the second step fails.
      await check.getByLabel('Key (optional)').fill('999999');
      await check.getByLabel('Values (JSON)').fill('{"label": "{{ $last.label }} (checked)"}');
      assert.match((await make.getByRole('button', { name: /Then$/ }).innerText()).trim(), /update_item_1/, 'the first step leads to the second');
      await assertAccessible(page, 'new flow');

      await page.getByRole('button', { name: 'Create flow' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/flows\/[0-9a-f-]{36}\?tab=editor$/);
      flowUrl = page.url().replace(/\?.*$/, '');
      const flows = await app.api.get('/api/v1/w/acme/flows', { token: admin.accessToken });
      const [flow] = flows.body.data as { trigger: unknown; first: string; operations: { key: string; options: unknown; next: string | null }[] }[];
      assert.deepEqual(flow.trigger, { type: 'manual' });
      assert.equal(flow.first, 'create_item_1');
      assert.deepEqual(
        flow.operations.map((o) => [o.key, o.options, o.next]),
        [
          ['create_item_1', { collection: 'tasks', payload: { label: 'Review {{ $trigger.body.title }}' } }, 'update_item_1'],
          ['update_item_1', { collection: 'tasks', key: 999999, payload: { label: '{{ $last.label }} (checked)' } }, null],
        ],
      );
    });

    let failedRun: string;

    it('runs it by hand; the failed run names the step that failed and why', async () => {
      await page.getByRole('tab', { name: 'Runs' }).click();
      await page.getByText('No run yet.').waitFor();
      await page.getByRole('button', { name: 'Run now' }).click();
      const dialog = page.getByRole('dialog', { name: 'Run Review posts' });
      await dialog.getByLabel('Body (JSON)').fill('{"title": "Hello"}');
      await dialog.getByRole('button', { name: 'Run', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      const run = page.getByRole('region', { name: 'Run' });
      await run.getByTestId('run-status').filter({ hasText: 'failed' }).waitFor();
      assert.equal((await run.getByRole('alert').first().innerText()).trim(), 'Failed at step update_item_1 (update_item): Item not found.');
      const failed = run.getByRole('listitem', { name: 'Step update_item_1' });
      await failed.getByText('"key": 999999', { exact: false }).waitFor();
      const made = run.getByRole('listitem', { name: 'Step create_item_1' });
      await made.getByText('succeeded', { exact: true }).waitFor();
      await made.getByText('"label": "Review Hello"', { exact: false }).first().waitFor();
      failedRun = new URL(page.url()).searchParams.get('run')!;
      assert.ok(failedRun, 'the run opened is in the address');
      await assertAccessible(page, 'failed run');
      if (shots) await screenshot(page, 'flow-run-failed');
    });

    it('fixes the step in the editor with a completed template, and a re-run of the failed run succeeds', async () => {
      await page.getByRole('tab', { name: 'Editor' }).click();
      const check = page.getByRole('article', { name: 'Operation update_item_1' });
      const key = check.getByLabel('Key (optional)');
      await key.fill('');
      await key.click();
      await page.keyboard.type('{{ crea');
      const offered = page.getByRole('listbox', { name: 'Template paths for Key (optional)' });
      await offered.getByRole('option', { name: 'create_item_1.id', exact: true }).waitFor();
      await offered.getByRole('option', { name: 'create_item_1.label', exact: true }).waitFor();
      await offered.scrollIntoViewIfNeeded();
      await assertAccessible(page, 'flow editor offering template paths');
      if (shots) await screenshot(page, 'flow-editor');
      await offered.getByRole('option', { name: 'create_item_1.id', exact: true }).click();
      assert.equal(await key.inputValue(), '{{ create_item_1.id }}');
      await offered.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Save flow' }).click();
      await page.getByRole('status').filter({ hasText: 'Flow saved.' }).waitFor();

      await page.getByRole('tab', { name: 'Runs' }).click();
      await page.waitForURL((url) => url.searchParams.get('run') === failedRun);
      const run = page.getByRole('region', { name: 'Run' });
      await run.getByTestId('run-status').filter({ hasText: 'failed' }).waitFor();
      await run.getByRole('button', { name: 'Re-run with the same input' }).click();
      await page.waitForURL((url) => url.searchParams.get('run') !== failedRun);
      await run.getByTestId('run-status').filter({ hasText: 'succeeded' }).waitFor();
      await run.getByText('A re-run, with the trigger data of').waitFor();
      assert.equal(await run.getByRole('alert').count(), 0, 'a run that succeeded shows no failure');
      await run.getByRole('listitem', { name: 'Step update_item_1' }).getByText('"label": "Review Hello (checked)"', { exact: false }).first().waitFor();
      const runs = page.getByRole('table', { name: 'Runs' });
      await runs.getByText('failed', { exact: true }).waitFor();
      await runs.getByText('succeeded', { exact: true }).waitFor();
      await assertAccessible(page, 'flow runs');
      if (shots) await screenshot(page, 'flow-runs');

      const rerun = new URL(page.url()).searchParams.get('run')!;
      const read = await app.api.get(`/api/v1/w/acme/flows/${flowUrl.split('/').pop()}/runs/${rerun}`, { token: admin.accessToken });
      assert.equal(read.body.data.rerun_of, failedRun);
      assert.deepEqual(read.body.data.trigger.body, { title: 'Hello' });
      const tasks = await app.api.get('/api/v1/w/acme/items/tasks?sort=id&fields=label', { token: admin.accessToken });
      assert.deepEqual(
        (tasks.body.data as { label: string }[]).map((task) => task.label),
        ['Review Hello', 'Review Hello (checked)'],
      );
    });

    it('lists the flow with its trigger, and deletes it', async () => {
      await page.getByRole('link', { name: 'Flows', exact: true }).first().click();
      await page.waitForURL(/\/admin\/w\/acme\/flows$/);
      const row = page.getByRole('row', { name: /Review posts/ });
      await row.getByText('When run by hand or through the API').waitFor();
      await assertAccessible(page, 'flows');
      if (shots) await screenshot(page, 'flows');

      await row.getByRole('button', { name: 'Delete Review posts' }).click();
      await page.getByRole('dialog', { name: 'Delete flow?' }).getByRole('button', { name: 'Delete' }).click();
      await page.getByText('No flow yet.').waitFor();
      assert.deepEqual((await app.api.get('/api/v1/w/acme/flows', { token: admin.accessToken })).body.data, []);
    });

    it('builds an update flow that acts only when a post goes from draft to published: a before filter, a changed-from-to condition and a read_items step', async () => {
      await page.getByRole('button', { name: 'New flow' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/flows\/new/);
      await page.getByLabel('Name').fill('Announce posts');
      await page.getByRole('button', { name: /Starts when$/ }).click();
      await page.getByRole('option', { name: 'Items change (event)' }).click();
      await page.getByRole('group', { name: 'Collections' }).getByText('posts', { exact: true }).click();
      const events = page.getByRole('group', { name: 'Events' });
      await events.getByText('create', { exact: true }).click();
      await events.getByText('delete', { exact: true }).click();
      await page.getByLabel('Only items matching (JSON filter, optional)').fill('{"status": {"_eq": "published"}}');
      // Offered once the trigger is on updates alone.
      await page.getByLabel('Only items that matched before the update (JSON filter, optional)').fill('{"status": {"_eq": "draft"}}');
      if (shots) await screenshot(page, 'flow-trigger-change');

      await page.getByRole('button', { name: /New operation type$/ }).click();
      await page.getByRole('option', { name: 'condition', exact: true }).click();
      await page.getByRole('button', { name: 'Add operation' }).click();
      const check = page.getByRole('article', { name: 'Operation condition_1' });
      const change = check.getByRole('group', { name: 'A change from one value to another' });
      await change.getByRole('button', { name: /Field$/ }).click();
      await page.getByRole('option', { name: 'status', exact: true }).click();
      await change.getByLabel('From').fill('draft');
      await change.getByLabel('To').fill('published');
      await change.getByRole('button', { name: 'Use as the condition' }).click();
      assert.deepEqual(JSON.parse(await check.getByLabel('Condition (JSON filter)').inputValue()), { $trigger: { before: { status: { _eq: 'draft' } }, item: { status: { _eq: 'published' } } } });

      await page.getByRole('button', { name: /New operation type$/ }).click();
      await page.getByRole('option', { name: 'read_items', exact: true }).click();
      await page.getByRole('button', { name: 'Add operation' }).click();
      const read = page.getByRole('article', { name: 'Operation read_items_1' });
      await read.getByRole('button', { name: /Collection$/ }).click();
      await page.getByRole('option', { name: 'posts', exact: true }).click();
      const key = read.getByLabel('Key (optional)');
      await key.click();
      await page.keyboard.type('{{ $trigger.ke');
      await page.getByRole('listbox', { name: 'Template paths for Key (optional)' }).getByRole('option', { name: '$trigger.keys[0]', exact: true }).click();
      assert.equal(await key.inputValue(), '{{ $trigger.keys[0] }}');

      await page.getByRole('button', { name: /New operation type$/ }).click();
      await page.getByRole('option', { name: 'create_item', exact: true }).click();
      await page.getByRole('button', { name: 'Add operation' }).click();
      const announce = page.getByRole('article', { name: 'Operation create_item_1' });
      await announce.getByRole('button', { name: /Collection$/ }).click();
      await page.getByRole('option', { name: 'tasks', exact: true }).click();
      const values = announce.getByLabel('Values (JSON)');
      await values.click();
      await page.keyboard.type('{"label": "Announce {{ $trigger.before.st');
      const offered = page.getByRole('listbox', { name: 'Template paths for Values (JSON)' });
      await offered.getByRole('option', { name: '$trigger.before.status', exact: true }).waitFor();
      await page.keyboard.press('Escape');
      await offered.waitFor({ state: 'detached' });
      await values.fill('{"label": "Announce {{ read_items_1.title }}, {{ $trigger.before.status }} until now"}');
      await check.scrollIntoViewIfNeeded();
      await assertAccessible(page, 'flow editor with a change condition');
      if (shots) await screenshot(page, 'flow-editor-change');

      await page.getByRole('button', { name: 'Create flow' }).click();
      await page.waitForURL(/\/admin\/w\/acme\/flows\/[0-9a-f-]{36}\?tab=editor$/);
      const [flow] = (await app.api.get('/api/v1/w/acme/flows', { token: admin.accessToken })).body.data as { id: string; trigger: unknown; operations: { key: string; type: string; options: unknown }[] }[];
      assert.deepEqual(flow.trigger, { type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'published' } }, before_filter: { status: { _eq: 'draft' } } });
      assert.deepEqual(
        flow.operations.map((o) => [o.key, o.type, o.options]),
        [
          ['condition_1', 'condition', { filter: { $trigger: { before: { status: { _eq: 'draft' } }, item: { status: { _eq: 'published' } } } } }],
          ['read_items_1', 'read_items', { collection: 'posts', key: '{{ $trigger.keys[0] }}' }],
          ['create_item_1', 'create_item', { collection: 'tasks', payload: { label: 'Announce {{ read_items_1.title }}, {{ $trigger.before.status }} until now' } }],
        ],
      );

      // Through the API: a draft published, a published post edited, a draft archived; only the first is announced.
      const token = { token: admin.accessToken };
      const posts = await app.api.post('/api/v1/w/acme/items/posts', [{ title: 'Spring', status: 'draft' }, { title: 'Winter', status: 'published' }, { title: 'Autumn', status: 'draft' }], token);
      const [spring, winter, autumn] = (posts.body.data as { id: number }[]).map((post) => post.id);
      await app.api.patch(`/api/v1/w/acme/items/posts/${winter}`, { title: 'Winter (edited)' }, token);
      await app.api.patch(`/api/v1/w/acme/items/posts/${autumn}`, { status: 'archived' }, token);
      await app.api.patch(`/api/v1/w/acme/items/posts/${spring}`, { status: 'published' }, token);
      await page.getByRole('tab', { name: 'Runs' }).click();
      const runs = page.getByRole('table', { name: 'Runs' });
      await runs.getByText('succeeded', { exact: true }).waitFor();
      assert.equal(await runs.getByRole('row').count(), 2, 'a header and one run');
      const announced = await app.api.get('/api/v1/w/acme/items/tasks?filter[label][_starts_with]=Announce&fields=label', token);
      assert.deepEqual((announced.body.data as { label: string }[]).map((task) => task.label), ['Announce Spring, draft until now']);
      assert.deepEqual(errors, [], 'the browser logged no error');
    });
  });
}
