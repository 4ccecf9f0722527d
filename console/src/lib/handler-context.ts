/**
 * What the handler editor offers after `ctx.`: the handler's context, typed from the workspace's live
 * schema — the collections `items()` takes, the methods it answers, the fields of a collection where an
 * item is written or an event's payload is read. Pure: the editor asks with the text before the cursor.
 */

export type HandlerKind = 'before' | 'after' | 'endpoint';

/** A collection as completion needs it: its name and its fields. */
export interface SchemaCollection {
  collection: string;
  fields: Array<{ field: string; type: string }>;
}

export interface Suggestion {
  label: string;
  type: 'property' | 'method' | 'function' | 'constant' | 'variable';
  detail?: string;
  info?: string;
}

export interface Completion {
  /** Where the word being completed starts, as an offset into the text given. */
  from: number;
  options: Suggestion[];
}

export const ITEMS_METHODS: Suggestion[] = [
  { label: 'readByQuery', type: 'method', detail: '(query?) → items[]', info: 'The items a query finds, as the caller may read them: { filter, fields, sort, limit, offset }.' },
  { label: 'readOne', type: 'method', detail: '(id, query?) → item', info: 'One item by its key; 404 when it does not exist or the caller may not see it.' },
  { label: 'createOne', type: 'method', detail: '(data) → item', info: 'Creates an item, validated and held to the caller’s policies.' },
  { label: 'updateOne', type: 'method', detail: '(id, data) → item', info: 'Changes an item’s fields.' },
  { label: 'deleteOne', type: 'method', detail: '(id) → null', info: 'Deletes an item.' },
];

const REQUEST: Suggestion[] = [
  { label: 'method', type: 'property', detail: 'string' },
  { label: 'path', type: 'property', detail: 'string', info: 'The path under /custom.' },
  { label: 'params', type: 'property', detail: 'Record<string, string>', info: 'The :params of the endpoint’s path.' },
  { label: 'query', type: 'property', detail: 'object' },
  { label: 'body', type: 'property', detail: 'JSON' },
  { label: 'headers', type: 'property', detail: 'Record<string, string>', info: 'Without credentials.' },
];

const EVENT: Suggestion[] = [
  { label: 'action', type: 'property', detail: "'create' | 'update' | 'delete'" },
  { label: 'collection', type: 'property', detail: 'string' },
  { label: 'keys', type: 'property', detail: 'unknown[]', info: 'The keys of the items written (update, delete).' },
  { label: 'payload', type: 'property', detail: 'object | null', info: 'The values written; a before hook may answer a new payload.' },
];

const PRINCIPAL: Suggestion[] = [
  { label: 'kind', type: 'property', detail: "'user' | 'api_key' | 'app_user' | 'anonymous' | 'flow'" },
  { label: 'id', type: 'property', detail: 'string | null' },
  { label: 'role', type: 'property', detail: 'string' },
  { label: 'email', type: 'property', detail: 'string | null' },
];

const HANDLER: Suggestion[] = [
  { label: 'id', type: 'property', detail: 'string' },
  { label: 'name', type: 'property', detail: 'string' },
  { label: 'kind', type: 'property', detail: "'before' | 'after' | 'endpoint'" },
];

/** The members of `ctx` for a handler of this kind. */
export function contextMembers(kind: HandlerKind): Suggestion[] {
  return [
    kind === 'endpoint' ? { label: 'request', type: 'property', detail: '{ method, path, params, query, body, headers }', info: 'The request the endpoint answers.' } : { label: 'event', type: 'property', detail: '{ action, collection, keys, payload }', info: 'The write that runs the hook.' },
    { label: 'items', type: 'function', detail: '(collection) → { readByQuery, readOne, createOne, updateOne, deleteOne }', info: 'A collection’s items, as the caller may read and write them.' },
    { label: 'log', type: 'function', detail: '(...values)', info: 'A line of the run’s log (100 lines of 1000 characters at most).' },
    { label: 'principal', type: 'property', detail: '{ kind, id, role, email }', info: 'Who made the request.' },
    { label: 'handler', type: 'property', detail: '{ id, name, kind }' },
    { label: 'flow', type: 'property', detail: '{ id, input }', info: 'Set when a flow’s handler operation runs it.' },
  ];
}

const fieldsOf = (schema: SchemaCollection[], name: string | undefined): Suggestion[] =>
  (schema.find((c) => c.collection === name)?.fields ?? []).map((f) => ({ label: f.field, type: 'property', detail: f.type }));

