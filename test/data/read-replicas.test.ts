import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config';
import { RunningApp, startApp, testEnvironment } from '../support/app';
import { freePort, RedisServer } from '../support/cluster';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { Account, addMember, newAccount, newCollection, newOwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api } from '../support/http';
import { MariaDbServer } from '../support/mariadb-server';
import { PostgresServer } from '../support/postgres-server';
import { until } from '../support/wait';

type Row = Record<string, unknown>;

/** What an instance's health check says each replica does now. */
async function replicaStates(api: Api): Promise<string[]> {
  const health = await api.get('/api/v1/health');
  return health.body.info.read_replicas.replicas as string[];
}

describe('read replicas: configuration', () => {
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadConfig(testEnvironment(env.DATABASE_URL, env));
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('refuses DATABASE_READ_URLS on SQLite', () => {
    assert.match(problemsOf({ DATABASE_URL: 'sqlite::memory:', DATABASE_READ_URLS: 'postgres://replica/cairn' }), /DATABASE_READ_URLS needs DATABASE_URL on PostgreSQL or MariaDB/);
  });

  it('refuses a replica of another kind of database than the primary', () => {
    assert.match(problemsOf({ DATABASE_URL: 'postgres://primary/cairn', DATABASE_READ_URLS: 'postgres://a/cairn, mariadb://b/cairn' }), /same kind of database as DATABASE_URL \(postgres\); mysql given/);
    assert.match(problemsOf({ DATABASE_URL: 'mariadb://primary/cairn', DATABASE_READ_URLS: 'postgresql://a/cairn' }), /same kind of database as DATABASE_URL \(mysql\); postgres given/);
  });

  it('refuses a list that is not of database URLs', () => {
    assert.match(problemsOf({ DATABASE_URL: 'postgres://primary/cairn', DATABASE_READ_URLS: 'replica.internal' }), /DATABASE_READ_URLS must be a comma list/);
  });

  it('takes a list of replicas of the same kind, and their window and lag', () => {
    const config = loadConfig(
      testEnvironment('mysql://primary/cairn', { DATABASE_READ_URLS: 'mariadb://a/cairn,mysql://b/cairn', DATABASE_READ_YOUR_WRITES_WINDOW: '3s', DATABASE_REPLICA_MAX_LAG: '500ms' }),
    );
    assert.deepEqual([config.database.readUrls, config.database.readYourWritesWindowMs, config.database.replicaMaxLagMs], [['mariadb://a/cairn', 'mysql://b/cairn'], 3000, 500]);
  });
});

/**
 * A private PostgreSQL cluster and a hot standby streaming from it (pg_basebackup). Replay on the standby
 * is paused to tell where a read was served: a row written meanwhile is on the primary only.
 */
