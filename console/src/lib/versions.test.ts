import { describe, expect, it } from 'vitest';
import type { Field } from '../api/types';
import { conflicts, follow, takeTheirs, textsOf, valuesToSave } from './versions';

const fields: Field[] = [
  { field: 'title', type: 'string' },
  { field: 'rank', type: 'integer' },
  { field: 'meta', type: 'json' },
];
const opened = { id: 1, title: 'Draft', rank: 1, meta: { a: 1 }, updated_at: '2026-01-01T00:00:00Z' };

describe('the versions of an open record', () => {
  it('saves only what the user edited, parsed as the field types', () => {
    const texts = { ...textsOf(fields, opened), rank: '5' };
    expect(valuesToSave(fields, opened, texts)).toEqual({ rank: 5 });
    expect(valuesToSave(fields, opened, textsOf(fields, opened))).toEqual({});
    expect(valuesToSave(fields, null, { title: 'New', rank: '', meta: '' })).toEqual({ title: 'New' });
    expect(() => valuesToSave(fields, opened, { ...textsOf(fields, opened), meta: '{"a": ' })).toThrow(expect.objectContaining({ field: 'meta' }));
  });

  it('follows a change made elsewhere in the fields the user has not edited', () => {
    const texts = { ...textsOf(fields, opened), title: 'Mine' };
    const theirs = { ...opened, title: 'Theirs', rank: 2, updated_at: '2026-01-02T00:00:00Z' };
    const { texts: next, base, followed } = follow(fields, opened, theirs, texts);
    expect(next).toEqual({ title: 'Mine', rank: '2', meta: textsOf(fields, opened).meta });
    expect(followed).toEqual(['rank']);
    // The edited field keeps the base it started from, so the save still sees their change.
    expect(base.title).toBe('Draft');
    expect(base.rank).toBe(2);
    expect(base.updated_at).toBe('2026-01-02T00:00:00Z');
    expect(conflicts(fields, base, theirs, next)).toEqual([{ field: 'title', theirs: 'Theirs', yours: 'Mine' }]);
    // Nothing else is written: the save sends the title only.
    expect(valuesToSave(fields, base, next)).toEqual({ title: 'Mine' });
  });

  it('finds no conflict when they changed other fields, or made the same change', () => {
    const texts = { ...textsOf(fields, opened), title: 'Same' };
    expect(conflicts(fields, opened, { ...opened, rank: 9 }, texts)).toEqual([]);
    expect(conflicts(fields, opened, { ...opened, title: 'Same' }, texts)).toEqual([]);
    expect(conflicts(fields, opened, opened, texts)).toEqual([]);
  });

  it('compares values as the form shows them', () => {
    const texts = { ...textsOf(fields, opened), meta: '{"a": 2}' };
    // Their json is the same object written another way: no change of theirs.
    expect(conflicts(fields, opened, { ...opened, meta: { a: 1 } }, texts)).toEqual([]);
    expect(conflicts(fields, opened, { ...opened, meta: { a: 3 } }, texts)).toEqual([{ field: 'meta', theirs: '{\n  "a": 3\n}', yours: '{"a": 2}' }]);
  });

  it('ignores fields an event does not carry', () => {
    const texts = { ...textsOf(fields, opened), title: 'Mine' };
    expect(conflicts(fields, opened, { id: 1, rank: 4 }, texts)).toEqual([]);
    expect(follow(fields, opened, { id: 1, rank: 4 }, texts).base.title).toBe('Draft');
  });

  it('takes their side of the conflicts, keeping the other edits', () => {
    const texts = { ...textsOf(fields, opened), title: 'Mine', rank: '3' };
    const theirs = { ...opened, title: 'Theirs' };
    const found = conflicts(fields, opened, theirs, texts);
    const taken = takeTheirs(fields, opened, theirs, texts, found);
    expect(taken.texts.title).toBe('Theirs');
    expect(valuesToSave(fields, taken.base, taken.texts)).toEqual({ rank: 3 });
  });
});
