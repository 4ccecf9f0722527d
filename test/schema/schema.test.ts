import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { DataSource } from 'typeorm';
import { describeEachDatabase } from '../support/app';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, newWorkspace, Workspace } from '../support/factories';
import type { Api } from '../support/http';
import { tableNameFor } from '../../src/modules/schema/names';

describeEachDatabase('schema registry', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let base: string;
  let ownerApi: Api;
  before(async () => {
    ({ owner, workspace, base, api: ownerApi } = await newOwnedWorkspace(suite.api));
  });
  const api = () => ownerApi;

  it('creates a collection as a real table with system fields and typed fields', async () => {
    const created = await api().post(`${base}/collections`, {
      collection: 'books',
      fields: [
        { field: 'title', type: 'string', required: true, length: 120, validation: { min_length: 2 } },
        { field: 'pages', type: 'integer', index: true },
        { field: 'isbn', type: 'string', unique: true },
        { field: 'price', type: 'decimal', precision: 8, scale: 2 },
        { field: 'in_print', type: 'boolean', default: true },
        { field: 'released', type: 'date' },
        { field: 'updated', type: 'datetime' },
        { field: 'opens', type: 'time' },
        { field: 'extra', type: 'json' },
        { field: 'ref', type: 'uuid' },
        { field: 'summary', type: 'text' },
        { field: 'big', type: 'bigint' },
        { field: 'score', type: 'float' },
        { field: 'genre', type: 'enum', values: ['novel', 'essay'] },
        { field: 'code', type: 'autocode', autocode: { prefix: 'BK-', padding: 4 } },
      ],
    });
    assert.equal(created.status, 201, created.text);
    const names = created.body.data.fields.map((f: { field: string }) => f.field);
    assert.deepEqual(names.slice(0, 5), ['id', 'created_at', 'updated_at', 'created_by', 'updated_by']);
    assert.equal(names.length, 20);
    const listed = await api().get(`${base}/collections/books`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.data.fields.find((f: { field: string }) => f.field === 'title').validation, { min_length: 2, required: true });
  });

  it('refuses bad names, reserved words, system field names and duplicates', async () => {
    const cases: Array<[unknown, string]> = [
      [{ collection: 'Bad Name' }, 'collection'],
      [{ collection: 'select' }, 'collection'],
      [{ collection: 'cairn_users' }, 'collection'],
      [{ collection: 'x'.repeat(49) }, 'collection'],
      [{ collection: 'ok_name', fields: [{ field: 'id', type: 'string' }] }, 'fields.0.field'],
      [{ collection: 'ok_name', fields: [{ field: 'title', type: 'varchar' }] }, 'fields.0.type'],
      [{ collection: 'ok_name', fields: [{ field: 'a', type: 'enum' }] }, 'fields.0.values'],
      [{ collection: 'ok_name', fields: [{ field: 'a', type: 'text', unique: true }] }, 'fields.0.unique'],
      [{ collection: 'ok_name', fields: [{ field: 'a', type: 'string', validation: { shout: true } }] }, 'fields.0.validation.shout'],
    ];
    for (const [body, field] of cases) {
      const response = await api().post(`${base}/collections`, body);
      assertError(response, 400, 'INVALID_PAYLOAD');
      assert.equal(response.body.errors[0].extensions.field, field, JSON.stringify(body));
    }
    await newCollection(api(), base, { collection: 'twice' });
    assertError(await api().post(`${base}/collections`, { collection: 'twice' }), 409, 'CONFLICT');
  });

  it('keeps schema changes to owners and admins', async () => {
    const editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, workspace, owner, editor, 'editor');
    assertError(await suite.api.post(`${base}/collections`, { collection: 'nope' }, { token: editor.accessToken }), 403, 'FORBIDDEN');
    assert.equal((await suite.api.get(`${base}/collections`, { token: editor.accessToken })).status, 200);
    const outsider = await newAccount(suite.api, 'outsider');
    assertError(await suite.api.get(`${base}/collections`, { token: outsider.accessToken }), 404, 'NOT_FOUND');
  });

  it('adds, renames, retypes and drops fields', async () => {
    await newCollection(api(), base, { collection: 'notes', fields: [{ field: 'body', type: 'string' }] });
    assert.equal((await api().post(`${base}/fields/notes`, { field: 'stars', type: 'integer' })).status, 201);
    assertError(await api().post(`${base}/fields/notes`, { field: 'stars', type: 'integer' }), 409, 'CONFLICT');
    const renamed = await api().patch(`${base}/fields/notes/stars`, { field: 'rating' });
    assert.equal(renamed.status, 200, renamed.text);
    const widened = await api().patch(`${base}/fields/notes/rating`, { type: 'bigint' });
    assert.equal(widened.status, 200, widened.text);
    assertError(await api().patch(`${base}/fields/notes/body`, { type: 'integer' }), 409, 'CONFLICT');
    assertError(await api().patch(`${base}/fields/notes/body`, { length: 10 }), 409, 'CONFLICT');
    assert.equal((await api().patch(`${base}/fields/notes/body`, { length: 500, unique: true })).status, 200);
    assert.equal((await api().delete(`${base}/fields/notes/rating`)).status, 204);
    const fields = (await api().get(`${base}/fields/notes`)).body.data.map((f: { field: string }) => f.field);
    assert.deepEqual(fields, ['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'body']);
    assertError(await api().patch(`${base}/fields/notes/created_at`, { note: 'x' }), 409, 'CONFLICT');
  });

  it('relates collections many-to-one, one-to-many and many-to-many, and drops relations with a collection', async () => {
    await newCollection(api(), base, { collection: 'writers', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api(), base, { collection: 'stories', fields: [{ field: 'title', type: 'string' }] });
    await newCollection(api(), base, { collection: 'labels', primary_key: 'uuid', fields: [{ field: 'label', type: 'string' }] });
    const m2o = await api().post(`${base}/relations`, { collection: 'stories', field: 'writer', related_collection: 'writers', on_delete: 'SET NULL', one_field: 'stories' });
    assert.equal(m2o.status, 201, m2o.text);
    const m2m = await api().post(`${base}/relations`, { collection: 'stories', field: 'labels', related_collection: 'labels', junction: true, one_field: 'stories' });
    assert.equal(m2m.status, 201, m2m.text);
    assert.equal(m2m.body.data.length, 2);
    assert.equal((await api().get(`${base}/collections/stories_labels`)).status, 200);
    assertError(await api().post(`${base}/relations`, { collection: 'stories', field: 'writer', related_collection: 'writers' }), 409, 'CONFLICT');
    assertError(await api().post(`${base}/relations`, { collection: 'stories', field: 'x', related_collection: 'nowhere' }), 404, 'NOT_FOUND');

    assertError(await api().delete(`${base}/collections/writers`), 409, 'CONFLICT');
    assert.equal((await api().delete(`${base}/collections/writers?force=true`)).status, 204);
    const relations = (await api().get(`${base}/relations`)).body.data;
    assert.equal(relations.some((r: { related_collection: string }) => r.related_collection === 'writers'), false);
    assert.equal((await api().delete(`${base}/relations/stories/labels`)).status, 204);
    assertError(await api().get(`${base}/collections/stories_labels`), 404, 'NOT_FOUND');
  });

  it('drops every table of a workspace when the workspace is deleted', async () => {
    const doomed = await newWorkspace(suite.api, owner);
    const doomedBase = `/api/v1/w/${doomed.slug}`;
    await newCollection(api(), doomedBase, { collection: 'parents', fields: [{ field: 'name', type: 'string' }] });
    await newCollection(api(), doomedBase, { collection: 'children', fields: [{ field: 'name', type: 'string' }] });
    await api().post(`${doomedBase}/relations`, { collection: 'children', field: 'parent', related_collection: 'parents', on_delete: 'RESTRICT' });
    const parent = (await api().post(`${doomedBase}/items/parents`, { name: 'P' })).body.data;
    await api().post(`${doomedBase}/items/children`, { name: 'C', parent: parent.id });
    // hasTable, not getTables: listing every table races with the DDL of suites running beside this one.
    const tables = async () => {
      const runner = suite.app.nest.get(DataSource).createQueryRunner();
      try {
        const present: string[] = [];
        for (const name of ['parents', 'children'].map((collection) => tableNameFor(doomed.id, collection))) {
          if (await runner.hasTable(name)) present.push(name);
        }
        return present;
      } finally {
        await runner.release();
      }
    };
    assert.equal((await tables()).length, 2);
    assert.equal((await api().delete(`/api/v1/workspaces/${doomed.slug}`)).status, 204);
    assert.deepEqual(await tables(), []);
  });

  it('keeps each workspace\'s collections apart, even with the same names', async () => {
    const other = await newWorkspace(suite.api, owner);
    await newCollection(api(), `/api/v1/w/${other.slug}`, { collection: 'books' });
    const fields = (await api().get(`/api/v1/w/${other.slug}/fields/books`)).body.data;
    assert.equal(fields.length, 5);
  });
});