/** `name = ctx.items('orders')` (or `items('orders')`) earlier in the code: which collection each name holds. */
export function itemsVariables(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of text.matchAll(/\b([A-Za-z_$][\w$]*)\s*=\s*(?:ctx\s*\.\s*)?items\(\s*['"`]([^'"`]+)['"`]\s*\)/g)) found.set(match[1], match[2]);
  return found;
}

/**
 * What to offer at the end of `before` (the code up to the cursor), or null when nothing is known there.
 * `collection` is a hook's own collection, whose fields `ctx.event.payload.` offers.
 */
export function completeHandler(before: string, schema: SchemaCollection[], kind: HandlerKind, collection?: string | null): Completion | null {
  const word = /[\w$]*$/.exec(before)![0];
  const from = before.length - word.length;
  const ahead = before.slice(0, from);

  // items('… : the collections.
  const quoted = /items\(\s*(['"`])([^'"`]*)$/.exec(before);
  if (quoted) return { from: before.length - quoted[2].length, options: schema.map((c) => ({ label: c.collection, type: 'constant', detail: `${c.fields.length} fields` })) };

  // items('orders').createOne({ to|  or  orders.updateOne(id, { to| : the collection's fields, as keys.
  const written = /(?:items\(\s*['"`]([^'"`]+)['"`]\s*\)|\b([A-Za-z_$][\w$]*))\s*\.\s*(?:createOne|updateOne)\(([^()]*)$/.exec(ahead);
  if (written && /\{[^}]*$/.test(written[3]) && /[{,]\s*$/.test(ahead)) {
    const name = written[1] ?? itemsVariables(before).get(written[2]);
    if (name) return { from, options: fieldsOf(schema, name) };
  }

  if (!/\.\s*$/.test(ahead)) return null;
  const chain = ahead.replace(/\s*\.\s*$/, '');
  if (/\bctx$/.test(chain)) return { from, options: contextMembers(kind) };
  if (/\bctx\s*\.\s*request$/.test(chain)) return { from, options: REQUEST };
  if (/\bctx\s*\.\s*event$/.test(chain)) return { from, options: EVENT };
  if (/\bctx\s*\.\s*event\s*\.\s*payload$/.test(chain)) return { from, options: fieldsOf(schema, collection ?? undefined) };
  if (/\bctx\s*\.\s*principal$/.test(chain)) return { from, options: PRINCIPAL };
  if (/\bctx\s*\.\s*handler$/.test(chain)) return { from, options: HANDLER };
  if (/items\(\s*['"`][^'"`]+['"`]\s*\)$/.test(chain)) return { from, options: ITEMS_METHODS };
  const variable = /\b([A-Za-z_$][\w$]*)$/.exec(chain)?.[1];
  if (variable && itemsVariables(before).has(variable)) return { from, options: ITEMS_METHODS };
  return null;
}

/** A line and column (from 1, as the server names a compile error) as an offset into the text, within it. */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  const row = Math.min(Math.max(line, 1), lines.length);
  let offset = 0;
  for (let i = 0; i < row - 1; i++) offset += lines[i].length + 1;
  return offset + Math.min(Math.max(column - 1, 0), lines[row - 1].length);
}

/** Where a handler runs, in a few words: `before create, update on orders`, or `GET /custom/orders/:id`. */
export function handlerTrigger(handler: { kind: HandlerKind; collection: string | null; events: string[] | null; method: string | null; path: string | null }): string {
  if (handler.kind === 'endpoint') return `${handler.method} /custom${handler.path === '/' ? '' : handler.path}`;
  return `${handler.kind} ${(handler.events ?? ['create', 'update', 'delete']).join(', ')} on ${handler.collection}`;
}

/** The code a new handler starts with: what its kind receives and answers. */
export function starterCode(kind: HandlerKind): string {
  if (kind === 'endpoint') return "module.exports = async (ctx) => {\n  ctx.log('called by', ctx.principal.kind);\n  return { hello: ctx.request.params };\n};\n";
  if (kind === 'before') return '// Answer a new payload to change the write, nothing to keep it, or throw { status: 422, message } to refuse it.\nmodule.exports = async (ctx) => {\n  return ctx.event.payload;\n};\n';
  return "// Runs once the write is committed; its result is only logged.\nmodule.exports = async (ctx) => {\n  ctx.log(ctx.event.action, ctx.event.keys);\n};\n";
}
