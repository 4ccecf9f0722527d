import { describe, expect, it } from 'vitest';
import { applyDelete, applyUpdate, sortedFields } from './live-rows';

const page = [
  { id: 1, title: 'One', rank: 1 },
  { id: 2, title: 'Two', rank: 2 },
  { id: 3, title: 'Three', rank: 3 },
];

describe('applying realtime events to a page of rows', () => {
  it('merges an update into the row it names, keeping the fields the event does not carry', () => {
    const { page: next, moved } = applyUpdate(page, [{ id: 2, title: 'Deux' }]);
    expect(next).toEqual([page[0], { id: 2, title: 'Deux', rank: 2 }, page[2]]);
    expect(next[0]).toBe(page[0]);
    expect(moved).toBe(false);
    expect(page[1].title).toBe('Two');
  });

  it('matches keys given as text and as numbers alike', () => {
    expect(applyUpdate([{ id: 7, a: 1 }], [{ id: '7', a: 2 }]).page).toEqual([{ id: '7', a: 2 }]);
    expect(applyDelete([{ id: 7 }, { id: 8 }], ['7'])).toEqual([{ id: 8 }]);
  });

  it('answers the same array when the event touches none of its rows', () => {
    expect(applyUpdate(page, [{ id: 9, title: 'Nine' }]).page).toBe(page);
    expect(applyDelete(page, [9])).toBe(page);
  });

  it('says when an update changed a field the view is sorted by', () => {
    expect(applyUpdate(page, [{ id: 1, rank: 10 }], ['rank']).moved).toBe(true);
    expect(applyUpdate(page, [{ id: 1, rank: 1, title: 'Uno' }], ['rank']).moved).toBe(false);
    expect(applyUpdate(page, [{ id: 1, title: 'Uno' }], ['rank']).moved).toBe(false);
    expect(applyUpdate([{ id: 1, tags: ['a'] }], [{ id: 1, tags: ['a'] }], ['tags']).moved).toBe(false);
  });

  it('removes deleted rows', () => {
    expect(applyDelete(page, [1, 3])).toEqual([page[1]]);
  });

  it('reads the fields of a sort', () => {
    expect(sortedFields(['-rank', 'title', 'author.name'])).toEqual(['rank', 'title', 'author']);
  });
});
