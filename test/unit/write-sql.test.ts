import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialectFor } from '../../src/engine/sql/dialect';
import { INSERTED_ROW_ORDER, insertManyWithLogStatement, InsertWithLogTexts, insertWithLogStatement, type LoggedRow } from '../../src/engine/write/write.sql';
import type { DatabaseKind } from '../../src/config/app-config';
import { activityPlan } from '../../src/modules/audit/activity.participant';
import { activityStatement } from '../../src/modules/audit/activity.recorder';
import { joinsOneStatement, oneStatementLogs } from '../../src/modules/data/write/one-statement-create';
import { revisionsPlan } from '../../src/modules/revisions/revision.participant';
import { revisionsStatement } from '../../src/modules/revisions/revision.recorder';
import { WorkspaceEntity } from '../../src/modules/workspaces/workspace.entity';
import type { WriteIntent, WritePlan } from '../../src/modules/write-participants/write-participant';
import { collectionDef, fieldDef } from '../support/schema-fixture';

const postgres = dialectFor('postgres');
const notes = collectionDef('notes', [fieldDef('title', 'string'), fieldDef('body', 'text')]);

/** The activity-like log of a create: one value of its own and the inserted key. */
function logs(built: string[]): LoggedRow[] {
  return [
    {
      table: 'cairn_log',
      columns: ['id', 'item', 'who'],
      values: ['log-1', null, 'ada'],
      fromInserted: {
        item: () => {
          built.push('item');
          return 'CAST("id" AS varchar)';
        },
      },
    },
  ];
}

describe('insertWithLogStatement', () => {
  it('writes the row, then its log rows reading the inserted key, with the values as parameters in order', () => {
    const statement = insertWithLogStatement(postgres, notes, { title: 'a', body: 'b' }, logs([]), { cache: new InsertWithLogTexts(), variant: '' });
    assert.equal(
      statement.sql,
      'WITH "inserted" AS (INSERT INTO "cw_test_notes" ("title", "body") VALUES ($1, $2) RETURNING *), ' +
        '"logged_0" AS (INSERT INTO "cairn_log" ("id", "item", "who") VALUES ($3, (SELECT CAST("id" AS varchar) FROM "inserted"), $4)) SELECT * FROM "inserted"',
    );
    assert.deepEqual(statement.params, ['a', 'b', 'log-1', 'ada']);
  });

  it('builds a text once per collection definition, columns and variant, and anew for a changed definition', () => {
    const cache = new InsertWithLogTexts();
    const built: string[] = [];
    const first = insertWithLogStatement(postgres, notes, { title: 'a' }, logs(built), { cache, variant: 'title' });
    const again = insertWithLogStatement(postgres, notes, { title: 'z' }, logs(built), { cache, variant: 'title' });
    assert.equal(again.sql, first.sql);
    assert.deepEqual(again.params, ['z', 'log-1', 'ada']);
    assert.deepEqual(built, ['item'], 'the expressions are built with the text only');

    const otherVariant = insertWithLogStatement(postgres, notes, { title: 'a' }, logs(built), { cache, variant: 'title,id' });
    assert.equal(otherVariant.sql, first.sql, 'the same text here, built again: the variant is part of the key');
    const otherColumns = insertWithLogStatement(postgres, notes, { body: 'b', title: 'a' }, logs(built), { cache, variant: 'title' });
    assert.match(otherColumns.sql, /\("body", "title"\)/);
    const changed = collectionDef('notes', [fieldDef('title', 'string'), fieldDef('body', 'text'), fieldDef('extra', 'string')]);
    insertWithLogStatement(postgres, changed, { title: 'a' }, logs(built), { cache, variant: 'title' });
    assert.deepEqual(built, ['item', 'item', 'item', 'item']);
  });

  it('refuses a column the collection does not have', () => {
    assert.throws(() => insertWithLogStatement(postgres, notes, { nope: 1 }, logs([]), { cache: new InsertWithLogTexts(), variant: '' }), /"nope" is not a column of notes/);
  });
});

