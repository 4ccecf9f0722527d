import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance, RedisServer, until } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { Account, assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import { graphql, graphqlData } from '../support/graphql';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

/** How soon a change on one instance must be visible on the others. */
const SYNC_MS = 1_000;

/**
 * Three identical instances, as separate processes, behind no load balancer, on one PostgreSQL and one
 * Redis: what one of them changes, the others serve at once, and they ride out a Redis restart.
 * Runs when the suite has PostgreSQL and Redis (CAIRN_TEST_REDIS_URL); it starts a Redis of its own on
 * another port, so that it can stop it.
 */
if (process.env.CAIRN_TEST_REDIS_URL && selectedDatabases().includes('postgres')) {
  describe('three instances on PostgreSQL and Redis', () => {
    let db: TestDatabase;
    let redis: RedisServer;
    let nodes: Instance[] = [];
    let owner: Account;
    let base: string;
    let apis: Api[];
    const clients: RealtimeClient[] = [];

    before(async () => {
      db = await createTestDatabase('postgres');
      redis = await RedisServer.start();
      const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
      // The first runs the migrations; the others start on the migrated database.
      nodes = [await Instance.start(env)];
      nodes.push(...(await Promise.all([Instance.start(env), Instance.start(env)])));
      ({ owner, base } = await newOwnedWorkspace(nodes[0].api));
      apis = nodes.map((node) => node.api.as(owner.accessToken));
    });

    after(async () => {
      for (const client of clients) client.close();
      await Promise.all(nodes.map((node) => node.stop()));
      await redis?.stop();
      await db?.drop();
    });

    async function subscriber(node: Instance, collection: string, query: Record<string, unknown> = { fields: ['id', 'title'] }): Promise<RealtimeClient> {
      const client = await RealtimeClient.connect(`${node.url.replace('http', 'ws')}${base}/realtime?access_token=${owner.accessToken}`);
      clients.push(client);
      assert.equal((await client.subscribe(collection, query)).event, 'init');
      return client;
    }

    it('serves a collection created on the first instance on the second and third at once', async () => {
      await newCollection(apis[0], base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }] });
      for (const api of apis.slice(1)) {
        const listed = await api.get(`${base}/items/posts`);
        assert.equal(listed.status, 200, listed.text);
      }
      assert.equal((await apis[0].post(`${base}/fields/posts`, { field: 'rating', type: 'integer' })).status, 201);
      for (const api of apis.slice(1)) {
        assert.deepEqual(await graphqlData(api, base, '{ posts { rating } }'), { posts: [] });
      }
    });

    it('delivers a write on the second instance to a subscriber on the third', async () => {
      const client = await subscriber(nodes[2], 'posts');
      const created = await apis[1].post(`${base}/items/posts`, { title: 'From the second', status: 'published' });
      assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: created.body.data.id, title: 'From the second' }] });
    });

    it('applies a policy change made on the first instance on the others within a second', async () => {
      const anonymous = nodes.map((node) => node.api.as(null));
      for (const api of anonymous) assertError(await api.get(`${base}/items/posts`), 403, 'FORBIDDEN');
      const created = await apis[0].post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', fields: ['title'] });
      assert.equal(created.status, 201, created.text);
      for (const api of anonymous.slice(1)) {
        await until('the policy reaching another instance', async () => (await api.get(`${base}/items/posts`)).status === 200, SYNC_MS);
      }
      assert.equal((await apis[0].delete(`${base}/policies/${created.body.data.id}`)).status, 204);
      for (const api of anonymous.slice(1)) {
        await until('the deleted policy reaching another instance', async () => (await api.get(`${base}/items/posts`)).status === 403, SYNC_MS);
      }
    });

    it('serves a view created or deleted on the first instance in GraphQL on the others within a second', async () => {
      const readsView = async (api: Api) => (await graphql(api, base, '{ post_titles { title } }')).body.errors === undefined;
      // The others have built their schemas (and cached the workspace's views) before the view exists.
      for (const api of apis.slice(1)) assert.equal(await readsView(api), false);
      const created = await apis[0].post(`${base}/views`, { name: 'post_titles', source: 'posts', fields: ['id', 'title'] });
      assert.equal(created.status, 201, created.text);
      for (const api of apis.slice(1)) await until('the view reaching another instance', () => readsView(api), SYNC_MS);
      assert.equal((await apis[0].delete(`${base}/views/post_titles`)).status, 204);
      for (const api of apis.slice(1)) await until('the deleted view reaching another instance', async () => !(await readsView(api)), SYNC_MS);
    });

    it('keeps serving while Redis is down, and recovers by itself when it is back', async () => {
      const client = await subscriber(nodes[2], 'posts');
      await redis.stop();
      // Reads and writes go on; events of this time are lost, as the bus is.
      for (const api of apis) assert.equal((await api.get(`${base}/items/posts`)).status, 200);
      assert.equal((await apis[1].post(`${base}/items/posts`, { title: 'While Redis is down' })).status, 200);
      assert.equal((await nodes[0].api.get('/api/v1/health')).status, 503);

      await redis.resume();
      for (const node of nodes) await until('the instance seeing Redis again', async () => (await node.api.get('/api/v1/health')).status === 200);
      // Events flow again once each instance has subscribed anew: write until one arrives.
      await until(
        'an event crossing instances again',
        async () => {
          await apis[1].post(`${base}/items/posts`, { title: 'After Redis came back' });
          return (await client.next().then(() => true, () => false));
        },
        15_000,
      );
      const created = await apis[0].post(`${base}/items/posts`, { title: 'From the first' });
      const event = await client.next((m) => m.data?.[0]?.title === 'From the first');
      assert.deepEqual(event.data, [{ id: created.body.data.id, title: 'From the first' }]);
      for (const node of nodes) assert.ok(node.alive, node.log);
    });
  });
}
