import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../../src/common/errors/app-error';
import { ItemsService } from '../../src/modules/data/items.service';
import { FlowRunEntity } from '../../src/modules/flows/flow.entities';
import { newRun } from '../../src/modules/flows/flow-triggers';
import { SchemaRegistry } from '../../src/modules/schema/schema.registry';
import { WorkspacesService } from '../../src/modules/workspaces/workspaces.service';
import { WriteParticipants } from '../../src/modules/write-participants/write-participants';
import { describeEachDatabase, RunningApp, startApp } from '../support/app';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { WebhookReceiver } from '../support/webhook-receiver';
import { until } from '../support/wait';

/** Quick polls, a small step bound and a shallow depth bound, and the loopback receiver allowed. */
const FLOW_ENV = { FLOW_POLL_INTERVAL: '100ms', FLOW_MAX_STEPS: '6', FLOW_MAX_DEPTH: '2', WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', FLOW_REQUEST_TIMEOUT: '2s' };

interface Step {
  key: string;
  type: string;
  status: string;
  input?: any;
  result?: any;
  error?: string;
  duration_ms: number;
}
interface Run {
  id: string;
  status: string;
  trigger_type: string;
  trigger: any;
  steps: Step[];
  error: string | null;
  scheduled_for: string | null;
  rerun_of: string | null;
}

const finished = (run: Run | undefined) => run !== undefined && (run.status === 'succeeded' || run.status === 'failed');

/** A client of one workspace's flows. */
class Flows {
  constructor(
    private readonly api: Api,
    private readonly base: string,
  ) {}

  async create(body: Record<string, unknown>): Promise<{ id: string }> {
    const created = await this.api.post(`${this.base}/flows`, { name: 'test', ...body });
    assert.equal(created.status, 201, created.text);
    return created.body.data;
  }

  async runs(flowId: string): Promise<Run[]> {
    const listed = await this.api.get(`${this.base}/flows/${flowId}/runs?limit=500`);
    assert.equal(listed.status, 200, listed.text);
    return listed.body.data;
  }

  /** Triggers a manual flow and waits for its run to finish. */
  async call(flowId: string, body: unknown): Promise<Run> {
    const queued = await this.api.post(`${this.base}/flows/${flowId}/trigger`, body);
    assert.equal(queued.status, 202, queued.text);
    assert.equal(queued.body.data.status, 'pending');
    return this.finished(flowId, queued.body.data.id);
  }

  /** Waits for a run to finish. */
  finished(flowId: string, runId: string): Promise<Run> {
    return until('the run finishes', async () => (await this.api.get(`${this.base}/flows/${flowId}/runs/${runId}`)).body.data as Run, finished);
  }
}

/** A batch bound small enough for a test to go past it. */
const MAX_BATCH_SIZE = 5;

describeEachDatabase('flows', { env: { ...FLOW_ENV, MAX_BATCH_SIZE: String(MAX_BATCH_SIZE) } }, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;
  let slug: string;
  let flows: Flows;

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    slug = owned.workspace.slug;
    flows = new Flows(api, base);
    for (const collection of [
      { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] },
      { collection: 'tasks', fields: [{ field: 'label', type: 'string' }, { field: 'post', type: 'integer' }] },
      { collection: 'echoes', fields: [{ field: 'label', type: 'string' }] },
    ]) {
      await newCollection(api, base, collection);
    }
  });

  it('creates an item in another collection with templated values when a matching item is created, and not for one that does not match', async () => {
    const flow = await flows.create({
      trigger: { type: 'event', collections: ['posts'], events: ['create'], filter: { status: { _eq: 'published' } } },
      operations: [{ key: 'make_task', type: 'create_item', options: { collection: 'tasks', payload: { label: 'Review {{ $trigger.payload.title }}', post: '{{ $trigger.keys[0] }}' } } }],
      first: 'make_task',
    });
    const draft = await api.post(`${base}/items/posts`, { title: 'Draft', status: 'draft' });
    assert.equal(draft.status, 200, draft.text);
    const published = await api.post(`${base}/items/posts`, { title: 'Hello', status: 'published' });
    assert.equal(published.status, 200, published.text);

    // Runs are written in the write's transaction: once the second post's run exists, the first's would too.
    const [run] = await until('the run succeeds', () => flows.runs(flow.id), (runs) => runs.length > 0 && finished(runs[0]));
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal((await flows.runs(flow.id)).length, 1);
    const item = (await api.get(`${base}/items/posts/${published.body.data.id}`)).body.data;
    assert.deepEqual(run.trigger, { event: 'create', collection: 'posts', keys: [published.body.data.id], payload: { title: 'Hello', status: 'published' }, item, depth: 0 });
    assert.deepEqual(run.steps.map((s) => [s.key, s.status]), [['make_task', 'succeeded']]);

    const tasks = (await api.get(`${base}/items/tasks?filter[label][_eq]=Review Hello`)).body.data;
    assert.equal(tasks.length, 1);
    // A whole-string template keeps the value's type: the key is a number, as the field wants.
    assert.equal(tasks[0].post, published.body.data.id);
    assert.equal(run.steps[0].result.id, tasks[0].id);
    assert.equal((await api.get(`${base}/items/tasks?filter[label][_eq]=Review Draft`)).body.data.length, 0);

    const activity = (await api.get(`${base}/activity?filter[collection][_eq]=tasks&filter[item][_eq]=${tasks[0].id}&fields=action,actor_type,actor_id`)).body.data;
    assert.deepEqual(activity.map((a: Record<string, unknown>) => [a.action, a.actor_type, a.actor_id]), [['create', 'flow', flow.id]]);

    // An update that makes the draft match does not fire a create flow.
    await api.patch(`${base}/items/posts/${draft.body.data.id}`, { status: 'published' });
    assert.equal((await flows.runs(flow.id)).length, 1);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('tests an update flow\'s filter on the item as written, not only on the values sent', async () => {
    const flow = await flows.create({
      trigger: { type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'archived' } } },
      operations: [{ key: 'note', type: 'log', options: { message: '{{ $trigger.payload.title }} of an archived post' } }],
      first: 'note',
    });
    const post = (await api.post(`${base}/items/posts`, { title: 'Old', status: 'archived' })).body.data;
    const other = (await api.post(`${base}/items/posts`, { title: 'New', status: 'draft' })).body.data;
    await api.patch(`${base}/items/posts/${other.id}`, { title: 'Newer' });
    await api.patch(`${base}/items/posts/${post.id}`, { title: 'Older' });
    const runs = await until('the run succeeds', () => flows.runs(flow.id), (list) => list.length > 0 && finished(list[0]));
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0].trigger.keys, [post.id]);
    assert.deepEqual(runs[0].steps[0].result, { message: 'Older of an archived post' });
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('gives an update flow the item before and after the change as $trigger.before and $trigger.item, and the fields written as $trigger.changed', async () => {
    const flow = await flows.create({
      trigger: { type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'announced' } } },
      operations: [
        { key: 'notify', type: 'log', options: { message: '{{ $trigger.item.title }}: {{ $trigger.before.status }} to {{ $trigger.item.status }}; changed {{ $trigger.changed }}' }, next: 'all' },
        { key: 'all', type: 'read_items', options: { collection: 'posts', query: { filter: { id: { _in: '{{ $trigger.keys }}' } }, sort: ['id'], fields: ['title'] } } },
      ],
      first: 'notify',
    });
    const post = (await api.post(`${base}/items/posts`, { title: 'Launch', status: 'draft' })).body.data;
    const before = (await api.get(`${base}/items/posts/${post.id}`)).body.data;
    await api.patch(`${base}/items/posts/${post.id}`, { status: 'announced' });
    const after = (await api.get(`${base}/items/posts/${post.id}`)).body.data;
    // A later change does not alter what the run's trigger says of this one.
    await api.patch(`${base}/items/posts/${post.id}`, { title: 'Launch (later)', status: 'announced' });
    const runs = await until('both runs finish', () => flows.runs(flow.id), (list) => list.length > 1 && list.every(finished));
    const run = runs[1];
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    // The stored trigger has the values written, their names, and the item as it was and as it became, as a read answers it.
    assert.deepEqual(run.trigger, { event: 'update', collection: 'posts', keys: [post.id], payload: { status: 'announced' }, changed: ['status'], before, item: after, depth: 0 });
    assert.equal(before.status, 'draft');
    assert.deepEqual(run.steps[0].result, { message: 'Launch: draft to announced; changed ["status"]' });
    assert.deepEqual(runs[0].steps[0].result, { message: 'Launch (later): announced to announced; changed ["title","status"]' });

    // A change of several items with the same values names them in keys; no single item is carried.
    const other = (await api.post(`${base}/items/posts`, { title: 'Other', status: 'draft' })).body.data;
    await api.patch(`${base}/items/posts`, { keys: [post.id, other.id], data: { status: 'announced', title: 'Both' } });
    const more = await until('the third run finishes', () => flows.runs(flow.id), (list) => list.length > 2 && finished(list[0]));
    assert.equal(more[0].status, 'succeeded', JSON.stringify(more[0]));
    assert.deepEqual(more[0].trigger.changed, ['status', 'title']);
    assert.equal('before' in more[0].trigger || 'item' in more[0].trigger, false);
    assert.deepEqual(more[0].steps[0].result, { message: ':  to ; changed ["status","title"]' });
    // They are read by their keys.
    assert.deepEqual(more[0].steps[1].result, [{ id: post.id, title: 'Both' }, { id: other.id, title: 'Both' }]);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('gives a create flow the item created as $trigger.item and a delete flow the item deleted as $trigger.before', async () => {
    const flow = await flows.create({
      trigger: { type: 'event', collections: ['tasks'], events: ['create', 'delete'] },
      operations: [{ key: 'note', type: 'log', options: { message: '{{ $trigger.event }}: {{ $trigger.item.label }}{{ $trigger.before.label }}' } }],
      first: 'note',
    });
    const task = (await api.post(`${base}/items/tasks`, { label: 'Water the plants' })).body.data;
    const stored = (await api.get(`${base}/items/tasks/${task.id}`)).body.data;
    assert.equal((await api.delete(`${base}/items/tasks/${task.id}`)).status, 204);
    const runs = await until('both runs finish', () => flows.runs(flow.id), (list) => list.length > 1 && list.every(finished));
    const [deleted, created] = runs;
    assert.deepEqual(created.trigger, { event: 'create', collection: 'tasks', keys: [task.id], payload: { label: 'Water the plants' }, item: stored, depth: 0 });
    assert.deepEqual(deleted.trigger, { event: 'delete', collection: 'tasks', keys: [task.id], before: stored, depth: 0 });
    assert.deepEqual([created.steps[0].result.message, deleted.steps[0].result.message], ['create: Water the plants', 'delete: Water the plants']);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('runs only on a change from draft to published, by the trigger\'s before_filter, or stops there by a condition on $trigger.before and $trigger.item', async () => {
    await newCollection(api, base, { collection: 'announcements', fields: [{ field: 'label', type: 'string' }] });
    const announce = (label: string) => ({ key: 'announce', type: 'create_item', options: { collection: 'announcements', payload: { label: `${label} {{ $trigger.item.title }}` } } });
    const byTrigger = await flows.create({
      trigger: { type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'published' } }, before_filter: { status: { _eq: 'draft' } } },
      operations: [announce('trigger:')],
      first: 'announce',
    });
    const byCondition = await flows.create({
      trigger: { type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'published' } } },
      operations: [
        { key: 'was_draft', type: 'condition', options: { filter: { $trigger: { before: { status: { _eq: 'draft' } }, item: { status: { _eq: 'published' } } } } }, next: 'announce' },
        announce('condition:'),
      ],
      first: 'was_draft',
    });
    assert.deepEqual((await api.get(`${base}/flows/${byTrigger.id}`)).body.data.trigger.before_filter, { status: { _eq: 'draft' } });
    const made = (await api.post(`${base}/items/posts`, [
      { title: 'To publish', status: 'draft' },
      { title: 'Already out', status: 'published' },
      { title: 'To archive', status: 'draft' },
    ])).body.data as Array<{ id: number }>;
    await api.patch(`${base}/items/posts/${made[1].id}`, { status: 'published', title: 'Already out (edited)' });
    await api.patch(`${base}/items/posts/${made[2].id}`, { status: 'archived' });
    await api.patch(`${base}/items/posts/${made[0].id}`, { status: 'published' });
    // published → published: a run of the condition's flow only, which stops at the condition; draft → archived: no run.
    const conditionRuns = await until('the condition flow\'s runs finish', () => flows.runs(byCondition.id), (list) => list.length > 1 && list.every(finished));
    const byKey = new Map(conditionRuns.map((run) => [run.trigger.keys[0], run]));
    assert.deepEqual([...byKey.keys()].sort(), [made[0].id, made[1].id].sort());
    assert.deepEqual(byKey.get(made[0].id)!.steps.map((s) => [s.key, s.status]), [['was_draft', 'succeeded'], ['announce', 'succeeded']]);
    assert.deepEqual(byKey.get(made[1].id)!.steps.map((s) => [s.key, s.result]), [['was_draft', { passed: false }]]);
    // The trigger's flow ran once: its run was recorded with the last change, after the others' would have been.
    const triggerRuns = await until('the trigger flow\'s run finishes', () => flows.runs(byTrigger.id), (list) => list.length > 0 && list.every(finished));
    assert.deepEqual(triggerRuns.map((run) => [run.trigger.keys, run.status]), [[[made[0].id], 'succeeded']]);
    const announced = (await api.get(`${base}/items/announcements?sort=label&fields=label`)).body.data.map((item: { label: string }) => item.label);
    assert.deepEqual(announced, ['condition: To publish', 'trigger: To publish']);
    await api.delete(`${base}/flows/${byTrigger.id}`);
    await api.delete(`${base}/flows/${byCondition.id}`);
  });

  it('reads the items before a write only for the updates of a collection an update flow listens to', async () => {
    const flow = await flows.create({ trigger: { type: 'event', collections: ['echoes'], events: ['update'] }, operations: [{ key: 'note', type: 'log', options: { message: 'x' } }], first: 'note' });
    const other = await flows.create({ trigger: { type: 'event', collections: ['tasks'], events: ['create', 'delete'] }, operations: [{ key: 'note', type: 'log', options: { message: 'x' } }], first: 'note' });
    const access = await suite.app.nest.get(WorkspacesService).resolveAppRoleAccess(null, slug);
    const schema = await suite.app.nest.get(SchemaRegistry).forWorkspace(access.workspace);
    const reads = async (collection: string, action: 'create' | 'update' | 'delete') => {
      const intent = { workspaceId: access.workspace.id, schema, collection: schema.collections.get(collection)!, action, access, principal: null, permissions: null, origin: { ip: null, userAgent: 'test' } };
      return (await suite.app.nest.get(WriteParticipants).prepare(intent)).some((plan) => plan.beforeUpdate !== undefined);
    };
    assert.equal(await reads('echoes', 'update'), true);
    for (const [collection, action] of [['echoes', 'create'], ['echoes', 'delete'], ['tasks', 'update'], ['tasks', 'create'], ['posts', 'update']] as const) {
      assert.equal(await reads(collection, action), false, `${action} of ${collection}`);
    }
    await api.delete(`${base}/flows/${flow.id}`);
    await api.delete(`${base}/flows/${other.id}`);
  });

  it('shows the item before and after an app user\'s update as that user may read it: its fields only, and null where its read policy hides the row', async () => {
    await newCollection(api, base, { collection: 'memos', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }] });
    for (const policy of [
      { collection: 'memos', action: 'read', fields: ['title', 'status'], filter: { status: { _neq: 'hidden' } } },
      { collection: 'memos', action: 'update', fields: ['status'] },
    ]) {
      const created = await api.post(`${base}/policies`, { role: 'public', ...policy });
      assert.equal(created.status, 201, created.text);
    }
    const flow = await flows.create({
      trigger: { type: 'event', collections: ['memos'], events: ['update'] },
      operations: [{ key: 'note', type: 'log', options: { message: '{{ $trigger.keys[0] }}' } }],
      first: 'note',
    });
    const made = (await api.post(`${base}/items/memos`, [
      { title: 'Closing', status: 'open', secret: 's1' },
      { title: 'Hiding', status: 'open', secret: 's2' },
    ])).body.data as Array<{ id: number }>;
    for (const [memo, status] of [[made[0], 'closed'], [made[1], 'hidden']] as const) {
      const updated = await api.patch(`${base}/items/memos/${memo.id}`, { status }, { token: null });
      assert.ok(updated.status === 200 || updated.status === 204, updated.text);
    }
    const runs = await until('both runs finish', () => flows.runs(flow.id), (list) => list.length > 1 && list.every(finished));
    const byKey = new Map(runs.map((run) => [run.trigger.keys[0], run.trigger]));
    assert.deepEqual(byKey.get(made[0].id)!.before, { id: made[0].id, title: 'Closing', status: 'open' });
    assert.deepEqual(byKey.get(made[0].id)!.item, { id: made[0].id, title: 'Closing', status: 'closed' });
    assert.deepEqual(byKey.get(made[1].id)!.before, { id: made[1].id, title: 'Hiding', status: 'open' });
    assert.equal(byKey.get(made[1].id)!.item, null);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('follows a condition to next when it holds and to otherwise when it does not', async () => {
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'check', type: 'condition', options: { filter: { $trigger: { body: { amount: { _gt: 100 } } } } }, next: 'big', otherwise: 'small' },
        { key: 'big', type: 'log', options: { message: 'big order of {{ $trigger.body.amount }}' } },
        { key: 'small', type: 'log', options: { message: 'small order' } },
      ],
      first: 'check',
    });
    const big = await flows.call(flow.id, { amount: 500 });
    assert.equal(big.status, 'succeeded', JSON.stringify(big));
    assert.deepEqual(big.steps.map((s) => [s.key, s.result]), [['check', { passed: true }], ['big', { message: 'big order of 500' }]]);
    const small = await flows.call(flow.id, { amount: 5 });
    assert.deepEqual(small.steps.map((s) => [s.key, s.result]), [['check', { passed: false }], ['small', { message: 'small order' }]]);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('runs a manual flow with the body as $trigger.body, chains steps through $last and step keys, and lists its runs newest first', async () => {
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'made', type: 'create_item', options: { collection: 'tasks', payload: { label: '{{ $trigger.body.label }}' } }, next: 'renamed' },
        { key: 'renamed', type: 'update_item', options: { collection: 'tasks', key: '{{ $last.id }}', payload: { label: '{{ made.label }} (checked)' } }, next: 'gone' },
        { key: 'gone', type: 'delete_item', options: { collection: 'tasks', key: '{{ made.id }}' } },
      ],
      first: 'made',
    });
    const first = await flows.call(flow.id, { label: 'Call the printer' });
    assert.equal(first.status, 'succeeded', JSON.stringify(first));
    assert.equal(first.trigger_type, 'manual');
    assert.deepEqual(first.trigger.body, { label: 'Call the printer' });
    assert.equal(first.steps[1].result.label, 'Call the printer (checked)');
    assert.deepEqual(first.steps[2].result, { keys: [first.steps[0].result.id] });
    assertError(await api.get(`${base}/items/tasks/${first.steps[0].result.id}`), 404, 'NOT_FOUND');

    // A missing body value is null in a whole-string template: the label is left empty.
    const second = await flows.call(flow.id, { label: null });
    assert.equal(second.status, 'succeeded', JSON.stringify(second));
    assert.equal(second.steps[0].result.label, null);
    const runs = await flows.runs(flow.id);
    assert.deepEqual(runs.map((r) => r.id), [second.id, first.id]);
    assert.equal((await api.get(`${base}/flows/${flow.id}/runs?limit=1`)).body.data.length, 1);
    assertError(await api.get(`${base}/flows/${flow.id}/runs?limit=0`), 400, 'INVALID_PAYLOAD');
    assertError(await api.get(`${base}/flows/${flow.id}/runs/00000000-0000-0000-0000-000000000000`), 404, 'NOT_FOUND');
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('runs a handler with templated input as a step, its items() calls acting as the flow, and fails the step when it throws', async () => {
    const made = await api.post(`${base}/handlers`, {
      name: 'doubler',
      kind: 'endpoint',
      method: 'POST',
      path: '/double',
      code: `module.exports = async (ctx) => {
        if (ctx.flow.input.n < 0) throw { status: 422, message: 'n must not be negative' };
        const echo = await ctx.items('echoes').createOne({ label: 'from handler ' + ctx.flow.input.n });
        return { doubled: ctx.flow.input.n * 2, echo: echo.id, flow: ctx.flow.id, caller: ctx.principal.kind };
      };`,
    });
    assert.equal(made.status, 201, made.text);
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'calc', type: 'handler', options: { handler: made.body.data.id, input: { n: '{{ $trigger.body.n }}' } }, next: 'save' },
        { key: 'save', type: 'create_item', options: { collection: 'echoes', payload: { label: 'doubled {{ $last.doubled }}' } } },
      ],
      first: 'calc',
    });
    const run = await flows.call(flow.id, { n: 21 });
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.deepEqual({ ...run.steps[0].result, echo: undefined }, { doubled: 42, echo: undefined, flow: flow.id, caller: 'flow' });
    assert.equal(run.steps[1].result.label, 'doubled 42');
    const echo = await api.get(`${base}/items/echoes/${run.steps[0].result.echo}`);
    assert.equal(echo.body.data.label, 'from handler 21');
    const logged = await api.get(`${base}/activity?filter[collection][_eq]=echoes&filter[item][_eq]=${run.steps[0].result.echo}`);
    assert.equal(logged.body.data[0].actor_type, 'flow');

    const refused = await flows.call(flow.id, { n: -1 });
    assert.equal(refused.status, 'failed');
    assert.deepEqual(refused.steps.map((step) => [step.key, step.status]), [['calc', 'failed']]);
    assert.match(refused.steps[0].error ?? '', /n must not be negative/);

    const missing = await flows.create({ trigger: { type: 'manual' }, operations: [{ key: 'calc', type: 'handler', options: { handler: '00000000-0000-0000-0000-000000000000' } }], first: 'calc' });
    const lost = await flows.call(missing.id, {});
    assert.equal(lost.status, 'failed');
    assert.match(lost.steps[0].error ?? '', /does not exist or is disabled/);
    for (const id of [flow.id, missing.id]) await api.delete(`${base}/flows/${id}`);
    await api.delete(`${base}/handlers/${made.body.data.id}`);
    await api.delete(`${base}/items/echoes`, [run.steps[0].result.echo, run.steps[1].result.id]);
  });

  it('updates by query exactly the items its filter finds, in one change with an activity row and a revision each', async () => {
    await newCollection(api, base, { collection: 'articles', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] });
    const made = await api.post(`${base}/items/articles`, [
      { title: 'a', status: 'draft' },
      { title: 'b', status: 'draft' },
      { title: 'c', status: 'published' },
      { title: 'd', status: 'draft' },
      { title: 'e', status: null },
    ]);
    assert.equal(made.status, 200, made.text);
    const [a, b, c, d, e] = made.body.data.map((article: { id: number }) => article.id);
    const watcher = await flows.create({
      trigger: { type: 'event', collections: ['articles'], events: ['update'] },
      operations: [{ key: 'note', type: 'log', options: { message: 'updated' } }],
      first: 'note',
    });
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [{ key: 'review', type: 'update_item', options: { collection: 'articles', query: { filter: { status: { _eq: '{{ $trigger.body.status }}' } } }, payload: { status: 'review' } } }],
      first: 'review',
    });

    const run = await flows.call(flow.id, { status: 'draft' });
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.deepEqual(run.steps[0].result.map((article: { id: number; status: string }) => [article.id, article.status]), [[a, 'review'], [b, 'review'], [d, 'review']]);
    const stored = (await api.get(`${base}/items/articles?sort=id&fields=id,status`)).body.data;
    assert.deepEqual(stored.map((article: { status: string | null }) => article.status), ['review', 'review', 'published', 'review', null]);
    assert.deepEqual(stored.map((article: { id: number }) => article.id), [a, b, c, d, e]);

    const activity = (await api.get(`${base}/activity?filter[collection][_eq]=articles&filter[action][_eq]=update&fields=item,actor_type,actor_id&sort=item`)).body.data;
    assert.deepEqual(activity.map((row: Record<string, unknown>) => [row.item, row.actor_type, row.actor_id]), [a, b, d].map((id) => [String(id), 'flow', flow.id]));
    const revisions = (await api.get(`${base}/revisions?filter[collection][_eq]=articles&filter[activity][action][_eq]=update&fields=item,delta,data`)).body.data;
    assert.deepEqual(revisions.map((revision: { item: string }) => revision.item).sort(), [a, b, d].map(String).sort());
    for (const revision of revisions) assert.equal(revision.delta.status, 'review');

    // One change: the event flow on the collection runs once, for every key the query found.
    const [heard] = await until('the event flow runs', () => flows.runs(watcher.id), (runs) => runs.length > 0 && finished(runs[0]));
    assert.equal((await flows.runs(watcher.id)).length, 1);
    assert.deepEqual([...heard.trigger.keys].sort((x: number, y: number) => x - y), [a, b, d]);
    assert.deepEqual(heard.trigger.payload, { status: 'review' });

    // A query that finds nothing updates nothing, and says so.
    const none = await flows.call(flow.id, { status: 'archived' });
    assert.equal(none.status, 'succeeded', JSON.stringify(none));
    assert.deepEqual(none.steps[0].result, []);
    assert.equal((await api.get(`${base}/activity?filter[collection][_eq]=articles&filter[action][_eq]=update`)).body.data.length, 3);
    for (const id of [flow.id, watcher.id]) await api.delete(`${base}/flows/${id}`);
  });

  it('refuses an update by query that finds more items than MAX_BATCH_SIZE, naming how many, and updates the first ones of a limit in its sort', async () => {
    await newCollection(api, base, { collection: 'scores', fields: [{ field: 'points', type: 'integer' }, { field: 'badge', type: 'string' }] });
    for (const batch of [[1, 2, 3, 4], [5, 6, 7]]) assert.equal((await api.post(`${base}/items/scores`, batch.map((points) => ({ points })))).status, 200);
    const all = await flows.create({
      trigger: { type: 'manual' },
      operations: [{ key: 'mark', type: 'update_item', options: { collection: 'scores', query: { filter: { points: { _gte: 1 } } }, payload: { badge: 'all' } } }],
      first: 'mark',
    });
    const refused = await flows.call(all.id, {});
    assert.equal(refused.status, 'failed');
    assert.match(refused.steps[0].error ?? '', new RegExp(`names 7 items.*at most ${MAX_BATCH_SIZE}`));
    assert.equal((await api.get(`${base}/items/scores?filter[badge][_nnull]=true`)).body.data.length, 0);

    const top = await flows.create({
      trigger: { type: 'manual' },
      operations: [{ key: 'mark', type: 'update_item', options: { collection: 'scores', query: { filter: { points: { _gte: 1 } }, sort: ['-points'], limit: 2 }, payload: { badge: 'top' } } }],
      first: 'mark',
    });
    const run = await flows.call(top.id, {});
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.deepEqual(run.steps[0].result.map((score: { points: number }) => score.points), [7, 6]);
    const marked = (await api.get(`${base}/items/scores?filter[badge][_eq]=top&sort=points&fields=points`)).body.data;
    assert.deepEqual(marked.map((score: { points: number }) => score.points), [6, 7]);
    for (const id of [all.id, top.id]) await api.delete(`${base}/flows/${id}`);
  });

  it('refuses an update by query on an unknown field, naming it: when the flow is saved, or when its templated query runs', async () => {
    const saved = await api.post(`${base}/flows`, {
      name: 'x',
      trigger: { type: 'manual' },
      operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', query: { filter: { rating: { _gt: 3 } } }, payload: { title: 'x' } } }],
      first: 'a',
    });
    assertError(saved, 400, 'INVALID_PAYLOAD');
    assert.equal(saved.body.errors[0].extensions.field, 'operations.0.options.query.filter');
    assert.match(saved.body.errors[0].message, /Unknown field "rating"/);

    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', query: { filter: { rating: { _eq: '{{ $trigger.body.rating }}' } } }, payload: { title: 'x' } } }],
      first: 'a',
    });
    const run = await flows.call(flow.id, { rating: 3 });
    assert.equal(run.status, 'failed');
    assert.match(run.steps[0].error ?? '', /Unknown field "rating"/);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('reads an item by key and a list by query as the flow, a later step using what it read, and refuses an unknown field when saved', async () => {
    const first = (await api.post(`${base}/items/posts`, { title: 'Read me', status: 'readable' })).body.data;
    await api.post(`${base}/items/posts`, { title: 'Read me too', status: 'readable' });
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'read_step', type: 'read_items', options: { collection: 'posts', key: '{{ $trigger.body.post }}' }, next: 'listed' },
        { key: 'listed', type: 'read_items', options: { collection: 'posts', query: { filter: { status: { _eq: 'readable' } }, sort: ['-title'], limit: 5, fields: ['title'] } }, next: 'note' },
        { key: 'note', type: 'log', options: { message: 'Read {{ read_step.title }}, then {{ listed[0].title }}' } },
      ],
      first: 'read_step',
    });
    const run = await flows.call(flow.id, { post: first.id });
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(run.steps[0].result.id, first.id);
    assert.equal(run.steps[0].result.title, 'Read me');
    // The fields asked for, and the primary key, which every read answers.
    assert.deepEqual(run.steps[1].result.map((item: Record<string, unknown>) => Object.keys(item).sort()), [['id', 'title'], ['id', 'title']]);
    assert.deepEqual(run.steps[1].result.map((item: Record<string, unknown>) => item.title), ['Read me too', 'Read me']);
    assert.deepEqual(run.steps[2].result, { message: 'Read Read me, then Read me too' });

    // A key with no item reads as null, for a condition to test.
    const missing = await flows.call(flow.id, { post: 999999 });
    assert.equal(missing.status, 'succeeded', JSON.stringify(missing));
    assert.equal(missing.steps[0].result, null);
    await api.delete(`${base}/flows/${flow.id}`);

    const saved = await api.post(`${base}/flows`, {
      name: 'x',
      trigger: { type: 'manual' },
      operations: [{ key: 'a', type: 'read_items', options: { collection: 'posts', query: { filter: { rating: { _gt: 3 } } } } }],
      first: 'a',
    });
    assertError(saved, 400, 'INVALID_PAYLOAD');
    assert.equal(saved.body.errors[0].extensions.field, 'operations.0.options.query.filter');
    assert.match(saved.body.errors[0].message, /Unknown field "rating"/);
    const badFields = await api.post(`${base}/flows`, {
      name: 'x',
      trigger: { type: 'manual' },
      operations: [{ key: 'a', type: 'read_items', options: { collection: 'posts', query: { filter: { title: { _nnull: true } }, fields: ['rating'] } } }],
      first: 'a',
    });
    assertError(badFields, 400, 'INVALID_PAYLOAD');
    assert.match(badFields.body.errors[0].message, /"rating"/);
    const other = await api.post(`${base}/flows`, {
      name: 'x',
      trigger: { type: 'manual' },
      operations: [{ key: 'a', type: 'read_items', options: { collection: 'posts', query: { filter: { title: { _nnull: true } }, offset: 2 } } }],
      first: 'a',
    });
    assertError(other, 400, 'INVALID_PAYLOAD');
    assert.equal(other.body.errors[0].extensions.field, 'operations.0.options.query.offset');
  });

  it('gives $NOW as the run\'s time and $NOW(±n unit) moved from it, in a payload and in text, and refuses a $NOW it cannot read when saved', async () => {
    await newCollection(api, base, { collection: 'reminders', fields: [{ field: 'label', type: 'string' }, { field: 'due', type: 'datetime' }] });
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'remind', type: 'create_item', options: { collection: 'reminders', payload: { label: 'from {{ $NOW(+2 hours) }}', due: '{{ $NOW(-1 day) }}' } }, next: 'note' },
        { key: 'note', type: 'log', options: { message: '{{ $NOW }}' } },
      ],
      first: 'remind',
    });
    const started = Date.now();
    const run = await flows.call(flow.id, {});
    const ended = Date.now();
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    const now = Date.parse(run.steps[1].result.message);
    assert.ok(now >= started - 1000 && now <= ended + 1000, `$NOW ${run.steps[1].result.message} is the run's time`);
    // One time for the whole run: each step's arithmetic starts from the same $NOW.
    assert.equal(run.steps[0].input.payload.due, new Date(now - 86_400_000).toISOString());
    assert.equal(run.steps[0].input.payload.label, `from ${new Date(now + 2 * 3_600_000).toISOString()}`);
    const due = Date.parse((await api.get(`${base}/items/reminders/${run.steps[0].result.id}`)).body.data.due);
    assert.ok(Math.abs(due - (now - 86_400_000)) < 2000, `due ${due} is a day before ${now}`);
    await api.delete(`${base}/flows/${flow.id}`);

    const saved = await api.post(`${base}/flows`, {
      name: 'x',
      trigger: { type: 'manual' },
      operations: [{ key: 'a', type: 'log', options: { message: 'at {{ $NOW(-1 fortnight) }}' } }],
      first: 'a',
    });
    assertError(saved, 400, 'INVALID_PAYLOAD');
    assert.match(saved.body.errors[0].message, /\$NOW\(-1 fortnight\)/);
  });

  it('updates by query through the items door only the items an app role may both read and update', async () => {
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'owner', type: 'string' }] });
    await newCollection(api, base, { collection: 'ballots', fields: [{ field: 'choice', type: 'string' }] });
    for (const policy of [
      { collection: 'notes', action: 'read', fields: ['title', 'status'], filter: { status: { _neq: 'secret' } } },
      { collection: 'notes', action: 'update', fields: ['title'], filter: { status: { _in: ['open', 'secret'] } } },
      { collection: 'ballots', action: 'update', fields: ['choice'] },
    ]) {
      const created = await api.post(`${base}/policies`, { role: 'public', ...policy });
      assert.equal(created.status, 201, created.text);
    }
    const made = await api.post(`${base}/items/notes`, [
      { title: 'x1', status: 'open' },
      { title: 'x2', status: 'closed' },
      { title: 'x3', status: 'secret' },
      { title: 'y4', status: 'open' },
    ]);
    const ids: number[] = made.body.data.map((note: { id: number }) => note.id);
    assert.equal((await api.post(`${base}/items/ballots`, { choice: 'yes' })).status, 200);

    const items = suite.app.nest.get(ItemsService);
    const anonymous = await suite.app.nest.get(WorkspacesService).resolveAppRoleAccess(null, slug);
    const origin = { ip: null, userAgent: 'test' };
    const updated = await items.update(anonymous, { collection: 'notes', query: { filter: { title: { _starts_with: 'x' } } }, values: { title: 'x done' }, origin });
    // Readable and updatable: only the first; the second is not updatable, the third not readable.
    assert.deepEqual(updated.map((note) => note.id), [ids[0]]);
    const titles = (await api.get(`${base}/items/notes?sort=id&fields=title`)).body.data.map((note: { title: string }) => note.title);
    assert.deepEqual(titles, ['x done', 'x2', 'x3', 'y4']);

    // A field the role may not read names no items; a collection it may not read cannot be updated by query.
    const hidden = items.update(anonymous, { collection: 'notes', query: { filter: { owner: { _null: true } } }, values: { title: 'z' }, origin });
    await assert.rejects(hidden, (error: unknown) => error instanceof AppError && error.status === 400 && /"owner"/.test(error.message));
    const unread = items.update(anonymous, { collection: 'ballots', query: { filter: { choice: { _eq: 'yes' } } }, values: { choice: 'no' }, origin });
    await assert.rejects(unread, (error: unknown) => error instanceof AppError && error.code === 'FORBIDDEN');
    assert.equal((await api.get(`${base}/items/ballots?fields=choice`)).body.data[0].choice, 'yes');
    assert.deepEqual((await api.get(`${base}/items/notes?sort=id&fields=title`)).body.data.map((note: { title: string }) => note.title), titles);
  });

  it('fails a run at the step that fails, recording its error and the steps before it', async () => {
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'note', type: 'log', options: { message: 'about to fail' }, next: 'broken' },
        { key: 'broken', type: 'update_item', options: { collection: 'tasks', key: '{{ $trigger.body.id }}', payload: { label: 'x' } }, next: 'never' },
        { key: 'never', type: 'log', options: { message: 'not reached' } },
      ],
      first: 'note',
    });
    const run = await flows.call(flow.id, { id: 999999 });
    assert.equal(run.status, 'failed');
    assert.deepEqual(run.steps.map((s) => [s.key, s.status]), [['note', 'succeeded'], ['broken', 'failed']]);
    assert.match(run.steps[1].error ?? '', /not found/i);
    assert.match(run.error ?? '', /^Step "broken" failed/);
    assertError(await api.post(`${base}/flows/00000000-0000-0000-0000-000000000000/trigger`, {}), 404, 'NOT_FOUND');
    await api.patch(`${base}/flows/${flow.id}`, { enabled: false });
    assertError(await api.post(`${base}/flows/${flow.id}/trigger`, {}), 409, 'CONFLICT');
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('fails a run whose instance stopped in the middle of it once its lease has lapsed, and leaves one whose lease holds', async () => {
    const flow = await flows.create({ trigger: { type: 'manual' }, operations: [{ key: 'note', type: 'log', options: { message: 'hello' } }], first: 'note' });
    // Runs as an instance that died would leave them: claimed, with a lease that lapsed or that still holds.
    const runs = suite.app.nest.get<Repository<FlowRunEntity>>(getRepositoryToken(FlowRunEntity));
    const planted = (claimedUntil: Date) => ({ ...newRun({ flowId: flow.id, workspaceId: owned.workspace.id, triggerType: 'manual', trigger: { body: {}, depth: 0 } }), status: 'running' as const, startedAt: new Date(), claimedUntil });
    const lapsed = planted(new Date(Date.now() - 60_000));
    const holding = planted(new Date(Date.now() + 600_000));
    await runs.insert([lapsed, holding]);
    // Any run wakes the runner, which first fails the abandoned ones.
    assert.equal((await flows.call(flow.id, {})).status, 'succeeded');
    const failed = await until('the abandoned run is failed', () => flows.runs(flow.id), (list) => list.find((run) => run.id === lapsed.id)?.status === 'failed');
    assert.match(failed.find((run) => run.id === lapsed.id)!.error ?? '', /stopped before it finished/);
    assert.equal(failed.find((run) => run.id === holding.id)!.status, 'running');
    await runs.delete({ id: holding.id });
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('shows the step that failed, its input and error, and re-runs the failed run with the same input once the flow is fixed', async () => {
    const flow = await flows.create({
      trigger: { type: 'manual' },
      operations: [
        { key: 'made', type: 'create_item', options: { collection: 'tasks', payload: { label: '{{ $trigger.body.label }}' } }, next: 'checked' },
        { key: 'checked', type: 'update_item', options: { collection: 'tasks', key: '{{ $trigger.body.task }}', payload: { label: '{{ made.label }} (checked)' } } },
      ],
      first: 'made',
    });
    const failed = await flows.call(flow.id, { label: 'Water the plants', task: 999999 });
    assert.equal(failed.status, 'failed', JSON.stringify(failed));
    assert.deepEqual(failed.steps.map((s) => [s.key, s.status]), [['made', 'succeeded'], ['checked', 'failed']]);
    assert.deepEqual(failed.steps[1].input, { collection: 'tasks', key: 999999, payload: { label: 'Water the plants (checked)' } });
    assert.match(failed.steps[1].error ?? '', /not found/i);
    assert.match(failed.error ?? '', /^Step "checked" failed: .*not found/i);
    assert.equal(failed.rerun_of, null);

    const fixed = await api.patch(`${base}/flows/${flow.id}`, {
      operations: [
        { key: 'made', type: 'create_item', options: { collection: 'tasks', payload: { label: '{{ $trigger.body.label }}' } }, next: 'checked' },
        { key: 'checked', type: 'update_item', options: { collection: 'tasks', key: '{{ made.id }}', payload: { label: '{{ made.label }} (checked)' } } },
      ],
    });
    assert.equal(fixed.status, 200, fixed.text);
    const queued = await api.post(`${base}/flows/${flow.id}/runs/${failed.id}/rerun`);
    assert.equal(queued.status, 202, queued.text);
    assert.equal(queued.body.data.status, 'pending');
    assert.notEqual(queued.body.data.id, failed.id);
    assert.equal(queued.body.data.rerun_of, failed.id);
    const rerun = await flows.finished(flow.id, queued.body.data.id);
    assert.equal(rerun.status, 'succeeded', JSON.stringify(rerun));
    assert.equal(rerun.trigger_type, 'manual');
    assert.deepEqual(rerun.trigger, failed.trigger);
    assert.deepEqual(rerun.steps.map((s) => [s.key, s.status]), [['made', 'succeeded'], ['checked', 'succeeded']]);
    assert.equal(rerun.steps[1].result.label, 'Water the plants (checked)');
    assert.equal(rerun.error, null);
    // The failed run stays as it was; the list shows both, the re-run first.
    assert.equal((await api.get(`${base}/flows/${flow.id}/runs/${failed.id}`)).body.data.status, 'failed');
    assert.deepEqual((await flows.runs(flow.id)).map((r) => r.id), [rerun.id, failed.id]);

    assertError(await api.post(`${base}/flows/${flow.id}/runs/00000000-0000-0000-0000-000000000000/rerun`), 404, 'NOT_FOUND');
    assertError(await api.post(`${base}/flows/${flow.id}/runs/nope/rerun`), 404, 'NOT_FOUND');
    await api.patch(`${base}/flows/${flow.id}`, { enabled: false });
    assertError(await api.post(`${base}/flows/${flow.id}/runs/${failed.id}/rerun`), 409, 'CONFLICT');
    await api.delete(`${base}/items/tasks`, [failed.steps[0].result.id, rerun.steps[0].result.id]);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('lets no viewer, editor or app user re-run a run', async () => {
    const flow = await flows.create({ trigger: { type: 'manual' }, operations: [{ key: 'note', type: 'log', options: { message: 'hi' } }], first: 'note' });
    const run = await flows.call(flow.id, {});
    const route = `${base}/flows/${flow.id}/runs/${run.id}/rerun`;
    for (const role of ['viewer', 'editor']) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, owned.workspace, owned.owner, member, role);
      assertError(await suite.api.as(member.accessToken).post(route), 403, 'FORBIDDEN');
    }
    const appUser = await newAppUser(suite.api, base);
    assertError(await suite.api.as(appUser.accessToken).post(route), 403, 'FORBIDDEN');
    assertError(await suite.api.as(null).post(route), 401, 'INVALID_CREDENTIALS');
    assert.deepEqual((await flows.runs(flow.id)).map((r) => r.id), [run.id]);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('lets changes made by flows trigger flows, down to FLOW_MAX_DEPTH, and records the run it refuses beyond', async () => {
    const flow = await flows.create({
      trigger: { type: 'event', collections: ['echoes'], events: ['create'] },
      operations: [{ key: 'echo', type: 'create_item', options: { collection: 'echoes', payload: { label: '{{ $trigger.payload.label }}!' } } }],
      first: 'echo',
    });
    await api.post(`${base}/items/echoes`, { label: 'hey' });
    const runs = await until('the chain stops', () => flows.runs(flow.id), (list) => list.some((r) => r.status === 'failed') && list.every(finished));
    // Depths 0, 1 and 2 run (FLOW_MAX_DEPTH=2); the change made at depth 2 gets a run that is refused.
    assert.deepEqual(runs.map((r) => [r.trigger.depth, r.status]).reverse(), [[0, 'succeeded'], [1, 'succeeded'], [2, 'succeeded'], [3, 'failed']]);
    assert.match(runs[0].error ?? '', /FLOW_MAX_DEPTH/);
    const labels = (await api.get(`${base}/items/echoes?sort=id&fields=label`)).body.data.map((e: { label: string }) => e.label);
    assert.deepEqual(labels, ['hey', 'hey!', 'hey!!', 'hey!!!']);
    await api.delete(`${base}/flows/${flow.id}`);
  });

  it('sends a request operation to an allowed target with templated values and keeps the answer', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const flow = await flows.create({
        trigger: { type: 'manual' },
        operations: [
          { key: 'call', type: 'request', options: { method: 'POST', url: receiver.url('/orders'), headers: { 'x-team': '{{ $trigger.body.team }}' }, body: { total: '{{ $trigger.body.total }}' } }, next: 'after' },
          { key: 'after', type: 'log', options: { message: 'answered {{ call.status }}: {{ $last.data }}' } },
        ],
        first: 'call',
      });
      receiver.answer({ status: 200 });
      const run = await flows.call(flow.id, { team: 'ops', total: 42 });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      const [received] = await receiver.waitFor(1);
      assert.equal(received.path, '/orders');
      assert.equal(received.headers['x-team'], 'ops');
      assert.deepEqual(JSON.parse(received.body), { total: 42 });
      assert.equal(run.steps[0].result.status, 200);
      assert.deepEqual(run.steps[1].result, { message: 'answered 200: answer 200' });

      receiver.answer({ status: 500 });
      const failed = await flows.call(flow.id, { team: 'ops', total: 1 });
      assert.equal(failed.status, 'failed');
      assert.match(failed.steps[0].error ?? '', /answered 500/);
      await api.delete(`${base}/flows/${flow.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('answers 400 naming the problem for definitions that cannot run', async () => {
    const log = (key: string, extra: Record<string, unknown> = {}) => ({ key, type: 'log', options: { message: 'x' }, ...extra });
    const manual = { type: 'manual' };
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ trigger: manual, operations: [log('a'), log('a')], first: 'a' }, 'operations.1.key'],
      [{ trigger: manual, operations: [log('a', { next: 'b' })], first: 'a' }, 'operations.0.next'],
      [{ trigger: manual, operations: [log('a', { next: 'b' }), log('b', { next: 'a' })], first: 'a' }, 'operations'],
      [{ trigger: manual, operations: [log('a', { otherwise: 'b' }), log('b')], first: 'a' }, 'operations.0.otherwise'],
      [{ trigger: manual, operations: [log('a')], first: 'b' }, 'first'],
      [{ trigger: manual, operations: [], first: 'a' }, 'operations'],
      [{ trigger: manual, operations: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((key) => log(key)), first: 'a' }, 'operations'],
      [{ trigger: manual, operations: [log('1a')], first: '1a' }, 'operations.0.key'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'run_script', options: {} }], first: 'a' }, 'operations.0.type'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'log', options: { message: 'x', level: 'warn' } }], first: 'a' }, 'operations.0.options.level'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'log', options: { message: '{{ $trigger.__proto__.x }}' } }], first: 'a' }, 'operations.0.options'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'log', options: { message: '{{ $last.constructor }}' } }], first: 'a' }, 'operations.0.options'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'create_item', options: { collection: 'nowhere', payload: {} } }], first: 'a' }, 'operations.0.options.collection'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', payload: {} } }], first: 'a' }, 'operations.0.options.key'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', key: 1, query: { filter: { title: { _eq: 'x' } } }, payload: {} } }], first: 'a' }, 'operations.0.options.query'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', query: {}, payload: {} } }], first: 'a' }, 'operations.0.options.query.filter'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', query: { filter: { title: { _eq: 'x' } }, fields: ['id'] }, payload: {} } }], first: 'a' }, 'operations.0.options.query.fields'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'update_item', options: { collection: 'posts', query: { filter: { title: { _eq: 'x' } }, sort: ['rating'] }, payload: {} } }], first: 'a' }, 'operations.0.options.query.sort'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'condition', options: { filter: { x: { _like: 1 } } } }], first: 'a' }, 'operations.0.options.filter.x'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'request', options: { url: 'ftp://example.com' } }], first: 'a' }, 'operations.0.options.url'],
      [{ trigger: manual, operations: [{ key: 'a', type: 'handler', options: { handler: '{{ $trigger.body.id }}' } }], first: 'a' }, 'operations.0.options.handler'],
      [{ trigger: { type: 'schedule', cron: 'every minute' }, operations: [log('a')], first: 'a' }, 'trigger.cron'],
      [{ trigger: { type: 'schedule', cron: '61 * * * * *' }, operations: [log('a')], first: 'a' }, 'trigger.cron'],
      [{ trigger: { type: 'schedule' }, operations: [log('a')], first: 'a' }, 'trigger.cron'],
      [{ trigger: { type: 'event', collections: ['nowhere'] }, operations: [log('a')], first: 'a' }, 'trigger.collections'],
      [{ trigger: { type: 'event', collections: ['posts'], events: ['publish'] }, operations: [log('a')], first: 'a' }, 'trigger.events'],
      [{ trigger: { type: 'event', collections: ['posts'], filter: { rating: { _gt: 3 } } }, operations: [log('a')], first: 'a' }, 'trigger.filter'],
      [{ trigger: { type: 'event', collections: ['posts'], events: ['update'], before_filter: { rating: { _gt: 3 } } }, operations: [log('a')], first: 'a' }, 'trigger.before_filter'],
      [{ trigger: { type: 'event', collections: ['posts'], before_filter: { status: { _eq: 'draft' } } }, operations: [log('a')], first: 'a' }, 'trigger.before_filter'],
      [{ trigger: { type: 'event', collections: ['posts'], events: ['create', 'update'], before_filter: { status: { _eq: 'draft' } } }, operations: [log('a')], first: 'a' }, 'trigger.before_filter'],
      [{ trigger: { type: 'manual', before_filter: { status: { _eq: 'draft' } } }, operations: [log('a')], first: 'a' }, 'trigger.before_filter'],
      [{ trigger: { type: 'manual', cron: '* * * * *' }, operations: [log('a')], first: 'a' }, 'trigger.cron'],
      [{ trigger: manual, operations: [log('a')], first: 'a', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of refused) {
      const response = await api.post(`${base}/flows`, { name: 'bad', ...body });
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, `${JSON.stringify(body)}: ${response.text}`);
    }
    const flow = await flows.create({ trigger: manual, operations: [log('a')], first: 'a' });
    const patched = await api.patch(`${base}/flows/${flow.id}`, { first: 'b' });
    assertError(patched, 400, 'INVALID_PAYLOAD');
    assert.equal((await api.get(`${base}/flows/${flow.id}`)).body.data.first, 'a');
    assertError(await suite.api.as(null).get(`${base}/flows`), 401, 'INVALID_CREDENTIALS');
    await api.delete(`${base}/flows/${flow.id}`);
    assertError(await api.get(`${base}/flows/${flow.id}`), 404, 'NOT_FOUND');
  });
});

/** Without an allow list, a flow's request may reach only public addresses, like a webhook. */
describeEachDatabase('flow requests', { env: { ...FLOW_ENV, WEBHOOK_ALLOWED_TARGETS: '' } }, (suite) => {
  it('refuses a request to a loopback address when the flow is saved, and when a template leads to one', async () => {
    const { api, base } = await newOwnedWorkspace(suite.api);
    const flows = new Flows(api, base);
    const receiver = await WebhookReceiver.start();
    try {
      const saved = await api.post(`${base}/flows`, { name: 'x', trigger: { type: 'manual' }, operations: [{ key: 'call', type: 'request', options: { url: receiver.url() } }], first: 'call' });
      assertError(saved, 400, 'INVALID_PAYLOAD');
      assert.equal(saved.body.errors[0].extensions.field, 'operations.0.options.url');
      assert.match(saved.body.errors[0].message, /loopback/);

      const flow = await flows.create({ trigger: { type: 'manual' }, operations: [{ key: 'call', type: 'request', options: { url: '{{ $trigger.body.url }}' } }], first: 'call' });
      for (const url of [receiver.url(), `http://localhost:${receiver.port}/`]) {
        const run = await flows.call(flow.id, { url });
        assert.equal(run.status, 'failed');
        assert.match(run.steps[0].error ?? '', /loopback/);
      }
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});

/**
 * A scheduled flow runs once per tick: on PostgreSQL and MariaDB with two instances sharing the
 * database (every instance tries to insert each tick; the unique key lets one win), on SQLite with one.
 * Each instance has its own clock: the test moves them forward together, a second at a time, so the
 * instances agree on the time and the ticks come without waiting for them.
 */
for (const kind of selectedDatabases()) {
  describe(`scheduled flows [${kind}]`, () => {
    let db: TestDatabase;
    let apps: RunningApp[] = [];
    before(async () => {
      db = await createTestDatabase(kind);
      apps = [await startApp(db.url, FLOW_ENV)];
      if (kind !== 'sqlite') apps.push(await startApp(db.url, FLOW_ENV));
    });
    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await db.drop();
    });

    /** Until every instance has set its timer for the schedule's next tick (a whole second past `after`). */
    const planned = (after: number) =>
      until(
        'every instance plans the next tick',
        () => Promise.resolve(apps.map((app) => app.clock.dueTimes())),
        (due) => due.every((times) => times.some((at) => at > after && at % 1000 === 0)),
      );

    it(`runs an every-second schedule once per tick with ${kind === 'sqlite' ? 'one instance' : 'two instances'}, on the instances' clocks`, async () => {
      const { api, base } = await newOwnedWorkspace(apps[0].api);
      const flows = new Flows(api, base);
      await newCollection(api, base, { collection: 'ticks', fields: [{ field: 'at', type: 'string' }] });
      const flow = await flows.create({
        trigger: { type: 'schedule', cron: '* * * * * *' },
        operations: [{ key: 'tick', type: 'create_item', options: { collection: 'ticks', payload: { at: '{{ $trigger.scheduled_for }}' } } }],
        first: 'tick',
      });
      for (let passed = 1; passed <= 4; passed++) {
        // Both instances follow the schedule before the clocks move, so both try each tick.
        await planned(apps[0].clock.now());
        for (const app of apps) app.clock.advance(1000);
        await until(`${passed} ticks have run`, () => flows.runs(flow.id), (runs) => runs.filter((r) => r.status === 'succeeded').length >= passed);
      }

      // Stop the second instance, then the schedule, and let the runs under way finish.
      if (apps.length > 1) await apps.pop()!.close();
      assert.equal((await api.patch(`${base}/flows/${flow.id}`, { enabled: false })).status, 200);
      const runs = await until('every run has finished', () => flows.runs(flow.id), (list) => list.every(finished));

      const ticks = runs.map((r) => Date.parse(r.scheduled_for!)).sort((a, b) => a - b);
      assert.equal(new Set(ticks).size, ticks.length, 'a tick ran twice');
      // One run per second, none missing between the first and the last.
      assert.deepEqual(ticks.slice(1).map((tick, i) => tick - ticks[i]), ticks.slice(1).map(() => 1000));
      assert.ok(ticks.every((tick) => tick % 1000 === 0));
      const succeeded = runs.filter((r) => r.status === 'succeeded');
      assert.ok(succeeded.length >= 4);
      // Each run made its one item: the tick it was for.
      const items = (await api.get(`${base}/items/ticks?limit=500&fields=at`)).body.data.map((t: { at: string }) => t.at).sort();
      assert.deepEqual(items, succeeded.map((r) => r.trigger.scheduled_for).sort());
      // The runs that did not succeed are only ticks that came as the flow was being disabled.
      for (const run of runs.filter((r) => r.status !== 'succeeded')) assert.match(run.error ?? '', /disabled/);
    });
  });
}
