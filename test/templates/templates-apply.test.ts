import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newOwnedWorkspace, newWorkspace, OwnedWorkspace } from '../support/factories';
import { dataOf } from './templates.fixture';

describeEachDatabase('templates applied', {}, (suite) => {
  let owner: OwnedWorkspace;

  before(async () => {
    owner = await newOwnedWorkspace(suite.api);
  });

  it('applies each template to an empty workspace, with and without its sample items', async () => {
    for (const name of ['crm', 'blog', 'todo']) {
      const workspace = await newWorkspace(suite.api, owner.owner);
      const base = `/api/v1/w/${workspace.slug}`;
      const applied = await dataOf(owner.api.post(`${base}/templates/${name}/apply`, { sample_data: name !== 'todo' }));
      assert.equal(applied.template, name);
      assert.ok(applied.steps.some((step: any) => step.action === 'create_collection'));
      const collections = (await dataOf(owner.api.get(`${base}/collections`))).map((c: any) => c.collection).sort();
      const template = await dataOf(owner.api.get(`/api/v1/templates/${name}`));
      assert.deepEqual(collections, [...template.collections].sort());
      if (name === 'todo') assert.deepEqual(applied.sample_items, {});
      else assert.ok(Object.values(applied.sample_items).every((count) => (count as number) > 0), JSON.stringify(applied.sample_items));
    }
  });
});