describe('insertManyWithLogStatement', () => {
  it('writes each row as its own INSERT with its own log rows reading its key, answering the rows in order', () => {
    const rows = [
      { row: { title: 'a' }, logs: logs([]), variant: 'title' },
      { row: { title: 'b', body: 'B' }, logs: logs([]), variant: 'title,body' },
    ];
    const statement = insertManyWithLogStatement(postgres, notes, rows, new InsertWithLogTexts());
    assert.equal(
      statement.sql,
      'WITH "inserted_0" AS (INSERT INTO "cw_test_notes" ("title") VALUES ($1) RETURNING *), ' +
        '"logged_0_0" AS (INSERT INTO "cairn_log" ("id", "item", "who") VALUES ($2, (SELECT CAST("id" AS varchar) FROM "inserted_0"), $3)), ' +
        '"inserted_1" AS (INSERT INTO "cw_test_notes" ("title", "body") VALUES ($4, $5) RETURNING *), ' +
        '"logged_1_0" AS (INSERT INTO "cairn_log" ("id", "item", "who") VALUES ($6, (SELECT CAST("id" AS varchar) FROM "inserted_1"), $7)) ' +
        `SELECT * FROM (SELECT 0 AS "${INSERTED_ROW_ORDER}", * FROM "inserted_0" UNION ALL SELECT 1 AS "${INSERTED_ROW_ORDER}", * FROM "inserted_1") AS "inserted" ORDER BY "${INSERTED_ROW_ORDER}"`,
    );
    assert.deepEqual(statement.params, ['a', 'log-1', 'ada', 'b', 'B', 'log-1', 'ada']);
  });

  it('builds a text once per count, columns and variants of the rows', () => {
    const cache = new InsertWithLogTexts();
    const built: string[] = [];
    const two = (variant: string) => [
      { row: { title: 'a' }, logs: logs(built), variant },
      { row: { title: 'b' }, logs: logs(built), variant },
    ];
    const first = insertManyWithLogStatement(postgres, notes, two('title'), cache);
    const again = insertManyWithLogStatement(postgres, notes, two('title'), cache);
    assert.equal(again.sql, first.sql);
    assert.deepEqual(built, ['item', 'item'], 'the expressions are built with the text only');
    insertManyWithLogStatement(postgres, notes, two('title,id'), cache);
    assert.deepEqual(built, ['item', 'item', 'item', 'item'], 'another variant is another text');
    const three = insertManyWithLogStatement(postgres, notes, [...two('title'), { row: { title: 'c' }, logs: logs(built), variant: 'title' }], cache);
    assert.match(three.sql, /"inserted_2"/);
  });
});

/** The create of `notes` giving its title, with the activity row and the revision (data: the whole stored row; delta: the title). */
const ONE_STATEMENT_CREATE =
  'WITH "inserted" AS (INSERT INTO "cw_test_notes" ("title") VALUES ($1) RETURNING *), ' +
  '"logged_0" AS (INSERT INTO "cairn_activity" ("id", "workspace_id", "action", "collection", "item", "actor_type", "actor_id", "ip", "user_agent", "created_at") VALUES ($2, $3, $4, $5, (SELECT CAST("id" AS varchar) FROM "inserted"), $6, $7, $8, $9, $10)), ' +
  '"logged_1" AS (INSERT INTO "cairn_revisions" ("id", "activity", "workspace_id", "collection", "item", "data", "delta", "created_at") VALUES ($11, $12, $13, $14, (SELECT CAST("id" AS varchar) FROM "inserted"), (SELECT jsonb_build_object(\'id\', to_jsonb("id"), \'created_at\', to_jsonb(to_char("created_at" AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\')), \'updated_at\', to_jsonb(to_char("updated_at" AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\')), \'created_by\', to_jsonb(CAST("created_by" AS text)), \'updated_by\', to_jsonb(CAST("updated_by" AS text)), \'title\', to_jsonb(CAST("title" AS text)), \'body\', to_jsonb(CAST("body" AS text))) FROM "inserted"), (SELECT jsonb_build_object(\'title\', to_jsonb(CAST("title" AS text))) FROM "inserted"), $15)) SELECT * FROM "inserted"';

