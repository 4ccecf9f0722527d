import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { dataOf, newTemplateWorkspace, signedInAppUser } from './templates.fixture';

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
