import { describe, expect, it } from 'vitest';
import { chainOrder, changedFromTo, DraftError, draftOf, freshKey, optionsOf, triggerDraftOf, triggerOf } from './flow-draft';

describe('flow drafts', () => {
  it('round-trips an operation through its form', () => {
    const operation = { key: 'make', type: 'create_item', options: { collection: 'tasks', payload: { label: 'Review {{ $trigger.payload.title }}' } }, next: 'note', otherwise: null };
    const draft = draftOf(operation);
    expect(draft.fields.payload).toContain('"label"');
    expect(optionsOf(draft)).toEqual(operation.options);
  });

  it('reads a key as a number, a list or a template', () => {
    const read = (key: string) => optionsOf({ key: 'gone', type: 'delete_item', next: null, otherwise: null, fields: { collection: 'tasks', key } }).key;
    expect(read('7')).toBe(7);
    expect(read('[1, 2]')).toEqual([1, 2]);
    expect(read('{{ $trigger.keys[0] }}')).toBe('{{ $trigger.keys[0] }}');
  });

  it('leaves out empty optional options and names a bad field', () => {
    const draft = { key: 'call', type: 'request', next: null, otherwise: null, fields: { method: 'POST', url: 'https://example.com', headers: '', body: '{"a": ' } };
    expect(() => optionsOf(draft)).toThrow(DraftError);
    expect(() => optionsOf(draft)).toThrow(/Operation "call": Body \(JSON\) is not valid JSON/);
    expect(optionsOf({ ...draft, fields: { ...draft.fields, body: '' } })).toEqual({ method: 'POST', url: 'https://example.com' });
    expect(() => optionsOf({ ...draft, fields: { url: '' } })).toThrow('Operation "call": URL is required.');
  });

  it('orders the operations as a run meets them', () => {
    const op = (key: string, next: string | null, otherwise: string | null = null) => ({ key, next, otherwise });
    const ordered = chainOrder([op('note', null), op('alert', null), op('lost', null), op('check', 'alert', 'note')], 'check');
    expect(ordered.map((o) => o.key)).toEqual(['check', 'alert', 'note', 'lost']);
  });

  it('round-trips a read_items step by key and by query', () => {
    const byKey = { key: 'post', type: 'read_items', options: { collection: 'posts', key: '{{ $trigger.keys[0] }}' }, next: null, otherwise: null };
    expect(optionsOf(draftOf(byKey))).toEqual(byKey.options);
    const byQuery = { ...byKey, options: { collection: 'posts', query: { filter: { status: { _eq: 'draft' } }, limit: 5 } } };
    expect(optionsOf(draftOf(byQuery))).toEqual(byQuery.options);
  });

  it('builds the condition of a change from one value to another', () => {
    expect(changedFromTo('status', 'draft', 'published')).toEqual({ $trigger: { before: { status: { _eq: 'draft' } }, item: { status: { _eq: 'published' } } } });
  });

  it('makes a key no operation has', () => {
    expect(freshKey('log', ['log_1', 'log_2'])).toBe('log_3');
  });
});

describe('trigger drafts', () => {
  it('reads an event trigger with its filter, and a new flow as manual', () => {
    const draft = triggerDraftOf({ type: 'event', collections: ['posts'], events: ['create'], filter: { status: { _eq: 'published' } } });
    expect(triggerOf(draft)).toEqual({ type: 'event', collections: ['posts'], events: ['create'], filter: { status: { _eq: 'published' } } });
    expect(triggerOf({ ...draft, filter: '' })).toEqual({ type: 'event', collections: ['posts'], events: ['create'] });
    expect(triggerOf(triggerDraftOf(undefined))).toEqual({ type: 'manual' });
  });

  it('sends a before filter for a trigger on updates only', () => {
    const draft = triggerDraftOf({ type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'published' } }, before_filter: { status: { _eq: 'draft' } } });
    expect(triggerOf(draft)).toEqual({ type: 'event', collections: ['posts'], events: ['update'], filter: { status: { _eq: 'published' } }, before_filter: { status: { _eq: 'draft' } } });
    expect(triggerOf({ ...draft, events: ['create', 'update'] })).toEqual({ type: 'event', collections: ['posts'], events: ['create', 'update'], filter: { status: { _eq: 'published' } } });
    expect(() => triggerOf({ ...draft, beforeFilter: '{' })).toThrow(/The trigger's before filter is not valid JSON/);
  });

  it('keeps only the fields of the kind chosen, and names a filter that is not JSON', () => {
    const draft = triggerDraftOf({ type: 'event', collections: ['posts'], events: ['create'] });
    expect(triggerOf({ ...draft, type: 'schedule', cron: '0 3 * * *' })).toEqual({ type: 'schedule', cron: '0 3 * * *' });
    expect(() => triggerOf({ ...draft, filter: '{"status":' })).toThrow(/The trigger's filter is not valid JSON/);
  });
});
