/** The parts of a better-sqlite3 statement that Cairn's connection setup touches. */
interface SqliteStatement {
  readonly reader: boolean;
  safeIntegers(toggle?: boolean): this;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** The parts of a better-sqlite3 connection that Cairn's connection setup touches. */
export interface SqliteConnection {
  pragma(source: string): unknown;
  prepare(sql: string): SqliteStatement;
  function(name: string, options: { deterministic: boolean }, implementation: (value: unknown) => unknown): unknown;
}

/**
 * The SQL name of Unicode lowercase on SQLite, whose own LOWER knows ASCII letters only. The
 * dialect's case-insensitive matches use it.
 */
export const SQLITE_UNICODE_LOWER = 'cairn_lower';

/**
 * Sets up the connection TypeORM opens, before it runs anything on it.
 *
 * - WAL lets readers go on while one writer commits; the busy timeout queues writers instead of failing them.
 * - Every statement that returns rows reads integers exactly: better-sqlite3 reads them as doubles,
 *   which round beyond 2^53, so a bigint column would answer a neighbour of its value. Integers a double
 *   holds exactly still come back as numbers; only those beyond come back as BigInts, which the value
 *   codec turns into the digits the API answers. Statements that return no rows are left alone (their
 *   `lastInsertRowid` would become a BigInt too, and TypeORM reads it).
 * - `cairn_lower` folds case as PostgreSQL's and MariaDB's LOWER do (see unicodeLowerCase). It is
 *   deterministic, so an expression index over it is possible.
 */
export function prepareSqliteConnection(db: SqliteConnection): void {
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  readIntegersExactly(db);
  db.function(SQLITE_UNICODE_LOWER, { deterministic: true }, (value) => (typeof value === 'string' ? unicodeLowerCase(value) : value));
}

function readIntegersExactly(db: SqliteConnection): void {
  const prepare = db.prepare.bind(db);
  db.prepare = (sql) => {
    const statement = prepare(sql);
    if (!statement.reader) return statement;
    statement.safeIntegers(true);
    const { all, get, iterate } = statement;
    statement.all = (...params) => all.apply(statement, params).map(withNumbers);
    statement.get = (...params) => withNumbers(get.apply(statement, params));
    statement.iterate = function* (...params) {
      for (const row of iterate.apply(statement, params)) yield withNumbers(row);
    };
    return statement;
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer as a number when a number holds it exactly; anything else as it is. */
function exactInteger(value: unknown): unknown {
  return typeof value === 'bigint' && value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/** A row (an object, or an array in raw mode) or a plucked value, its exact integers as numbers. */
function withNumbers(row: unknown): unknown {
  if (row === null || typeof row !== 'object') return exactInteger(row);
  const values = row as Record<string, unknown>;
  for (const key in values) {
    if (typeof values[key] === 'bigint') values[key] = exactInteger(values[key]);
  }
  return row;
}

/**
 * Lowercase, letter by letter, by Unicode's simple case mapping: what PostgreSQL's LOWER (under a
 * Unicode LC_CTYPE) and MariaDB's LOWER do, so the three databases fold case alike. JavaScript's toLowerCase
 * differs in two places: it turns 'İ' into two letters ('i' and a combining dot) where the others
 * give 'i', and lowers a word-final 'Σ' to 'ς' where the others give 'σ'.
 */
export function unicodeLowerCase(text: string): string {
  if (!/[İΣ]/.test(text)) return text.toLowerCase();
  return Array.from(text, (letter) => (letter === 'İ' ? 'i' : letter.toLowerCase())).join('');
}
