/** What a database driver's error means for the client, whichever of the three drivers raised it. */
export type DatabaseFailure = 'unique_violation' | 'foreign_key_violation' | 'out_of_range' | 'unavailable' | 'stale_statement' | 'other';

const UNIQUE_CODES = new Set(['23505', 'ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const FOREIGN_KEY_CODES = new Set(['23503', 'ER_ROW_IS_REFERENCED_2', 'ER_NO_REFERENCED_ROW_2', 'SQLITE_CONSTRAINT_FOREIGNKEY']);
/** A number beyond what its type holds: PostgreSQL's numeric_value_out_of_range, MySQL's DOUBLE out of range. */
const OUT_OF_RANGE_CODES = new Set(['22003', 'ER_DATA_OUT_OF_RANGE']);
/** Network errors, PostgreSQL's connection-exception and shutdown classes, MySQL's lost connections. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'PROTOCOL_SEQUENCE_TIMEOUT', 'SQLITE_BUSY', 'SQLITE_CANTOPEN',
]);
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /connection lost/i,
  /connection is in closed state/i,
  /pool is closed/i,
  /client has encountered a connection error/i,
  /cannot enqueue .* after fatal error/i,
  /connect etimedout/i,
  /the database connection is not open/i,
];

/** PostgreSQL's answer to a prepared statement whose table changed the shape of its result (SQLSTATE 0A000). */
export function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));
}

export function classifyDatabaseError(error: unknown): DatabaseFailure {
  for (const candidate of [error, (error as { driverError?: unknown })?.driverError]) {
    if (!candidate || typeof candidate !== 'object') continue;
    const code = String((candidate as { code?: unknown }).code ?? '');
    if (UNIQUE_CODES.has(code)) return 'unique_violation';
    if (FOREIGN_KEY_CODES.has(code)) return 'foreign_key_violation';
    const message = String((candidate as { message?: unknown }).message ?? '');
    // SQLite reports a RESTRICT action's refusal as a trigger's.
    if (code === 'SQLITE_CONSTRAINT_TRIGGER' && /FOREIGN KEY constraint failed/.test(message)) return 'foreign_key_violation';
    if (OUT_OF_RANGE_CODES.has(code)) return 'out_of_range';
    if (isStalePlan(candidate)) return 'stale_statement';
    if (UNAVAILABLE_CODES.has(code)) return 'unavailable';
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return 'unavailable';
  }
  return 'other';
}
