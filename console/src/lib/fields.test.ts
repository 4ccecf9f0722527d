import { describe, expect, it } from 'vitest';
import { nextSort } from './columns';
import { changedOptions, emptyDraft, InvalidText, parseForWrite, parseValue, toDraft, toFieldPayload } from './fields';

describe('field drafts', () => {
  it('sends only the options of the type, each as the API takes it', () => {
    const draft = { ...emptyDraft('decimal'), field: 'price', precision: '12', scale: '3', length: '99', required: true, defaultValue: '1.5' };
    expect(toFieldPayload(draft)).toEqual({ field: 'price', type: 'decimal', required: true, precision: 12, scale: 3, default: '1.5' });
    const code = { ...emptyDraft('autocode'), field: 'code', prefix: 'CLI-', padding: '4', unique: true, defaultValue: 'x' };
    expect(toFieldPayload(code)).toEqual({ field: 'code', type: 'autocode', autocode: { prefix: 'CLI-', padding: 4 } });
    const status = { ...emptyDraft('enum'), field: 'status', values: 'open, closed,, archived' };
    expect(toFieldPayload(status)).toEqual({ field: 'status', type: 'enum', values: ['open', 'closed', 'archived'] });
    // A files field is no column: only its name and type are sent, whatever the draft held before.
    const gallery = { ...emptyDraft('files'), field: 'gallery', required: true, note: 'Pictures', rules: { min_length: { value: '3', message: '' } } };
    expect(toFieldPayload(gallery)).toEqual({ field: 'gallery', type: 'files' });
  });

  it('writes validation rules with their messages', () => {
    const draft = { ...emptyDraft('string'), field: 'email', rules: { email: { value: '', message: 'Not an email' }, max_length: { value: '80', message: '' } } };
    expect(toFieldPayload(draft).validation).toEqual({ email: { value: true, message: 'Not an email' }, max_length: 80 });
  });

  it('round-trips a registry field and sends only what changed', () => {
    const field = { field: 'title', type: 'string' as const, required: true, unique: false, index: true, default: null, length: 120, validation: { required: true, min_length: { value: 3, message: 'Too short' } }, note: 'Shown' };
    const draft = toDraft(field);
    expect(changedOptions(field, draft)).toEqual({});
    expect(changedOptions(field, { ...draft, length: '200', index: false })).toEqual({ length: 200, index: false });
  });

  it("reads typed text as the type's value", () => {
    expect(parseValue('integer', '42')).toBe(42);
    expect(parseValue('integer', 'abc')).toBe('abc');
    expect(parseValue('boolean', 'true')).toBe(true);
    expect(parseValue('json', '{"a":1}')).toEqual({ a: 1 });
    expect(parseValue('datetime', '2026-01-02T03:04')).toBe('2026-01-02T03:04:00Z');
    expect(parseValue('string', '')).toBeNull();
  });

  it('refuses JSON text that does not parse rather than writing it as a JSON string', () => {
    expect(parseForWrite('meta', 'json', '{"a": [1]}')).toEqual({ a: [1] });
    expect(parseForWrite('meta', 'json', '"text"')).toBe('text');
    expect(parseForWrite('meta', 'json', '  ')).toBeNull();
    expect(() => parseForWrite('meta', 'json', '{"a": 1')).toThrow(InvalidText);
    expect(() => parseForWrite('meta', 'json', '{"a": 1')).toThrow(/^"meta" is not valid JSON: /);
    expect(parseForWrite('title', 'string', '{"a": 1')).toBe('{"a": 1');
    expect(() => toFieldPayload({ ...emptyDraft('json'), field: 'meta', defaultValue: '{oops' })).toThrow(expect.objectContaining({ field: 'default' }));
  });
});


describe('sorting by header', () => {
  it('cycles ascending, descending, none; shift keeps the other fields', () => {
    expect(nextSort([], 'title', false)).toEqual(['title']);
    expect(nextSort(['title'], 'title', false)).toEqual(['-title']);
    expect(nextSort(['-title'], 'title', false)).toEqual([]);
    expect(nextSort(['title'], 'rating', false)).toEqual(['rating']);
    expect(nextSort(['title'], 'rating', true)).toEqual(['title', 'rating']);
    expect(nextSort(['title', 'rating'], 'title', true)).toEqual(['-title', 'rating']);
    expect(nextSort(['-title', 'rating'], 'title', true)).toEqual(['rating']);
  });
});
