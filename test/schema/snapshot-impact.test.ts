import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';

type Step = { action: string; impact?: Record<string, unknown> } & Record<string, unknown>;

describeEachDatabase('schema diff impact', { env: { WEBHOOK_DISPATCH: 'false', FLOWS_RUN: 'false' } }, (suite) => {
  let owned: OwnedWorkspace;
  let snapshot: Record<string, any>;

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    const { api, base } = owned;
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string', length: 200 }, { field: 'notes', type: 'text' }, { field: 'rating', type: 'integer' }] });
    await newCollection(api, base, { collection: 'drafts', fields: [{ field: 'body', type: 'text' }] });
    const posts = [{ title: 'One', notes: 'a' }, { title: 'Two', notes: 'b' }, { title: 'Three', notes: null }];
    assert.equal((await api.post(`${base}/items/posts`, posts)).status, 200);
    assert.equal((await api.post(`${base}/items/drafts`, [{ body: 'x' }, { body: 'y' }])).status, 200);
    assert.equal((await api.post(`${base}/views`, { name: 'draft_bodies', source: 'drafts', fields: ['id', 'body'] })).status, 201);
    snapshot = (await api.get(`${base}/schema/snapshot`)).body.data;
  });

  it('says what each step would lose: a collection\'s rows, a field\'s non-null values, a narrowing, and what depends on them', async () => {
    const { api, base } = owned;
    // The target drops drafts and posts.notes and shortens posts.title; its views section is left out, so the view of drafts is a dependant.
    const { views: _views, ...target } = snapshot;
    target.collections = snapshot.collections
      .filter((c: any) => c.collection !== 'drafts')
      .map((c: any) => (c.collection === 'posts' ? { ...c, fields: c.fields.filter((f: any) => f.field !== 'notes').map((f: any) => (f.field === 'title' ? { ...f, length: 10 } : f)) } : c));
    const response = await api.post(`${base}/schema/diff`, { snapshot: target, impact: true });
    assert.equal(response.status, 200, response.text);
    const steps: Step[] = response.body.data;
    const drop = steps.find((s) => s.action === 'delete_collection');
    assert.deepEqual(drop, { action: 'delete_collection', collection: 'drafts', impact: { rows: 2, dependants: [{ kind: 'view', name: 'draft_bodies', source: 'drafts', on_force: 'delete' }] } });
    const field = steps.find((s) => s.action === 'delete_field');
    assert.deepEqual(field, { action: 'delete_field', collection: 'posts', field: 'notes', impact: { values: 2, dependants: [] } });
    const narrowed = steps.find((s) => s.action === 'update_field');
    assert.equal(narrowed?.field, 'title');
    assert.deepEqual(narrowed?.impact, { values: 3, loss: 'changing "title" to a shorter length could cut values' });

    // Without `impact` the answer is the plan alone, as before.
    const plain: Step[] = (await api.post(`${base}/schema/diff`, { snapshot: target })).body.data;
    assert.deepEqual(plain, steps.map(({ impact: _impact, ...step }) => step));
    // A step that loses nothing has no impact.
    const widened = { ...snapshot, collections: snapshot.collections.map((c: any) => (c.collection === 'posts' ? { ...c, fields: [...c.fields, { field: 'extra', type: 'integer' }] } : c)) };
    const added: Step[] = (await api.post(`${base}/schema/diff`, { snapshot: widened, impact: true })).body.data;
    assert.deepEqual(added.map((s) => [s.action, 'impact' in s]), [['create_field', false]]);
  });

  it('refuses an impact that is not a boolean, and members below admin', async () => {
    const { api, base, workspace, owner } = owned;
    assertError(await api.post(`${base}/schema/diff`, { snapshot, impact: 'yes' }), 400, 'INVALID_PAYLOAD');
    for (const role of ['viewer', 'editor']) {
      const member = await newAccount(suite.api, role);
      await addMember(suite.api, workspace, owner, member, role);
      assertError(await suite.api.as(member.accessToken).post(`${base}/schema/diff`, { snapshot, impact: true }), 403, 'FORBIDDEN');
    }
  });
});
