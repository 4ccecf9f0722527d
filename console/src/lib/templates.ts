/**
 * What a flow's `{{ … }}` templates can read at one operation (docs/flows.md, "Templates"): the trigger's
 * shape, `$last`, and the results of the operations before it. The editor offers these paths while the
 * user types inside `{{`, so they need not remember the shape of `$trigger` or a step's result.
 */

export interface TemplateField {
  field: string;
}

export interface TemplateCollection {
  collection: string;
  fields: TemplateField[];
}

export type TriggerShape =
  | { type: 'event'; collections: string[] }
  | { type: 'schedule' }
  | { type: 'manual' };

export interface OperationShape {
  key: string;
  type: string;
  options: Record<string, unknown>;
}

/** The fields of the named collections, each once, in the order the collections list them. */
function fieldsOf(names: string[], collections: TemplateCollection[]): string[] {
  const fields = new Set<string>();
  for (const name of names) for (const field of collections.find((c) => c.collection === name)?.fields ?? []) fields.add(field.field);
  return [...fields];
}

/** The paths `$trigger` holds for a trigger of this kind (docs/flows.md's table of templates). */
export function triggerPaths(trigger: TriggerShape, collections: TemplateCollection[]): string[] {
  switch (trigger.type) {
    case 'event': {
      const fields = fieldsOf(trigger.collections, collections);
      return [
        '$trigger.event',
        '$trigger.collection',
        '$trigger.keys',
        '$trigger.keys[0]',
        '$trigger.changed',
        '$trigger.payload',
        ...fields.map((field) => `$trigger.payload.${field}`),
        // The item after a create or update, and before an update or delete (a change of one item).
        '$trigger.item',
        ...fields.map((field) => `$trigger.item.${field}`),
        '$trigger.before',
        ...fields.map((field) => `$trigger.before.${field}`),
      ];
    }
    case 'schedule':
      return ['$trigger.scheduled_for'];
    case 'manual':
      return ['$trigger.body'];
  }
}

/**
 * The paths of what an operation gives, under `root` (its key, or `$last`): an item's fields for the item
 * operations, a request's status and data, a condition's verdict; a handler's result is its own.
 */
export function resultPaths(root: string, operation: OperationShape, collections: TemplateCollection[]): string[] {
  const collection = typeof operation.options.collection === 'string' ? operation.options.collection : '';
  switch (operation.type) {
    case 'create_item':
      return [root, ...fieldsOf([collection], collections).map((field) => `${root}.${field}`)];
    case 'read_items':
      // By key the result is the item (or null); by query, the list of items found.
      return 'query' in operation.options
        ? [root, `${root}[0]`, ...fieldsOf([collection], collections).map((field) => `${root}[0].${field}`)]
        : [root, ...fieldsOf([collection], collections).map((field) => `${root}.${field}`)];
    case 'update_item':
      // By key the result is the item; by query it is the list of items updated.
      return 'query' in operation.options
        ? [root, `${root}[0]`, ...fieldsOf([collection], collections).map((field) => `${root}[0].${field}`)]
        : [root, ...fieldsOf([collection], collections).map((field) => `${root}.${field}`)];
    case 'delete_item':
      return [root, `${root}.keys`];
    case 'request':
      return [root, `${root}.status`, `${root}.data`];
    case 'condition':
      return [root, `${root}.passed`];
    case 'log':
      return [root, `${root}.message`];
    default:
      return [root];
  }
}

/** Every path the operation at `index` can read: the trigger's, then `$last`, then each earlier step's. */
export function templatePaths(trigger: TriggerShape, operations: OperationShape[], index: number, collections: TemplateCollection[]): string[] {
  const before = operations.slice(0, index);
  const last = before.at(-1);
  return [
    ...triggerPaths(trigger, collections),
    '$NOW',
    '$NOW(-1 day)',
    ...(last ? resultPaths('$last', last, collections) : []),
    ...before.flatMap((operation) => resultPaths(operation.key, operation, collections)),
  ];
}

/** The template being typed at `cursor`: where its path starts and what of it is typed, or null outside `{{ }}`. */
export function openTemplateAt(text: string, cursor: number): { start: number; typed: string } | null {
  const before = text.slice(0, cursor);
  const open = before.lastIndexOf('{{');
  if (open === -1 || before.indexOf('}}', open) !== -1) return null;
  const inside = before.slice(open + 2);
  const typed = inside.trimStart();
  if (/\s/.test(typed)) return null;
  return { start: cursor - typed.length, typed };
}

/** The paths that continue what is typed, the closest first; at most `limit`. */
export function suggestPaths(paths: string[], typed: string, limit = 12): string[] {
  const lower = typed.toLowerCase();
  const matching = [...new Set(paths)].filter((path) => path.toLowerCase().includes(lower) && path !== typed);
  matching.sort((a, b) => Number(!a.toLowerCase().startsWith(lower)) - Number(!b.toLowerCase().startsWith(lower)));
  return matching.slice(0, limit);
}

/** Puts `path` in place of what was typed of the open template, closing it when it is not closed yet. */
export function insertPath(text: string, cursor: number, path: string): { text: string; cursor: number } | null {
  const open = openTemplateAt(text, cursor);
  if (!open) return null;
  // The rest of a path the cursor is inside is replaced too.
  const after = text.slice(cursor).replace(/^[^\s}]*/, '');
  const closed = /^\s*}}/.test(after);
  const insert = closed ? path : `${path} }}`;
  const next = text.slice(0, open.start) + insert + after;
  return { text: next, cursor: open.start + insert.length };
}
