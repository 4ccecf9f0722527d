import { describe, expect, it } from 'vitest';
import { describeStep, needsForce, lossesOf } from './snapshot';

describe('a plan in words', () => {
  it('describes schema steps and section steps', () => {
    expect(describeStep({ action: 'create_collection', collection: 'posts', primary_key: 'integer', note: null, fields: [{}, {}] })).toBe('Create the collection posts (2 fields, integer key)');
    expect(describeStep({ action: 'create_field', collection: 'posts', field: { field: 'rating', type: 'integer' } })).toBe('Add the field posts.rating (integer)');
    expect(describeStep({ action: 'create_index', collection: 'posts', index: { name: 'by_status', fields: ['status', '-day'], unique: true } })).toBe('Create the unique index by_status on posts (status, -day)');
    expect(describeStep({ action: 'delete_view', view: 'recent' })).toBe('Delete the view "recent"');
    expect(describeStep({ action: 'update_policy', policy: 'public read posts', definition: {} })).toBe('Update the policy "public read posts"');
  });

  it('says what each step loses, and which need forcing', () => {
    const drop = { action: 'delete_collection', collection: 'drafts', impact: { rows: 2, dependants: [{ kind: 'view', name: 'bodies', on_force: 'delete' }] } };
    expect(lossesOf(drop)).toEqual(['its 2 rows', 'view "bodies", deleted']);
    expect(needsForce(drop)).toBe(true);
    const field = { action: 'delete_field', collection: 'posts', field: 'notes', impact: { values: 1, dependants: [] } };
    expect(lossesOf(field)).toEqual(['1 value (rows where it is not empty)']);
    expect(needsForce(field)).toBe(false);
    const narrowed = { action: 'update_field', collection: 'posts', field: 'title', to: {}, impact: { values: 3, loss: 'changing "title" to a shorter length could cut values' } };
    expect(lossesOf(narrowed)).toEqual(['changing "title" to a shorter length could cut values: 3 values held']);
    expect(needsForce(narrowed)).toBe(true);
    const emptyDrop = { action: 'delete_collection', collection: 'old', impact: { rows: 0, dependants: [] } };
    expect([lossesOf(emptyDrop), needsForce(emptyDrop)]).toEqual([[], false]);
    expect(lossesOf({ action: 'delete_view', view: 'recent' })).toEqual(["the view's definition"]);
    expect(lossesOf({ action: 'create_field', collection: 'posts', field: { field: 'x', type: 'integer' } })).toEqual([]);
  });
});
