import { invalidPayload } from '../../common/errors/app-error';
import { SYSTEM_FIELD_NAMES } from './system-fields';

/** Collection and field names: lowercase identifiers that every database accepts unquoted. */
const IDENTIFIER = /^[a-z][a-z0-9_]*$/;
export const MAX_NAME_LENGTH = 48;

/**
 * Words that are reserved in at least one of the three databases, or that the query language uses.
 * Names are always quoted in SQL, but refusing these spares clients surprises in other tools.
 */
const RESERVED = new Set([
  'all', 'alter', 'and', 'any', 'as', 'asc', 'between', 'by', 'case', 'cast', 'check', 'collate', 'column', 'constraint', 'create',
  'cross', 'current_date', 'current_time', 'current_timestamp', 'current_user', 'default', 'delete', 'desc', 'distinct', 'drop',
  'else', 'end', 'except', 'exists', 'false', 'fetch', 'for', 'foreign', 'from', 'full', 'grant', 'group', 'having', 'in', 'index',
  'inner', 'insert', 'intersect', 'into', 'is', 'join', 'key', 'left', 'like', 'limit', 'not', 'null', 'offset', 'on', 'or', 'order',
  'outer', 'primary', 'references', 'right', 'row', 'rows', 'select', 'session_user', 'set', 'table', 'then', 'to', 'true', 'union',
  'unique', 'update', 'user', 'using', 'values', 'when', 'where', 'window', 'with',
  // Query-language parameters: a field with one of these names could not be filtered by shorthand.
  'fields', 'filter', 'sort', 'page', 'search', 'meta', 'aggregate', 'groupby', 'deep', 'access_token',
]);

function checkIdentifier(kind: 'collection' | 'field', name: unknown, payloadField: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw invalidPayload(`Invalid payload: a ${kind} name must start with a lowercase letter and hold only lowercase letters, digits and underscores.`, payloadField);
  }
  if (name.length > MAX_NAME_LENGTH) throw invalidPayload(`Invalid payload: a ${kind} name may have at most ${MAX_NAME_LENGTH} characters.`, payloadField);
  if (RESERVED.has(name)) throw invalidPayload(`Invalid payload: "${name}" is a reserved word and cannot name a ${kind}.`, payloadField);
  if (name.startsWith('cairn_')) throw invalidPayload(`Invalid payload: names starting with "cairn_" are reserved.`, payloadField);
  // `<connection>__<table>` names the tables that external connections serve.
  if (kind === 'collection' && name.includes('__')) throw invalidPayload('Invalid payload: "__" in a collection name is reserved for the tables of external connections.', payloadField);
  return name;
}

/** Collections Cairn serves itself, whose names policies use: a workspace cannot make its own. */
const SYSTEM_COLLECTIONS = new Set(['files', 'folders']);

export function checkCollectionName(name: unknown, payloadField = 'collection'): string {
  return checkIdentifier('collection', name, payloadField);
}

/** The name of a collection to create: also not one of the system collections' names. */
export function checkNewCollectionName(name: unknown, payloadField = 'collection'): string {
  const checked = checkCollectionName(name, payloadField);
  if (SYSTEM_COLLECTIONS.has(checked)) throw invalidPayload(`Invalid payload: "${checked}" is the name of a system collection.`, payloadField);
  return checked;
}

export function checkFieldName(name: unknown, payloadField = 'field'): string {
  const checked = checkIdentifier('field', name, payloadField);
  if ((SYSTEM_FIELD_NAMES as readonly string[]).includes(checked)) {
    throw invalidPayload(`Invalid payload: "${checked}" is a system field of every collection.`, payloadField);
  }
  return checked;
}

/** The real table of a collection: prefixed with the workspace, so two workspaces can both have `posts`. */
export function tableNameFor(workspaceId: string, collection: string): string {
  return `cw_${workspaceId.replace(/-/g, '').slice(0, 10)}_${collection}`;
}
