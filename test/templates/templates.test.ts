import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newCollection, newOwnedWorkspace, newWorkspace, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { dataOf, newTemplateWorkspace, signedInAppUser } from './templates.fixture';

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

describeEachDatabase('the blog template', {}, (suite) => {
  let owner: Api;
  let base: string;

  before(async () => {
    owner = (await newOwnedWorkspace(suite.api)).api;
    ({ base } = await newTemplateWorkspace(owner, 'blog', true));
  });

  it('shows anonymous readers the published posts only, with their tags', async () => {
    const posts = await dataOf(suite.api.get(`${base}/items/posts?fields=title,status,tags.name,author.name&sort=published_at`, { token: null }));
    assert.deepEqual(
      posts.map((post: any) => ({ title: post.title, status: post.status, tags: post.tags.map((tag: any) => tag.name), author: post.author.name })),
      [
        { title: 'Hello, world', status: 'published', tags: ['News'], author: 'Ada Byron' },
        { title: 'Five tips for better bug reports', status: 'published', tags: ['How-to', 'Opinion'], author: 'Grace Hopper' },
      ],
    );
    const [draft] = await dataOf(owner.get(`${base}/items/posts?filter[status][_eq]=draft&fields=id`));
    assertError(await suite.api.get(`${base}/items/posts/${draft.id}`, { token: null }), 404, 'NOT_FOUND');
    assertError(await suite.api.get(`${base}/items/authors?fields=email`, { token: null }), 400, 'INVALID_QUERY');
    assertError(await suite.api.post(`${base}/items/comments`, { body: 'Anonymous', post: draft.id }, { token: null }), 403, 'FORBIDDEN');
  });

  it('lets app users comment as themselves and edit only their own comments', async () => {
    const ann = await newAppUser(suite.api, base, 'ann');
    const bob = await newAppUser(suite.api, base, 'bob');
    const [post] = await dataOf(suite.api.get(`${base}/items/posts?fields=id&limit=1`, { token: null }));
    const comment = await dataOf(suite.api.post(`${base}/items/comments`, { body: 'First!', post: post.id }, { token: ann.accessToken }));
    assert.equal(comment.author, ann.id);
    assertError(await suite.api.post(`${base}/items/comments`, { body: 'As Ann', post: post.id, author: ann.id }, { token: bob.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.patch(`${base}/items/comments/${comment.id}`, { body: 'Bob was here' }, { token: bob.accessToken }), 404, 'NOT_FOUND');
    assertError(await suite.api.as(bob.accessToken).delete(`${base}/items/comments/${comment.id}`), 404, 'NOT_FOUND');
    const edited = await dataOf(suite.api.patch(`${base}/items/comments/${comment.id}`, { body: 'First, edited' }, { token: ann.accessToken }));
    assert.equal(edited.body, 'First, edited');
    const read = await dataOf(suite.api.get(`${base}/items/comments?filter[post][_eq]=${post.id}&fields=body,author`, { token: null }));
    assert.deepEqual(read, [{ id: comment.id, body: 'First, edited', author: ann.id }]);
  });

  it('deletes a post\'s comments with it', async () => {
    const [post] = await dataOf(owner.get(`${base}/items/posts?fields=id,count(comments)&filter[slug][_eq]=hello-world`));
    await dataOf(owner.post(`${base}/items/comments`, { body: 'By a member', post: post.id }));
    assert.equal((await owner.delete(`${base}/items/posts/${post.id}`)).status, 204);
    assert.deepEqual(await dataOf(owner.get(`${base}/items/comments?filter[post][_eq]=${post.id}`)), []);
  });
});

describeEachDatabase('the crm template', {}, (suite) => {
  let owner: Api;
  let base: string;

  before(async () => {
    owner = (await newOwnedWorkspace(suite.api)).api;
    ({ base } = await newTemplateWorkspace(owner, 'crm', false));
  });

  it('numbers clients CLI-0001, CLI-0002, … without a gap or a repeat under concurrent creates', async () => {
    const created = await Promise.all(Array.from({ length: 8 }, (_, i) => dataOf(owner.post(`${base}/items/clients`, { name: `Client ${i}` }))));
    const codes = created.map((client) => client.code).sort();
    assert.deepEqual(codes, Array.from({ length: 8 }, (_, i) => `CLI-000${i + 1}`));
    // The code is Cairn's to write.
    assertError(await owner.post(`${base}/items/clients`, { name: 'Mine', code: 'CLI-9999' }), 400, 'INVALID_PAYLOAD');
  });

  it('refuses a status or priority outside their values', async () => {
    const client = await dataOf(owner.post(`${base}/items/clients`, { name: 'Enum Ltd' }));
    assert.equal(client.status, 'lead');
    assertError(await owner.post(`${base}/items/clients`, { name: 'Bad', status: 'vip' }), 400, 'INVALID_PAYLOAD');
    const project = await dataOf(owner.post(`${base}/items/projects`, { name: 'P', client: client.id }));
    assert.match(project.code, /^PRJ-\d{4}$/);
    assertError(await owner.post(`${base}/items/tasks`, { title: 'T', project: project.id, priority: 'whenever' }), 400, 'INVALID_PAYLOAD');
  });

  it('deletes a project\'s tasks with it, and a client\'s projects with the client', async () => {
    const client = await dataOf(owner.post(`${base}/items/clients`, { name: 'Cascade Inc', projects: [{ name: 'Doomed', tasks: [{ title: 'One' }, { title: 'Two' }] }, { name: 'Kept' }] }));
    const projects = await dataOf(owner.get(`${base}/items/projects?filter[client][_eq]=${client.id}&fields=id,name,tasks.code&sort=id`));
    assert.equal(projects[0].tasks.length, 2);
    assert.match(projects[0].tasks[0].code, /^TSK-\d{4}$/);
    assert.equal((await owner.delete(`${base}/items/projects/${projects[0].id}`)).status, 204);
    assert.deepEqual(await dataOf(owner.get(`${base}/items/tasks?filter[project][_eq]=${projects[0].id}`)), []);
    assert.equal((await owner.delete(`${base}/items/clients/${client.id}`)).status, 204);
    assertError(await owner.get(`${base}/items/projects/${projects[1].id}`), 404, 'NOT_FOUND');
  });

  it('lets an employee see and work on their assigned tasks only, and a client see their own projects only', async () => {
    const [anna, ben] = [await signedInAppUser(owner, base, 'employee'), await signedInAppUser(owner, base, 'employee')];
    const [acme, globex] = [await signedInAppUser(owner, base, 'client'), await signedInAppUser(owner, base, 'client')];
    const annaRow = await dataOf(owner.post(`${base}/items/employees`, { name: 'Anna', account: anna.id }));
    const benRow = await dataOf(owner.post(`${base}/items/employees`, { name: 'Ben', account: ben.id }));
    const acmeRow = await dataOf(owner.post(`${base}/items/clients`, { name: 'Acme', account: acme.id }));
    const globexRow = await dataOf(owner.post(`${base}/items/clients`, { name: 'Globex', account: globex.id }));
    const rockets = await dataOf(owner.post(`${base}/items/projects`, { name: 'Rockets', client: acmeRow.id, tasks: [{ title: 'Design', assignee: annaRow.id }, { title: 'Build', assignee: benRow.id, description: 'secret plans' }] }));
    await dataOf(owner.post(`${base}/items/projects`, { name: 'Traps', client: globexRow.id, tasks: [{ title: 'Dig', assignee: benRow.id }] }));

    const annaTasks = await dataOf(anna.api.get(`${base}/items/tasks?fields=id,title`));
    assert.deepEqual(annaTasks.map((t: any) => t.title), ['Design']);
    const build = (await dataOf(owner.get(`${base}/items/tasks?filter[title][_eq]=Build&fields=id`)))[0];
    assertError(await anna.api.get(`${base}/items/tasks/${build.id}`), 404, 'NOT_FOUND');
    assertError(await anna.api.patch(`${base}/items/tasks/${build.id}`, { status: 'done' }), 404, 'NOT_FOUND');
    assert.equal((await dataOf(anna.api.patch(`${base}/items/tasks/${annaTasks[0].id}`, { status: 'in_progress' }))).status, 'in_progress');
    assertError(await anna.api.patch(`${base}/items/tasks/${annaTasks[0].id}`, { assignee: benRow.id }), 403, 'FORBIDDEN');
    assert.deepEqual((await dataOf(anna.api.get(`${base}/items/projects?fields=name`))).map((p: any) => p.name), ['Rockets']);
    assert.deepEqual((await dataOf(anna.api.get(`${base}/items/employees?fields=name`))).map((e: any) => e.name), ['Anna']);
    assertError(await anna.api.get(`${base}/items/clients`), 403, 'FORBIDDEN');
    assert.deepEqual((await dataOf(ben.api.get(`${base}/items/tasks?fields=title&sort=title`))).map((t: any) => t.title), ['Build', 'Dig']);

    assert.deepEqual((await dataOf(acme.api.get(`${base}/items/projects?fields=name`))).map((p: any) => p.name), ['Rockets']);
    assert.deepEqual((await dataOf(acme.api.get(`${base}/items/clients?fields=name`))).map((c: any) => c.name), ['Acme']);
    assert.deepEqual((await dataOf(acme.api.get(`${base}/items/tasks?fields=title,status&sort=title`))).map((t: any) => t.title), ['Build', 'Design']);
    assertError(await acme.api.get(`${base}/items/tasks?fields=description`), 400, 'INVALID_QUERY');
    assertError(await acme.api.patch(`${base}/items/projects/${rockets.id}`, { name: 'Mine' }), 403, 'FORBIDDEN');
    assert.deepEqual((await dataOf(globex.api.get(`${base}/items/projects?fields=name`))).map((p: any) => p.name), ['Traps']);
    assertError(await globex.api.get(`${base}/items/projects/${rockets.id}`), 404, 'NOT_FOUND');
  });
});

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
