import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, newWorkspace, OwnedWorkspace } from '../support/factories';
import { dataOf, newTemplateWorkspace } from './templates.fixture';

describeEachDatabase('templates', {}, (suite) => {
  let owner: OwnedWorkspace;

  before(async () => {
    owner = await newOwnedWorkspace(suite.api);
  });

  it('lists the templates with their title, description, README and collections', async () => {
    const templates = await dataOf(owner.api.get('/api/v1/templates'));
    assert.deepEqual(templates.map((t: any) => t.name), ['crm', 'blog', 'todo']);
    for (const template of templates) {
      assert.ok(template.title && template.description, template.name);
      assert.match(template.readme, /^# /);
      assert.equal(template.has_sample_data, true);
    }
    assert.deepEqual(templates.find((t: any) => t.name === 'blog').collections, ['authors', 'posts', 'tags', 'posts_tags', 'comments']);
    assert.equal((await dataOf(owner.api.get('/api/v1/templates/todo'))).title, 'Todo');
    assertError(await owner.api.get('/api/v1/templates/nope'), 404, 'NOT_FOUND');
    assertError(await suite.api.get('/api/v1/templates', { token: null }), 401, 'INVALID_CREDENTIALS');
  });

  it('creates a workspace from a template and its sample data in one request', async () => {
    const { base } = await newTemplateWorkspace(owner.api, 'crm', true);
    const tasks = await dataOf(owner.api.get(`${base}/items/tasks?fields=code,title,project.code,project.client.code,assignee.name&sort=id&limit=2`));
    assert.deepEqual(tasks[0], { id: 1, code: 'TSK-0001', title: 'Wireframes of the checkout', project: { id: 1, code: 'PRJ-0001', client: { id: 1, code: 'CLI-0001' } }, assignee: { id: 3, name: 'Ines Duarte' } });
    const roles = (await dataOf(owner.api.get(`${base}/roles`))).map((role: any) => role.name);
    assert.ok(roles.includes('employee') && roles.includes('client'), roles.join());
  });

  it('refuses an unknown template, or sample data without one, and makes no workspace', async () => {
    const before = (await dataOf(owner.api.get('/api/v1/workspaces'))).length;
    const unknown = await owner.api.post('/api/v1/workspaces', { name: 'Nope', template: 'nope' });
    assertError(unknown, 400, 'INVALID_PAYLOAD');
    assert.equal(unknown.body.errors[0].extensions.field, 'template');
    assertError(await owner.api.post('/api/v1/workspaces', { name: 'Nope', sample_data: true }), 400, 'INVALID_PAYLOAD');
    assertError(await owner.api.post('/api/v1/workspaces', { name: 'Nope', template: 'blog', sample_data: 'yes' }), 400, 'INVALID_PAYLOAD');
    assert.equal((await dataOf(owner.api.get('/api/v1/workspaces'))).length, before);
    assertError(await owner.api.post(`${owner.base}/templates/nope/apply`, {}), 404, 'NOT_FOUND');
  });

  it('refuses a template whose collections the workspace has, naming them, and changes nothing', async () => {
    const { api, base } = await newOwnedWorkspace(suite.api);
    await newCollection(api, base, { collection: 'tags', fields: [{ field: 'label', type: 'string' }] });
    const before = await dataOf(api.get(`${base}/schema/snapshot`));
    const refused = await api.post(`${base}/templates/blog/apply`, { sample_data: true });
    assertError(refused, 409, 'CONFLICT');
    assert.match(refused.body.errors[0].message, /collection "tags"/);
    assert.deepEqual(refused.body.errors[0].extensions.clashes, ['collection "tags"']);
    assert.deepEqual(await dataOf(api.get(`${base}/schema/snapshot`)), before);
    // Another template fits beside what the workspace has.
    await dataOf(api.post(`${base}/templates/todo/apply`, {}));
    assertError(await api.post(`${base}/templates/todo/apply`, {}), 409, 'CONFLICT');
  });

  it('lets owners and admins apply a template, not editors', async () => {
    const editor = await newAccount(suite.api, 'editor');
    const admin = await newAccount(suite.api, 'admin');
    await addMember(suite.api, owner.workspace, owner.owner, editor, 'editor');
    await addMember(suite.api, owner.workspace, owner.owner, admin, 'admin');
    assertError(await suite.api.post(`${owner.base}/templates/todo/apply`, {}, { token: editor.accessToken }), 403, 'FORBIDDEN');
    const app = await newAppUser(suite.api, owner.base);
    assertError(await suite.api.post(`${owner.base}/templates/todo/apply`, {}, { token: app.accessToken }), 403, 'FORBIDDEN');
    await dataOf(suite.api.post(`${owner.base}/templates/todo/apply`, {}, { token: admin.accessToken }));
  });

  it('applies through the service a command line calls, acting as the workspace\'s owner', async () => {
    const { TemplatesService } = await import('../../src/modules/templates/templates.service');
    const workspace = await newWorkspace(suite.api, owner.owner);
    const applied = await suite.app.nest.get(TemplatesService).applyTemplate(workspace.slug, 'blog', { sampleData: true });
    assert.deepEqual(applied.sample_items, { authors: 2, tags: 3, posts: 3 });
    const posts = await dataOf(owner.api.get(`/api/v1/w/${workspace.slug}/items/posts?fields=title,created_by&sort=id`));
    assert.deepEqual(posts.map((p: any) => p.created_by), [owner.owner.id, owner.owner.id, owner.owner.id]);
    await assert.rejects(suite.app.nest.get(TemplatesService).applyTemplate('no-such-workspace', 'blog', { sampleData: false }), /not found/);
  });
});
