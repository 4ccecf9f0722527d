import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createDirectus, realtime, staticToken } from '@directus/sdk';
import WebSocket from 'ws';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** The official Directus client's realtime(), as an app would use it: connect, subscribe, hear changes. */
describeEachDatabase('@directus/sdk realtime against a workspace', {}, (suite) => {
  let api: Api;
  let base: string;
  let key: string;

  before(async () => {
    let workspace;
    ({ api, base, workspace } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }] });
    await api.post(`${base}/items/posts`, { title: 'Before' });
    key = (await api.post(`/api/v1/workspaces/${workspace.slug}/api-keys`, { name: 'sdk', role: 'viewer' })).body.data.key;
  });

  it('subscribes on /websocket with an API key and receives init, create and delete events', async () => {
    // The client's default realtime URL is /websocket on the API's host; the key names the workspace.
    const client = createDirectus(`${suite.app.url}${base}`, { globals: { WebSocket: WebSocket as never } })
      .with(staticToken(key))
      .with(realtime({ reconnect: false }));
    await client.connect();
    try {
      const { subscription, unsubscribe } = await client.subscribe('posts', { query: { fields: ['id', 'title'] } });
      const events = subscription[Symbol.asyncIterator]();
      const init = (await events.next()).value as { event: string; data: unknown };
      assert.deepEqual([init.event, init.data], ['init', [{ id: 1, title: 'Before' }]]);
      const created = await api.post(`${base}/items/posts`, { title: 'After' });
      const create = (await events.next()).value as { event: string; data: unknown };
      assert.deepEqual([create.event, create.data], ['create', [{ id: created.body.data.id, title: 'After' }]]);
      await api.delete(`${base}/items/posts/1`);
      const removed = (await events.next()).value as { event: string; data: unknown };
      assert.deepEqual([removed.event, removed.data], ['delete', [1]]);
      unsubscribe();
    } finally {
      client.disconnect();
    }
  });

  it('reads items with the items message sent through the client, and is refused a write with a viewer key', async () => {
    const client = createDirectus(`${suite.app.url}${base}`, { globals: { WebSocket: WebSocket as never } })
      .with(staticToken(key))
      .with(realtime({ reconnect: false }));
    await client.connect();
    const answers = new Map<string, Record<string, any>>();
    client.onWebSocket('message', (message: Record<string, any>) => {
      if (message?.type === 'items') answers.set(String(message.uid), message);
    });
    const answer = async (uid: string) => {
      for (let waited = 0; !answers.has(uid) && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      return answers.get(uid);
    };
    try {
      client.sendMessage({ type: 'items', action: 'read', collection: 'posts', query: { fields: ['title'], sort: ['id'] }, uid: 'read' });
      const read = await answer('read');
      assert.equal(read?.status, 'ok', JSON.stringify(read));
      assert.deepEqual(read.data, (await api.get(`${base}/items/posts?fields=title&sort=id`)).body.data);
      assert.ok(read.data.length > 0);
      client.sendMessage({ type: 'items', action: 'create', collection: 'posts', data: { title: 'Viewer' }, uid: 'write' });
      const write = await answer('write');
      assert.deepEqual([write?.status, write?.error?.code], ['error', 'FORBIDDEN']);
    } finally {
      client.disconnect();
    }
  });

  it('subscribes on the workspace path with the key sent at the handshake (strict mode)', async () => {
    const client = createDirectus(`${suite.app.url}${base}`, { globals: { WebSocket: WebSocket as never } })
      .with(staticToken(key))
      .with(realtime({ url: `${suite.app.url.replace('http', 'ws')}${base}/realtime`, authMode: 'strict', reconnect: false }));
    await client.connect();
    try {
      const { subscription } = await client.subscribe('posts', { query: { fields: ['title'], filter: { title: { _eq: 'After' } } } });
      const init = (await subscription[Symbol.asyncIterator]().next()).value as { event: string; data: unknown };
      assert.deepEqual([init.event, init.data], ['init', [{ id: 2, title: 'After' }]]);
    } finally {
      client.disconnect();
    }
  });
});
