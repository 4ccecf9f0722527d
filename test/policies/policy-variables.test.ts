import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/**
 * A policy's variables are checked when it is saved: a `$` value that is no variable of the query
 * language is refused there, naming it and where it is, instead of failing (or matching nothing) for
 * every end user later.
 */
describeEachDatabase('policy variables', {}, (suite) => {
  let api: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, {
      collection: 'tasks',
      fields: [{ field: 'title', type: 'string' }, { field: 'owner', type: 'uuid' }, { field: 'due', type: 'datetime' }, { field: 'tag', type: 'string' }],
    });
  });

  const refused: Array<[string, Record<string, unknown>, string, string]> = [
    ['an unknown variable', { filter: { owner: { _eq: '$ME' } } }, '$ME', 'filter.owner._eq'],
    ['a misspelt one', { filter: { owner: { _eq: '$CURRENT_USR' } } }, '$CURRENT_USR', 'filter.owner._eq'],
    ['one on a text field', { filter: { tag: { _neq: '$CURRENT_TEAM' } } }, '$CURRENT_TEAM', 'filter.tag._neq'],
    ['one inside _and and _or', { filter: { _and: [{ title: { _nnull: true } }, { _or: [{ owner: { _eq: '$USER' } }] }] } }, '$USER', 'filter._and.1._or.0.owner._eq'],
    ['one in a list', { filter: { owner: { _in: ['$CURRENT_USER', '$ME'] } } }, '$ME', 'filter.owner._in.1'],
    ['one in a comma-separated list', { filter: { tag: { _in: 'a,$ME' } } }, '$ME', 'filter.tag._in'],
    ['a $NOW that does not parse', { filter: { due: { _lt: '$NOW(yesterday)' } } }, '$NOW(yesterday)', 'filter.due._lt'],
    ['an unknown variable in a preset', { action: 'create', presets: { owner: '$ME' } }, '$ME', 'presets.owner'],
  ];

  for (const [what, policy, variable, field] of refused) {
    it(`refuses ${what} when a policy is created or changed, naming it and where it is`, async () => {
      const created = await api.post(`${base}/policies`, { role: 'authenticated', collection: 'tasks', action: 'read', ...policy });
      assertError(created, 400, 'INVALID_PAYLOAD');
      assert.equal(created.body.errors[0].extensions.field, field, created.text);
      assert.ok(created.body.errors[0].message.includes(`"${variable}"`), created.text);

      const action = (policy.action as string | undefined) ?? 'update';
      const plain = await api.post(`${base}/policies`, { role: 'public', collection: 'tasks', action });
      assert.equal(plain.status, 201, plain.text);
      const changed = await api.patch(`${base}/policies/${plain.body.data.id}`, { filter: policy.filter ?? null, presets: policy.presets ?? null });
      assertError(changed, 400, 'INVALID_PAYLOAD');
      assert.equal(changed.body.errors[0].extensions.field, field, changed.text);
      const kept = await api.get(`${base}/policies/${plain.body.data.id}`);
      assert.deepEqual([kept.body.data.filter, kept.body.data.presets], [null, null]);
      assert.equal((await api.delete(`${base}/policies/${plain.body.data.id}`)).status, 204);
    });
  }

  it('keeps the known variables working end to end: $CURRENT_USER, $CURRENT_ROLE, $NOW and $NOW with an offset', async () => {
    for (const policy of [
      { action: 'read', filter: { _and: [{ owner: { _eq: '$CURRENT_USER' } }, { tag: { _neq: '$CURRENT_ROLE' } }, { due: { _gt: '$NOW(-1 day)' } }, { due: { _lt: '$NOW(+1 year)' } }] } },
      { action: 'create', fields: ['title'], presets: { owner: '$CURRENT_USER', due: '$NOW(+1 week)', tag: 'work' } },
    ]) {
      const saved = await api.post(`${base}/policies`, { role: 'authenticated', collection: 'tasks', ...policy });
      assert.equal(saved.status, 201, saved.text);
    }
    const user = await newAppUser(suite.api, base);
    const asUser = suite.api.as(user.accessToken);
    const created = await asUser.post(`${base}/items/tasks`, { title: 'Mine' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.data.owner, user.id);
    const due = Date.parse(created.body.data.due);
    assert.ok(due > Date.now() + 6 * 86_400_000 && due < Date.now() + 8 * 86_400_000, created.text);
    assert.equal((await api.post(`${base}/items/tasks`, { title: 'Not theirs', owner: user.id, tag: 'authenticated', due: new Date(Date.now() + 86_400_000).toISOString() })).status, 200);
    assert.equal((await api.post(`${base}/items/tasks`, { title: 'Long ago', owner: user.id, tag: 'work', due: '2000-01-01T00:00:00Z' })).status, 200);
    const read = await asUser.get(`${base}/items/tasks?fields=title`);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.map((task: { title: string }) => task.title), ['Mine']);
  });
});
