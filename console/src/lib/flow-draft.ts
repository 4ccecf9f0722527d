import type { Flow, FlowTrigger } from '../api/automation';

/**
 * A flow as the editor holds it: each operation's options as the text of its form's fields, turned back
 * into the API's options on save (docs/flows.md). Parsing is here, apart from the screen, so a mistake is
 * named by the operation and field it is in before anything is sent.
 */

export type OptionKind = 'text' | 'json' | 'value' | 'collection' | 'method' | 'handler';

export interface OptionForm {
  name: string;
  label: string;
  kind: OptionKind;
  required?: boolean;
  hint?: string;
  multiline?: boolean;
}

/** The form of each operation type, its options as src/modules/flows/operations/ check them. */
export const OPERATION_FORMS: Record<string, OptionForm[]> = {
  read_items: [
    { name: 'collection', label: 'Collection', kind: 'collection', required: true },
    { name: 'key', label: 'Key', kind: 'value', hint: 'The item’s key, or a template such as {{ $trigger.keys[0] }}; the result is the item, or null.' },
    { name: 'query', label: 'Query (JSON)', kind: 'json', hint: 'Instead of a key: {"filter": {…}, "sort": […], "limit": …, "fields": […]}; the result is the list found.' },
  ],
  create_item: [
    { name: 'collection', label: 'Collection', kind: 'collection', required: true },
    { name: 'payload', label: 'Values (JSON)', kind: 'json', required: true, hint: 'An object, or a list of objects; strings may hold {{ }} templates.' },
  ],
  update_item: [
    { name: 'collection', label: 'Collection', kind: 'collection', required: true },
    { name: 'key', label: 'Key', kind: 'value', hint: 'The item’s key, a list of keys in JSON, or a template such as {{ $trigger.keys[0] }}.' },
    { name: 'query', label: 'Query (JSON)', kind: 'json', hint: 'Instead of a key: {"filter": {…}, "limit": …}; every item it finds is updated.' },
    { name: 'payload', label: 'Values (JSON)', kind: 'json', required: true },
  ],
  delete_item: [
    { name: 'collection', label: 'Collection', kind: 'collection', required: true },
    { name: 'key', label: 'Key', kind: 'value', required: true, hint: 'The item’s key, a list of keys in JSON, or a template.' },
  ],
  request: [
    { name: 'method', label: 'Method', kind: 'method' },
    { name: 'url', label: 'URL', kind: 'text', required: true },
    { name: 'headers', label: 'Headers (JSON)', kind: 'json' },
    { name: 'body', label: 'Body (JSON)', kind: 'json' },
  ],
  condition: [
    {
      name: 'filter',
      label: 'Condition (JSON filter)',
      kind: 'json',
      required: true,
      hint: 'A filter on the run’s data, e.g. {"$trigger": {"body": {"amount": {"_gt": 100}}}}; or build a change from one value to another below.',
    },
  ],
  log: [{ name: 'message', label: 'Message', kind: 'text', required: true, multiline: true }],
  handler: [
    { name: 'handler', label: 'Handler', kind: 'handler', required: true },
    { name: 'input', label: 'Input (JSON)', kind: 'json', hint: 'What the handler reads as ctx.flow.input.' },
  ],
};

export const OPERATION_TYPES = Object.keys(OPERATION_FORMS);
export const REQUEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface OperationDraft {
  key: string;
  type: string;
  next: string | null;
  otherwise: string | null;
  /** The text of each option's field, by option name. */
  fields: Record<string, string>;
}

export interface OperationLike {
  key: string;
  type: string;
  options: Record<string, unknown>;
  next: string | null;
  otherwise: string | null;
}

/** An option's value as its field shows it. */
function textOf(kind: OptionKind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'json') return JSON.stringify(value, null, 2);
  if (kind === 'value') return typeof value === 'string' ? value : JSON.stringify(value);
  return String(value);
}

export function draftOf(operation: OperationLike): OperationDraft {
  const forms = OPERATION_FORMS[operation.type] ?? [];
  const fields = Object.fromEntries(forms.map((form) => [form.name, textOf(form.kind, operation.options[form.name])]));
  return { key: operation.key, type: operation.type, next: operation.next, otherwise: operation.otherwise, fields };
}

/** A failure to read a field, naming the operation and the field. */
export class DraftError extends Error {}

/** A key field: a number or a list in JSON is taken as such; anything else (a template, a uuid) as text. */
function keyValue(text: string): unknown {
  if (/^-?\d+$/.test(text) || text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: sent as written, and the server says what is wrong with it.
    }
  }
  return text;
}