if (selectedDatabases().includes('postgres')) {
  describe('read replicas on PostgreSQL', () => {
    let primary: PostgresServer;
    let replica: PostgresServer;
    let app: RunningApp;
    let base: string;
    let writer: Api;
    let reader: Api;
    let readerAccount: Account;
    let writerToken: string;

    const titles = async (api: Api): Promise<string[]> => {
      const listed = await api.get(`${base}/items/notes?fields=title&sort=id&limit=100`);
      assert.equal(listed.status, 200, listed.text);
      return (listed.body.data as Row[]).map((row) => String(row.title));
    };
    const pauseReplay = () => replica.sql('SELECT pg_wal_replay_pause()');
    const resumeReplay = () => replica.sql('SELECT pg_wal_replay_resume()');
    const create = async (api: Api, title: string): Promise<number> => {
      const created = await api.post(`${base}/items/notes`, { title });
      assert.equal(created.status, 200, created.text);
      return created.body.data.id as number;
    };

    before(async () => {
      primary = await PostgresServer.start();
      await primary.sql('CREATE DATABASE cairn');
      replica = await primary.startReplica();
      // The writer's window and the lag bound are far beyond the test's time, so nothing here depends on timing.
      app = await startApp(primary.url('cairn'), { DATABASE_READ_URLS: replica.url('cairn'), DATABASE_READ_YOUR_WRITES_WINDOW: '1h', DATABASE_REPLICA_MAX_LAG: '1h' });
      const owned = await newOwnedWorkspace(app.api);
      ({ base, api: writer } = owned);
      writerToken = owned.owner.accessToken;
      readerAccount = await newAccount(app.api, 'reader');
      await addMember(app.api, owned.workspace, owned.owner, readerAccount, 'editor');
      reader = app.api.as(readerAccount.accessToken);
      await newCollection(writer, base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
      await create(writer, 'before');
      await until('the replica serving reads', () => replicaStates(app.api), (states) => states[0] === 'serving');
      await until('the replica replaying the first note', () => titles(reader), (seen) => seen.includes('before'));
    });

    after(async () => {
      await app?.close();
      await replica?.destroy();
      await primary?.destroy();
    });

    it("serves another caller's reads from the replica, and the writer's from the primary", async () => {
      await pauseReplay();
      try {
        const id = await create(writer, 'while paused');
        assert.deepEqual(await titles(reader), ['before']);
        assert.equal((await reader.get(`${base}/items/notes/${id}`)).status, 404);
        assert.deepEqual(await graphqlData(reader, base, '{ notes_aggregated { countAll } }'), { notes_aggregated: [{ countAll: 1 }] });
        assert.deepEqual(await titles(writer), ['before', 'while paused']);
        assert.equal((await writer.get(`${base}/items/notes/${id}`)).status, 200);
      } finally {
        await resumeReplay();
      }
      await until('the replica replaying the note', () => titles(reader), (seen) => seen.includes('while paused'));
    });

    it('sends reads to the primary while the replica lags beyond DATABASE_REPLICA_MAX_LAG', async () => {
      const strict = await startApp(primary.url('cairn'), { DATABASE_READ_URLS: replica.url('cairn'), DATABASE_REPLICA_MAX_LAG: '1ms' });
      try {
        const strictReader = strict.api.as(readerAccount.accessToken);
        await until('the replica serving the strict instance', () => replicaStates(strict.api), (states) => states[0] === 'serving');
        await pauseReplay();
        try {
          await create(writer, 'while lagging');
          await until('the strict instance finding the replica behind', () => replicaStates(strict.api), (states) => states[0] === 'lagging');
          assert.ok((await titles(strictReader)).includes('while lagging'));
          // The same caller, on the instance that tolerates the lag, is still served by the replica.
          assert.ok(!(await titles(reader)).includes('while lagging'));
        } finally {
          await resumeReplay();
        }
        await until('the replica caught up', () => replicaStates(strict.api), (states) => states[0] === 'serving');
      } finally {
        await strict.close();
      }
    });

    it("keeps the writer's reads on the primary only for DATABASE_READ_YOUR_WRITES_WINDOW", async () => {
      const brief = await startApp(primary.url('cairn'), { DATABASE_READ_URLS: replica.url('cairn'), DATABASE_READ_YOUR_WRITES_WINDOW: '1ms', DATABASE_REPLICA_MAX_LAG: '1h' });
      try {
        const briefWriter = brief.api.as(writerToken);
        await until('the replica serving the instance', () => replicaStates(brief.api), (states) => states[0] === 'serving');
        await pauseReplay();
        try {
          await create(briefWriter, 'past the window');
          assert.ok(!(await titles(briefWriter)).includes('past the window'));
        } finally {
          await resumeReplay();
        }
        await until('the replica replaying the note', () => titles(briefWriter), (seen) => seen.includes('past the window'));
      } finally {
        await brief.close();
      }
    });

    if (process.env.CAIRN_TEST_REDIS_URL) {
      it("holds the writer's window on every instance through Redis", async () => {
        const redis = await RedisServer.start();
        const env = { DATABASE_READ_URLS: replica.url('cairn'), DATABASE_READ_YOUR_WRITES_WINDOW: '1h', DATABASE_REPLICA_MAX_LAG: '1h', REDIS_URL: redis.url };
        const nodes: RunningApp[] = [];
        try {
          nodes.push(await startApp(primary.url('cairn'), env), await startApp(primary.url('cairn'), env));
          for (const node of nodes) await until('the replica serving the instance', () => replicaStates(node.api), (states) => states[0] === 'serving');
          const [first, second] = nodes;
          await pauseReplay();
          try {
            await create(first.api.as(writerToken), 'on the first instance');
            assert.ok((await titles(second.api.as(writerToken))).includes('on the first instance'));
            assert.ok(!(await titles(second.api.as(readerAccount.accessToken))).includes('on the first instance'));
          } finally {
            await resumeReplay();
          }
        } finally {
          for (const node of nodes) await node.close();
          await redis.stop();
        }
      });
    }

    it('answers from the primary while the replica is stopped, and from the replica once it is back', async () => {
      await replica.stop('immediate');
      try {
        await create(writer, 'while stopped');
        assert.ok((await titles(reader)).includes('while stopped'));
        assert.deepEqual(await replicaStates(app.api), ['down']);
        const single = await reader.get(`${base}/items/notes?filter[title][_eq]=while stopped`);
        assert.equal(single.status, 200, single.text);
      } finally {
        await replica.resume();
      }
      await until('the replica serving reads again', () => replicaStates(app.api), (states) => states[0] === 'serving');
      await until('the replica replaying what it missed', () => titles(reader), (seen) => seen.includes('while stopped'));
      await pauseReplay();
      try {
        await create(writer, 'after the restart');
        assert.ok(!(await titles(reader)).includes('after the restart'));
      } finally {
        await resumeReplay();
      }
    });
  });
}

/**
 * MariaDB: a private primary with binary logs and a replica of it, both made by the test. A row changed on
 * the replica alone tells where a read was served; stopping the replica's SQL thread makes it lag (its
 * Seconds_Behind_Master turns NULL).
 */
if (selectedDatabases().includes('mysql')) {
  describe('read replicas on MariaDB', () => {
    let primary: MariaDbServer;
    let replica: MariaDbServer;
    let app: RunningApp;
    let base: string;
    let writer: Api;
    let reader: Api;

    const titles = async (api: Api): Promise<string[]> => {
      const listed = await api.get(`${base}/items/notes?fields=title&sort=id&limit=100`);
      assert.equal(listed.status, 200, listed.text);
      return (listed.body.data as Row[]).map((row) => String(row.title));
    };

    before(async () => {
      primary = await MariaDbServer.start();
      replica = await primary.startReplica();
      await primary.sql('CREATE DATABASE cairn CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
      app = await startApp(primary.url('cairn'), { DATABASE_READ_URLS: replica.url('cairn'), DATABASE_READ_YOUR_WRITES_WINDOW: '1h', DATABASE_REPLICA_MAX_LAG: '1h' });
      const owned = await newOwnedWorkspace(app.api);
      ({ base, api: writer } = owned);
      const readerAccount = await newAccount(app.api, 'reader');
      await addMember(app.api, owned.workspace, owned.owner, readerAccount, 'editor');
      reader = app.api.as(readerAccount.accessToken);
      await newCollection(writer, base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
      assert.equal((await writer.post(`${base}/items/notes`, { title: 'on both' })).status, 200);
      await until('the replica serving reads', () => replicaStates(app.api), (states) => states[0] === 'serving');
      const [{ table }] = (await until(
        'the replica replaying the collection',
        () => replica.sql("SELECT table_name AS `table` FROM information_schema.tables WHERE table_schema = 'cairn' AND table_name LIKE '%notes'"),
        (rows) => rows.length === 1,
      )) as Array<{ table: string }>;
      await until('the replica replaying the note', async () => (await replica.sql(`SELECT title FROM cairn.\`${table}\``)).length, (count) => count === 1);
      await replica.sql(`UPDATE cairn.\`${table}\` SET title = 'on the replica only'`);
    });

    after(async () => {
      await app?.close();
      await replica?.destroy();
      await primary?.destroy();
    });

    it("serves another caller's reads from the replica, and the writer's from the primary", async () => {
      assert.deepEqual(await titles(reader), ['on the replica only']);
      assert.deepEqual(await titles(writer), ['on both']);
    });

    it('sends reads to the primary while the replica does not replay', async () => {
      await replica.sql('STOP SLAVE SQL_THREAD');
      try {
        await until('the replica found behind', () => replicaStates(app.api), (states) => states[0] === 'lagging');
        assert.deepEqual(await titles(reader), ['on both']);
      } finally {
        await replica.sql('START SLAVE SQL_THREAD');
      }
      await until('the replica serving reads again', () => replicaStates(app.api), (states) => states[0] === 'serving');
      assert.deepEqual(await titles(reader), ['on the replica only']);
    });

    it('answers from the primary while the replica is stopped, and from the replica once it is back', async () => {
      await replica.stop();
      try {
        assert.deepEqual(await titles(reader), ['on both']);
        assert.deepEqual(await replicaStates(app.api), ['down']);
      } finally {
        await replica.resume();
      }
      await until('the replica serving reads again', () => replicaStates(app.api), (states) => states[0] === 'serving');
      assert.deepEqual(await titles(reader), ['on the replica only']);
    });
  });

  describe('a MariaDB replica out of reach', () => {
    let db: TestDatabase;
    let app: RunningApp;

    before(async () => {
      db = await createTestDatabase('mysql');
      const nobody = await freePort();
      app = await startApp(db.url, { DATABASE_READ_URLS: `mariadb://root@127.0.0.1:${nobody}/cairn` });
    });

    after(async () => {
      await app?.close();
      await db?.drop();
    });

    it('starts with a replica out of reach, reports it down and reads from the primary', async () => {
      const owned = await newOwnedWorkspace(app.api);
      const { base, api } = owned;
      await newCollection(api, base, { collection: 'notes', fields: [{ field: 'title', type: 'string' }] });
      const created = await api.post(`${base}/items/notes`, { title: 'kept' });
      assert.equal(created.status, 200, created.text);
      await until('the replica found down', () => replicaStates(app.api), (states) => states[0] === 'down');
      assert.equal((await app.api.get('/api/v1/health')).body.status, 'ok');
      // A caller that has not written: its reads would go to a replica, were one up.
      const other = await newAccount(app.api, 'other');
      await addMember(app.api, owned.workspace, owned.owner, other, 'editor');
      const read = await app.api.as(other.accessToken).get(`${base}/items/notes`);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data.map((row: Row) => row.title), ['kept']);
    });
  });
}
