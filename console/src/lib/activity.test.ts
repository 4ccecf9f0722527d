import { describe, expect, it } from 'vitest';
import { activityFilter, revisionChanges } from './activity';

describe('the activity filter', () => {
  it('is null with no choice, one condition alone, and an AND of several', () => {
    expect(activityFilter({})).toBeNull();
    expect(activityFilter({ collection: 'posts' })).toEqual({ collection: { _eq: 'posts' } });
    expect(activityFilter({ who: 'u1', action: 'update', since: '2026-01-31', until: '2026-02-28' })).toEqual({
      _and: [{ actor_id: { _eq: 'u1' } }, { action: { _eq: 'update' } }, { created_at: { _gte: '2026-01-31T00:00:00.000Z' } }, { created_at: { _lt: '2026-03-01T00:00:00.000Z' } }],
    });
  });

  it('ignores a day that is not one', () => {
    expect(activityFilter({ since: 'yesterday' })).toBeNull();
  });
});

describe('what a revision changed', () => {
  it('shows an update against the revision before it, leaving out system fields and unchanged values', () => {
    const previous = { data: { id: 1, title: 'Hello', status: 'draft', updated_at: 'a' } };
    const revision = { data: { id: 1, title: 'Hi', status: 'draft' }, delta: { title: 'Hi', status: 'draft', updated_at: 'b' } };
    expect(revisionChanges('update', revision, previous)).toEqual([{ field: 'title', before: 'Hello', after: 'Hi' }]);
  });

  it('shows a create as its values and a delete as the values that went', () => {
    expect(revisionChanges('create', { data: { id: 1, title: 'A' }, delta: { title: 'A', status: null } }, null)).toEqual([
      { field: 'title', before: undefined, after: 'A' },
      { field: 'status', before: undefined, after: null },
    ]);
    expect(revisionChanges('delete', { data: { id: 1, title: 'A' }, delta: null }, { data: { id: 1, title: 'A' } })).toEqual([{ field: 'title', before: 'A', after: undefined }]);
  });
});
