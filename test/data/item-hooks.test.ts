import assert from 'node:assert/strict';
import { afterEach, before, it } from 'node:test';
import { AppError } from '../../src/common/errors/app-error';
import type { CommittedChange, PendingWrite } from '../../src/modules/write-participants/write-participant';
import { WriteParticipants } from '../../src/modules/write-participants/write-participants';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** A participant of every write with only a before step, or only an after-commit step. */
const beforeEachWrite = (participants: WriteParticipants, step: (write: PendingWrite) => void) =>
  participants.register({ order: 100, prepare: () => ({ before: (write) => Promise.resolve(step(write)).then(() => true) }) });
const afterEachCommit = (participants: WriteParticipants, step: (change: CommittedChange) => void) =>
  participants.register({ order: 100, prepare: () => ({ afterCommit: (change) => Promise.resolve(step(change)) }) });

describeEachDatabase('write participants: before and after-commit steps', {}, (suite) => {
  let api: Api;
  let base: string;
  let participants: WriteParticipants;
  const removers: Array<() => void> = [];

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    participants = suite.app.nest.get(WriteParticipants);
    await newCollection(api, base, { collection: 'notes', fields: [{ field: 'text', type: 'string', required: true }, { field: 'shout', type: 'boolean' }] });
  });
  afterEach(() => removers.splice(0).forEach((remove) => remove()));

  it('lets a before-hook rewrite the payload, which is validated again', async () => {
    removers.push(
      beforeEachWrite(participants, (event) => {
        for (const payload of event.payloads) if (payload.shout === true) payload.text = String(payload.text).toUpperCase();
      }),
    );
    const created = await api.post(`${base}/items/notes`, { text: 'hello', shout: true });
    assert.equal(created.body.data.text, 'HELLO');
    removers.push(beforeEachWrite(participants, (event) => event.payloads.forEach((payload) => (payload.text = ''))));
    assertError(await api.post(`${base}/items/notes`, { text: 'emptied by a hook' }), 422, 'VALIDATION_FAILED');
  });

  it('lets a before-hook refuse a write, which then writes nothing', async () => {
    removers.push(
      beforeEachWrite(participants, (event) => {
        if (event.action === 'delete') throw new AppError('FORBIDDEN', 'Notes are kept forever.');
      }),
    );
    const note = (await api.post(`${base}/items/notes`, { text: 'keep me' })).body.data;
    const refused = await api.delete(`${base}/items/notes/${note.id}`);
    assertError(refused, 403, 'FORBIDDEN');
    assert.equal(refused.body.errors[0].message, 'Notes are kept forever.');
    assert.equal((await api.get(`${base}/items/notes/${note.id}`)).status, 200);
  });

  it('tells after-commit hooks what was committed, and a failing one does not fail the request', async () => {
    const seen: CommittedChange[] = [];
    removers.push(afterEachCommit(participants, (event) => void seen.push(event)));
    removers.push(
      afterEachCommit(participants, () => {
        throw new Error('an after hook that fails');
      }),
    );
    const created = await api.post(`${base}/items/notes`, [{ text: 'a' }, { text: 'b' }]);
    assert.equal(created.status, 200);
    await api.patch(`${base}/items/notes/${created.body.data[0].id}`, { text: 'a2' });
    assert.deepEqual(
      seen.map((event) => [event.action, event.collection.name, event.keys]),
      [
        ['create', 'notes', created.body.data.map((n: { id: number }) => n.id)],
        ['update', 'notes', [created.body.data[0].id]],
      ],
    );
  });
});
