import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { assertError, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { dataOf, newTemplateWorkspace } from './templates.fixture';

describeEachDatabase('the todo template', {}, (suite) => {
  let owner: Api;
  let base: string;

  before(async () => {
    owner = (await newOwnedWorkspace(suite.api)).api;
    ({ base } = await newTemplateWorkspace(owner, 'todo', true));
  });

  it('keeps each app user to their own lists and tasks', async () => {
    const ann = await newAppUser(suite.api, base, 'ann');
    const bob = await newAppUser(suite.api, base, 'bob');
    const annApi = suite.api.as(ann.accessToken);
    const bobApi = suite.api.as(bob.accessToken);
    const list = await dataOf(annApi.post(`${base}/items/lists`, { name: 'Groceries' }));
    assert.equal(list.owner, ann.id);
    const task = await dataOf(annApi.post(`${base}/items/tasks`, { title: 'Milk', list: list.id }));
    assert.equal(task.owner, ann.id);
    await dataOf(bobApi.post(`${base}/items/lists`, { name: 'Garden', tasks: [{ title: 'Mow' }] }));

    const annLists = await dataOf(annApi.get(`${base}/items/lists?fields=name,tasks.title`));
    assert.deepEqual(annLists.map((l: any) => [l.name, l.tasks.map((t: any) => t.title)]), [['Groceries', ['Milk']]]);
    assert.deepEqual((await dataOf(bobApi.get(`${base}/items/tasks?fields=title`))).map((t: any) => t.title), ['Mow']);
    assertError(await bobApi.get(`${base}/items/lists/${list.id}`), 404, 'NOT_FOUND');
    assertError(await bobApi.patch(`${base}/items/tasks/${task.id}`, { done: true }), 404, 'NOT_FOUND');
    assertError(await bobApi.delete(`${base}/items/lists/${list.id}`), 404, 'NOT_FOUND');
    assertError(await bobApi.post(`${base}/items/tasks`, { title: 'Sneaky', list: list.id }), 403, 'FORBIDDEN');
    assertError(await suite.api.get(`${base}/items/lists`, { token: null }), 403, 'FORBIDDEN');
    // The sample list belongs to nobody: members see it, app users do not.
    assert.deepEqual((await dataOf(owner.get(`${base}/items/lists?fields=name&sort=id`))).map((l: any) => l.name), ['Getting started', 'Groceries', 'Garden']);
  });
});