/** The API's options of an operation; throws a DraftError for a required field left empty or JSON that does not parse. */
export function optionsOf(draft: OperationDraft): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const form of OPERATION_FORMS[draft.type] ?? []) {
    const text = (draft.fields[form.name] ?? '').trim();
    if (text === '') {
      if (form.required) throw new DraftError(`Operation "${draft.key}": ${form.label} is required.`);
      continue;
    }
    if (form.kind === 'json') {
      try {
        options[form.name] = JSON.parse(text) as unknown;
      } catch (error) {
        throw new DraftError(`Operation "${draft.key}": ${form.label} is not valid JSON (${(error as Error).message}).`);
      }
    } else if (form.kind === 'value') {
      options[form.name] = keyValue(text);
    } else {
      options[form.name] = form.kind === 'text' ? (draft.fields[form.name] ?? '') : text;
    }
  }
  return options;
}

/**
 * The operations in the order a run meets them: from `first` along `next` (and a condition's
 * `otherwise`), then any the chain does not reach, as they came.
 */
export function chainOrder<T extends { key: string; next: string | null; otherwise: string | null }>(operations: T[], first: string): T[] {
  const byKey = new Map(operations.map((operation) => [operation.key, operation]));
  const ordered: T[] = [];
  const seen = new Set<string>();
  const visit = (key: string | null) => {
    if (key === null || seen.has(key) || !byKey.has(key)) return;
    seen.add(key);
    const operation = byKey.get(key)!;
    ordered.push(operation);
    visit(operation.next);
    visit(operation.otherwise);
  };
  visit(first);
  return [...ordered, ...operations.filter((operation) => !seen.has(operation.key))];
}

/** A key for a new operation of `type` that no other operation has. */
export function freshKey(type: string, taken: string[]): string {
  for (let n = 1; ; n++) {
    const key = `${type}_${n}`;
    if (!taken.includes(key)) return key;
  }
}

/**
 * A condition that holds when an update changed `field` from one value to another: the item before it
 * (`$trigger.before`) had `from`, the item after it (`$trigger.item`) has `to` (docs/flows.md, "When a
 * value changes from one state to another"). Values are compared as the condition compares them: a
 * number meets its text.
 */
export function changedFromTo(field: string, from: string, to: string): Record<string, unknown> {
  return { $trigger: { before: { [field]: { _eq: from } }, item: { [field]: { _eq: to } } } };
}

/** A trigger as its form holds it: the filters as JSON text, the fields of every kind kept while switching. */
export interface TriggerDraft {
  type: FlowTrigger['type'];
  collections: string[];
  events: NonNullable<FlowTrigger['events']>;
  filter: string;
  /** What an updated item must have matched before the update; sent only for a trigger on updates alone. */
  beforeFilter: string;
  cron: string;
}

/** Whether the trigger takes a before filter: an event trigger on updates only. */
export function takesBeforeFilter(draft: TriggerDraft): boolean {
  return draft.type === 'event' && draft.events.length === 1 && draft.events[0] === 'update';
}

export function triggerDraftOf(trigger: Flow['trigger'] | undefined): TriggerDraft {
  return {
    type: (trigger?.type as FlowTrigger['type'] | undefined) ?? 'manual',
    collections: (trigger?.collections as string[] | undefined) ?? [],
    events: (trigger?.events as TriggerDraft['events'] | undefined) ?? ['create', 'update', 'delete'],
    filter: trigger?.filter ? JSON.stringify(trigger.filter, null, 2) : '',
    beforeFilter: trigger?.before_filter ? JSON.stringify(trigger.before_filter, null, 2) : '',
    cron: (trigger?.cron as string | undefined) ?? '',
  };
}

/** A filter field's JSON, or undefined when it is empty; throws a DraftError naming it when it does not parse. */
function filterOf(text: string, name: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new DraftError(`The trigger's ${name} is not valid JSON (${(error as Error).message}).`);
  }
}

/** The API's trigger; throws a DraftError when a filter's JSON does not parse. */
export function triggerOf(draft: TriggerDraft): FlowTrigger {
  if (draft.type === 'schedule') return { type: 'schedule', cron: draft.cron };
  if (draft.type === 'manual') return { type: 'manual' };
  const filter = filterOf(draft.filter, 'filter');
  const before = takesBeforeFilter(draft) ? filterOf(draft.beforeFilter, 'before filter') : undefined;
  return { type: 'event', collections: draft.collections, events: draft.events, ...(filter ? { filter } : {}), ...(before ? { before_filter: before } : {}) };
}
