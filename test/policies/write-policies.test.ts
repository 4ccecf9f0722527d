import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/**
 * Anonymous callers write through the `public` role's policies: a contact form that creates messages
 * (subject, body and a priority up to 3; the status forced to "new"), and may update or delete only
 * messages that are still new. They read back the subject and status of new messages only.
 */
describeEachDatabase('write policies', {}, (suite) => {
  let api: Api;
  let base: string;
  let anonymous: Api;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    anonymous = suite.api.as(null);
    const fields = [
      { field: 'subject', type: 'string' },
      { field: 'body', type: 'text' },
      { field: 'priority', type: 'integer' },
      { field: 'status', type: 'string' },
    ];
    for (const body of [
      { collection: 'messages', fields },
      { collection: 'signups', fields: [{ field: 'email', type: 'string' }] },
    ]) {
      await newCollection(api, base, body);
    }
    const isNew = { status: { _eq: 'new' } };
    for (const policy of [
      { action: 'create', fields: ['subject', 'body', 'priority'], presets: { status: 'new' }, validation: { body: { min_length: { value: 5, message: 'Say a bit more' } } }, filter: { priority: { _lte: 3 } } },
      { action: 'read', fields: ['subject', 'status'], filter: isNew },
      { action: 'update', fields: ['subject', 'status'], filter: isNew },
      { action: 'delete', filter: isNew },
    ]) {
      const created = await api.post(`${base}/policies`, { role: 'public', collection: 'messages', ...policy });
      assert.equal(created.status, 201, created.text);
    }
    assert.equal((await api.post(`${base}/policies`, { role: 'public', collection: 'signups', action: 'create', fields: ['email'] })).status, 201);
  });

  async function count(collection: string): Promise<number> {
    return (await api.get(`${base}/items/${collection}?meta=total_count&limit=1`)).body.meta.total_count;
  }

  async function message(values: object): Promise<{ id: number }> {
    const created = await api.post(`${base}/items/messages`, values);
    assert.equal(created.status, 200, created.text);
    return created.body.data;
  }

  it('creates with the presets forced and answers what the role may read of it', async () => {
    const created = await anonymous.post(`${base}/items/messages`, { subject: 'Hello', body: 'Is anyone there?', priority: 2 });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(Object.keys(created.body.data).sort(), ['id', 'status', 'subject']);
    assert.equal(created.body.data.status, 'new');
    const stored = await api.get(`${base}/items/messages/${created.body.data.id}`);
    assert.equal(stored.body.data.body, 'Is anyone there?');
    assert.equal(stored.body.data.created_by, null);
  });

  it('refuses a field the policy does not grant, the policy\'s own rules, and a row outside its filter, writing nothing', async () => {
    const before = await count('messages');
    const forced = await anonymous.post(`${base}/items/messages`, { subject: 'Hi', body: 'Let me in please', status: 'approved' });
    assertError(forced, 403, 'FORBIDDEN');
    assert.equal(forced.body.errors[0].extensions.field, 'status');
    assertError(await anonymous.post(`${base}/items/messages`, { subject: 'Hi', body: 'Hello there', created_by: '00000000-0000-4000-8000-000000000000' }), 403, 'FORBIDDEN');
    const short = await anonymous.post(`${base}/items/messages`, { subject: 'Hi', body: 'Hey' });
    assertError(short, 422, 'VALIDATION_FAILED');
    assert.deepEqual([short.body.errors[0].extensions, short.body.errors[0].message], [{ code: 'VALIDATION_FAILED', field: 'body', rule: 'min_length' }, 'Say a bit more']);
    assertError(await anonymous.post(`${base}/items/messages`, { subject: 'Urgent', body: 'Very urgent indeed', priority: 9 }), 403, 'FORBIDDEN');
    const batch = await anonymous.post(`${base}/items/messages`, [{ subject: 'A', body: 'First of two' }, { subject: 'B', body: 'Second of two', priority: 7 }]);
    assertError(batch, 403, 'FORBIDDEN');
    assert.equal(await count('messages'), before);
  });

  it('updates and deletes only rows inside the filter: others are not found, and bulk writes skip them', async () => {
    const open = await message({ subject: 'Open', body: 'still new', status: 'new' });
    const closed = await message({ subject: 'Closed', body: 'already handled', status: 'closed' });
    assertError(await anonymous.patch(`${base}/items/messages/${closed.id}`, { subject: 'Hijacked' }), 404, 'NOT_FOUND');
    const renamed = await anonymous.patch(`${base}/items/messages/${open.id}`, { subject: 'Renamed' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual(renamed.body.data, { id: open.id, subject: 'Renamed', status: 'new' });
    const bulk = await anonymous.patch(`${base}/items/messages`, { keys: [open.id, closed.id], data: { subject: 'Bulk' } });
    assert.deepEqual(bulk.body.data.map((m: { id: number }) => m.id), [open.id]);
    assert.equal((await api.get(`${base}/items/messages/${closed.id}`)).body.data.subject, 'Closed');
    assertError(await anonymous.patch(`${base}/items/messages/${open.id}`, { body: 'rewritten' }), 403, 'FORBIDDEN');

    assertError(await anonymous.delete(`${base}/items/messages/${closed.id}`), 404, 'NOT_FOUND');
    assert.equal((await anonymous.delete(`${base}/items/messages`, { keys: [open.id, closed.id] })).status, 204);
    assertError(await api.get(`${base}/items/messages/${open.id}`), 404, 'NOT_FOUND');
    assert.equal((await api.get(`${base}/items/messages/${closed.id}`)).body.data.subject, 'Closed');
  });

  it('refuses an update that would move a row out of the filter, and changes nothing', async () => {
    const open = await message({ subject: 'Mine', body: 'still new', status: 'new' });
    assertError(await anonymous.patch(`${base}/items/messages/${open.id}`, { subject: 'Gone', status: 'closed' }), 403, 'FORBIDDEN');
    const stored = (await api.get(`${base}/items/messages/${open.id}`)).body.data;
    assert.deepEqual([stored.subject, stored.status], ['Mine', 'new']);
  });

  it('documents the routes and input fields the policies grant', async () => {
    const own = (await anonymous.get(`${base}/openapi.json`)).body;
    assert.deepEqual(Object.keys(own.paths['/items/messages']), ['get', 'post', 'patch', 'delete']);
    assert.deepEqual(Object.keys(own.paths['/items/signups']), ['post']);
    assert.equal(own.paths['/items/signups/{id}'], undefined);
    assert.deepEqual(Object.keys(own.components.schemas.messages_input.properties), ['subject', 'body', 'priority', 'status']);
    assert.deepEqual(Object.keys(own.components.schemas.signups_input.properties), ['email']);
    assert.equal(own.components.schemas.signups, undefined);
  });

  it('creates without a read policy, answering no data, and logs the anonymous writer', async () => {
    const created = await anonymous.post(`${base}/items/signups`, { email: 'reader@example.com' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.data, null);
    const stored = await api.get(`${base}/items/signups?fields=email`);
    assert.deepEqual(stored.body.data.map((s: { email: string }) => s.email), ['reader@example.com']);
    const logged = await api.get(`${base}/activity?filter[collection][_eq]=signups&fields=action,actor_type,actor_id`);
    assert.deepEqual(
      logged.body.data.map(({ action, actor_type, actor_id }: Record<string, unknown>) => ({ action, actor_type, actor_id })),
      [{ action: 'create', actor_type: 'anonymous', actor_id: null }],
    );
    assertError(await anonymous.get(`${base}/items/signups`), 403, 'FORBIDDEN');
    assertError(await anonymous.patch(`${base}/items/signups/1`, { email: 'x@example.com' }), 403, 'FORBIDDEN');
  });
});
