import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { addMember, assertError, newAccount, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';

describeEachDatabase('dev outbox, with MAIL_TRANSPORT=dev', { env: { MAIL_TRANSPORT: 'dev' } }, (suite) => {
  let ws: OwnedWorkspace;
  before(async () => {
    ws = await newOwnedWorkspace(suite.api);
  });

  it('answers a new workspace\'s owner with an empty outbox', async () => {
    const outbox = await ws.api.get(`${ws.base}/dev/outbox`);
    assert.equal(outbox.status, 200, outbox.text);
    assert.deepEqual(outbox.body, { data: [] });
  });

  it('is for owners and admins only', async () => {
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, ws.workspace, ws.owner, viewer, 'viewer');
    assertError(await suite.api.get(`${ws.base}/dev/outbox`, { token: viewer.accessToken }), 403, 'FORBIDDEN');
    assertError(await suite.api.get(`${ws.base}/dev/outbox`), 401, 'INVALID_CREDENTIALS');
    const stranger = await newAccount(suite.api, 'stranger');
    assertError(await suite.api.get(`${ws.base}/dev/outbox`, { token: stranger.accessToken }), 404, 'NOT_FOUND');
  });
});

describeEachDatabase('dev outbox, with the default transport', {}, (suite) => {
  it('does not exist: 404', async () => {
    const ws = await newOwnedWorkspace(suite.api);
    assert.equal(suite.app.config.mail.transport, 'none');
    assertError(await ws.api.get(`${ws.base}/dev/outbox`), 404, 'NOT_FOUND');
  });
});