const LOG_INSERTS: Record<DatabaseKind, { activity: string; revisions: string }> = {
  postgres: {
    activity:
      'INSERT INTO "cairn_activity" ("id", "workspace_id", "action", "collection", "item", "actor_type", "actor_id", "ip", "user_agent", "created_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10), ($11, $12, $13, $14, $15, $16, $17, $18, $19, $20)',
    revisions: 'INSERT INTO "cairn_revisions" ("id", "activity", "workspace_id", "collection", "item", "data", "delta", "created_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
  },
  sqlite: {
    activity:
      'INSERT INTO "cairn_activity" ("id", "workspace_id", "action", "collection", "item", "actor_type", "actor_id", "ip", "user_agent", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    revisions: 'INSERT INTO "cairn_revisions" ("id", "activity", "workspace_id", "collection", "item", "data", "delta", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  },
  mysql: {
    activity:
      'INSERT INTO `cairn_activity` (`id`, `workspace_id`, `action`, `collection`, `item`, `actor_type`, `actor_id`, `ip`, `user_agent`, `created_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    revisions: 'INSERT INTO `cairn_revisions` (`id`, `activity`, `workspace_id`, `collection`, `item`, `data`, `delta`, `created_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  },
};

describe('the writes of the activity and revisions participants', () => {
  const workspace = Object.assign(new WorkspaceEntity(), { id: 'ws-1', slug: 'acme', name: 'Acme' });
  const principal = { kind: 'user', userId: 'u-1', email: 'ada@example.com', isSuperadmin: false } as const;
  const intent: WriteIntent = {
    workspaceId: 'ws-1',
    schema: { workspaceId: 'ws-1', version: 1, collections: new Map([['notes', notes]]), relations: [], indexes: [] },
    collection: notes,
    action: 'create',
    access: { workspace, role: 'editor', principal },
    principal,
    permissions: null,
    origin: { ip: '10.0.0.1', userAgent: 'tests' },
  };
  const plans = [activityPlan('postgres'), revisionsPlan('postgres')];
  const at = '2026-01-02 03:04:05.000';

  it('make the one-statement create on PostgreSQL: the item, its activity row and its revision', () => {
    assert.ok(joinsOneStatement(plans));
    const written = notes.fields.filter((field) => field.field === 'title');
    const logs = oneStatementLogs(plans, { ...intent, dialect: postgres, entry: 'entry-1', written });
    assert.equal(logs.variant, 'cairn_activity:|cairn_revisions:title');
    const statement = insertWithLogStatement(postgres, notes, { title: 'a' }, logs.rows, { cache: new InsertWithLogTexts(), variant: logs.variant });
    assert.equal(statement.sql, ONE_STATEMENT_CREATE);
    const [title, activityId, ws, action, collection, actorType, actorId, ip, agent, , revisionId, activity, revisionWs, revisionCollection] = statement.params;
    assert.deepEqual([title, activityId, ws, action, collection, actorType, actorId, ip, agent], ['a', 'entry-1', 'ws-1', 'create', 'notes', 'user', 'u-1', '10.0.0.1', 'tests']);
    assert.match(String(revisionId), /^[0-9a-f-]{36}$/);
    assert.deepEqual([activity, revisionWs, revisionCollection], ['entry-1', 'ws-1', 'notes']);
    assert.equal(statement.params.length, 15);
  });

  it('keep the statement in a transaction when a participant records without rows for it', () => {
    const outboxLike: WritePlan = { record: () => Promise.resolve() };
    assert.equal(joinsOneStatement([...plans, outboxLike]), false);
    assert.equal(joinsOneStatement([...plans, { before: () => Promise.resolve(false) }]), true, 'a before step alone needs no transaction');
  });

  for (const [kind, expected] of Object.entries(LOG_INSERTS)) {
    it(`write their rows in the transaction with one INSERT each on ${kind}`, () => {
      const entry = { ...intent, collection: 'notes', items: [7, 8] };
      const activity = activityStatement(kind as DatabaseKind, entry, ['e-7', 'e-8'], at);
      assert.equal(activity.sql, expected.activity);
      assert.deepEqual(activity.params, ['e-7', 'ws-1', 'create', 'notes', '7', 'user', 'u-1', '10.0.0.1', 'tests', at, 'e-8', 'ws-1', 'create', 'notes', '8', 'user', 'u-1', '10.0.0.1', 'tests', at]);
      const revisions = revisionsStatement(kind as DatabaseKind, { workspaceId: 'ws-1', collection: 'notes' }, [{ activity: 'e-7', item: 7, data: { id: 7, title: 'a' }, delta: { title: 'a' } }], at);
      assert.equal(revisions.sql, expected.revisions);
      assert.deepEqual(revisions.params.slice(1), ['e-7', 'ws-1', 'notes', '7', '{"id":7,"title":"a"}', '{"title":"a"}', at]);
    });
  }
});
