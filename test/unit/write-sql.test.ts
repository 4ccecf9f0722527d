import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialectFor } from '../../src/engine/sql/dialect';
import { InsertWithLogTexts, insertWithLogStatement, type LoggedRow } from '../../src/engine/write/write.sql';
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
