import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepareSqliteConnection, type SqliteConnection, unicodeLowerCase } from '../../src/common/database/sqlite-connection';

/** The part of better-sqlite3 these tests use (the package ships no types, and none are installed). */
interface SqliteDatabase extends SqliteConnection {
  prepare(sql: string): ReturnType<SqliteConnection['prepare']> & {
    run(...params: unknown[]): { lastInsertRowid: unknown };
    pluck(): ReturnType<SqliteConnection['prepare']>;
    raw(): ReturnType<SqliteConnection['prepare']>;
  };
  exec(sql: string): void;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sqlite = require('better-sqlite3') as new (path: string) => SqliteDatabase;

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

describe('unicodeLowerCase', () => {
  const cases: Array<[string, string]> = [
    ['ÜNÏCODE', 'ünïcode'],
    ['Éclair', 'éclair'],
    ['ЖУРНАЛ', 'журнал'],
    ['İSTANBUL', 'istanbul'],
    ['ΟΔΟΣ ΑΘΗΝΑΣ', 'οδοσ αθηνασ'],
    ['οδος', 'οδος'],
    ['ß SS ı', 'ß ss ı'],
    ['plain ASCII', 'plain ascii'],
  ];
  for (const [text, lowered] of cases) {
    it(`lowers ${text} to ${lowered}, letter by letter`, () => assert.equal(unicodeLowerCase(text), lowered));
  }
});

describe('prepareSqliteConnection', () => {
  let db: SqliteDatabase;

  before(() => {
    db = new Sqlite(':memory:');
    prepareSqliteConnection(db);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, big INTEGER, word TEXT)');
    for (const [big, word] of [
      [MAX, 'ÜNÏCODE'],
      [MIN, 'İSTANBUL'],
      [7, 'seven'],
    ] as const) {
      db.prepare('INSERT INTO t (big, word) VALUES (?, ?)').run(String(big), word);
    }
  });

  after(() => db.close());

  it('reads integers beyond 2^53 exactly, as BigInts, and the others as numbers', () => {
    assert.deepEqual(db.prepare('SELECT id, big FROM t ORDER BY id').all(), [
      { id: 1, big: MAX },
      { id: 2, big: MIN },
      { id: 3, big: 7 },
    ]);
    assert.deepEqual(db.prepare('SELECT id, big FROM t WHERE id = ?').get(2), { id: 2, big: MIN });
    assert.deepEqual([...db.prepare('SELECT big FROM t ORDER BY id').iterate()], [{ big: MAX }, { big: MIN }, { big: 7 }]);
    assert.deepEqual(db.prepare('SELECT id, big FROM t WHERE id = 1').raw().all(), [[1, MAX]]);
    assert.equal(db.prepare('SELECT big FROM t WHERE id = 3').pluck().get(), 7);
    assert.deepEqual(db.prepare('SELECT count(*) AS n, sum(big) AS total FROM t').get(), { n: 3, total: 6 });
  });

  it('leaves the statements that return no rows answering numbers', () => {
    const inserted = db.prepare('INSERT INTO t (big, word) VALUES (?, ?)').run(1, 'one');
    assert.equal(inserted.lastInsertRowid, 4);
  });

  it('registers a deterministic Unicode lowercase, which an expression index may use', () => {
    assert.deepEqual(db.prepare('SELECT word FROM t WHERE cairn_lower(word) LIKE cairn_lower(?) ORDER BY id').all('%ünï%'), [{ word: 'ÜNÏCODE' }]);
    assert.deepEqual(db.prepare('SELECT word FROM t WHERE cairn_lower(word) = ?').all('istanbul'), [{ word: 'İSTANBUL' }]);
    db.exec('CREATE INDEX t_word_lower ON t (cairn_lower(word))');
  });
});
