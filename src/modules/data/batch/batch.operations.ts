import { AppError, invalidPayload } from '../../../common/errors/app-error';

/**
 * `POST /batch`'s body as a list of operations, checked whole before any of them runs: its shape, its
 * size, and every `$ref`, which may name only an earlier operation. What an operation's values mean is
 * left to the items door, which checks them as it checks a single request's.
 */

export const BATCH_ACTIONS = ['create', 'update', 'delete'] as const;
export type BatchAction = (typeof BATCH_ACTIONS)[number];

/** One operation as the client gave it; `key` and `data` may still hold references. */
export interface BatchOperation {
  collection: string;
  action: BatchAction;
  key?: unknown;
  data?: Record<string, unknown>;
}

/** What an operation answers: its item as the caller may read it (null when it may read none of it, or for a delete). */
export type OperationResult = Record<string, unknown> | null;

/** A `{"$ref": ...}` read: the operation it names, and the path to a field of that operation's result (empty: its key). */
interface Reference {
  operation: number;
  path: string[];
}

const OPERATION_PROPERTIES = new Set(['collection', 'action', 'key', 'data']);
const REFERENCE = /^(0|[1-9]\d*)(?:\.(.+))?$/;

/** A failure of operation `index`: the contract's error with the operation's index beside the field it names. */
export function operationError(index: number, message: string, field: string): AppError {
  const error = invalidPayload(`Operation ${index}: ${message}`, field);
  error.extensions.operation = index;
  return error;
}

/** Reads the body of `POST /batch` into its operations, refusing a malformed one with 400 naming where (`operations.N.…`). */
export function parseBatch(body: unknown, maxOperations: number): BatchOperation[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidPayload('Invalid payload: a batch is an object {"operations": [...]}.');
  for (const name of Object.keys(body)) if (name !== 'operations') throw invalidPayload(`Invalid payload: a batch has only "operations"; "${name}" is not known.`, name);
  const { operations } = body as { operations?: unknown };
  if (!Array.isArray(operations)) throw invalidPayload('Invalid payload: "operations" must be a list of operations.', 'operations');
  if (operations.length === 0) throw invalidPayload('Invalid payload: the batch has no operations.', 'operations');
  if (operations.length > maxOperations) throw invalidPayload(`Invalid payload: a batch may hold at most ${maxOperations} operations; this one holds ${operations.length}.`, 'operations');
  return operations.map((operation, index) => parseOperation(operation, index));
}

function parseOperation(input: unknown, index: number): BatchOperation {
  const at = `operations.${index}`;
  const fail = (message: string, field: string) => operationError(index, message, field);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw fail('an operation is an object {"collection", "action", "key"?, "data"?}.', at);
  const operation = input as Record<string, unknown>;
  for (const name of Object.keys(operation)) if (!OPERATION_PROPERTIES.has(name)) throw fail(`"${name}" is not a property of an operation.`, `${at}.${name}`);
  const { collection, action, key, data } = operation;
  if (typeof collection !== 'string' || collection === '') throw fail('"collection" must name a collection.', `${at}.collection`);
  if (!(BATCH_ACTIONS as readonly unknown[]).includes(action)) throw fail(`"action" must be one of ${BATCH_ACTIONS.join(', ')}.`, `${at}.action`);
  const act = action as BatchAction;
  if (act === 'create' && key !== undefined) throw fail('a create takes no "key": give the primary key in "data" to choose it.', `${at}.key`);
  if (act !== 'create' && (key === undefined || key === null)) throw fail(`an ${act} needs the "key" of its item.`, `${at}.key`);
  if (act === 'delete' && data !== undefined) throw fail('a delete takes no "data".', `${at}.data`);
  if (act !== 'delete' && (typeof data !== 'object' || data === null || Array.isArray(data))) throw fail(`a${act === 'update' ? 'n' : ''} ${act} needs "data", an object of the item's values.`, `${at}.data`);
  for (const [value, where] of [[key, `${at}.key`], [data, `${at}.data`]] as const) {
    forEachReference(value, where, index, (reference, path) => {
      if (reference.operation >= index) throw fail(`${path} refers to operation ${reference.operation}, which does not come before it: a $ref may name only an earlier operation.`, path);
    });
  }
  return { collection, action: act, key, data: data as Record<string, unknown> | undefined };
}

/**
 * Replaces every `{"$ref": ...}` in a value by what it names in the results so far: the key of an
 * earlier operation's item (`"$ref": 2`), or a field of it (`"$ref": "2.title"`, `"2.author.id"`).
 * A result without that field, as the caller may read it, is 400 naming where the reference is.
 */
export function resolveReferences(value: unknown, where: string, results: OperationResult[], keyFields: string[], index: number): unknown {
  if (Array.isArray(value)) return value.map((item, position) => resolveReferences(item, `${where}.${position}`, results, keyFields, index));
  if (typeof value !== 'object' || value === null) return value;
  const reference = referenceIn(value, where, index);
  if (reference) return referred(reference, where, results, keyFields, index);
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, resolveReferences(item, `${where}.${name}`, results, keyFields, index)]));
}

function referred(reference: Reference, where: string, results: OperationResult[], keyFields: string[], index: number): unknown {
  const path = reference.path.length > 0 ? reference.path : [keyFields[reference.operation]];
  let found: unknown = results[reference.operation];
  for (const name of path) {
    found = typeof found === 'object' && found !== null && !Array.isArray(found) && Object.hasOwn(found, name) ? (found as Record<string, unknown>)[name] : undefined;
    if (found === undefined) break;
  }
  if (found === undefined) {
    const what = reference.path.length > 0 ? `the field "${path.join('.')}"` : 'its key';
    const why = results[reference.operation] === null ? 'which answered no item the caller may read (a delete answers none)' : `whose result, as the caller may read it, has no ${what}`;
    throw operationError(index, `${where} refers to ${what} of operation ${reference.operation}, ${why}.`, where);
  }
  return found;
}

/**
 * Calls `found` for each reference in a value of operation `index`, with where it is. Recursion is safe
 * here: a JSON body deeper than MAX_JSON_NESTING is refused when it is read.
 */
function forEachReference(value: unknown, where: string, index: number, found: (reference: Reference, where: string) => void): void {
  if (Array.isArray(value)) return value.forEach((item, position) => forEachReference(item, `${where}.${position}`, index, found));
  if (typeof value !== 'object' || value === null) return;
  const reference = referenceIn(value, where, index);
  if (reference) return found(reference, where);
  for (const [name, item] of Object.entries(value)) forEachReference(item, `${where}.${name}`, index, found);
}

/**
 * The reference an object is, if it is one: an object whose only property is `$ref`, holding an
 * operation's index or `"index.field"`. Within a batch such an object is always a reference, even in a
 * JSON field's value; any other `$ref` value is 400.
 */
function referenceIn(value: object, where: string, index: number): Reference | null {
  const names = Object.keys(value);
  if (names.length !== 1 || names[0] !== '$ref') return null;
  const ref = (value as { $ref: unknown }).$ref;
  if (typeof ref === 'number' && Number.isSafeInteger(ref) && ref >= 0) return { operation: ref, path: [] };
  const match = typeof ref === 'string' ? REFERENCE.exec(ref) : null;
  if (!match) throw operationError(index, `${where}: a $ref is an earlier operation's index (2) or a field of its result ("2.title").`, `${where}.$ref`);
  return { operation: Number(match[1]), path: match[2] ? match[2].split('.') : [] };
}
