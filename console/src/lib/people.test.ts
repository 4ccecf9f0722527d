import { describe, expect, it } from 'vitest';
import type { Field } from '../api/types';
import { pageFields, peopleLabels, personCell, personKey } from './people';

const fields: Field[] = [
  { field: 'id', type: 'integer', system: true },
  { field: 'title', type: 'string' },
  { field: 'author', type: 'app_user' },
  { field: 'created_by', type: 'uuid', system: true },
  { field: 'owner', type: 'uuid' },
];

describe('people in the grid', () => {
  it('reads every column and the person of each user field', () => {
    expect(pageFields(fields)).toBe('*,author.id,author.email,author.name,created_by.id,created_by.email,created_by.name');
    expect(pageFields([{ field: 'title', type: 'string' }])).toBeUndefined();
  });

  it('shows a name, else an email, and the label of a bare id seen expanded elsewhere', () => {
    const rows = [{ author: { id: 'a', email: 'ann@example.com', name: null }, created_by: { id: 'm', email: 'max@example.com', name: 'Max' } }];
    const labels = peopleLabels(rows, fields);
    expect(personCell(rows[0].author, labels)).toBe('ann@example.com');
    expect(personCell(rows[0].created_by, labels)).toBe('Max');
    expect(personCell('a', labels)).toBe('ann@example.com');
    expect(personCell('unknown', labels)).toBe('unknown');
  });

  it('edits the id an expanded value holds', () => {
    expect(personKey({ id: 'a', email: 'x' })).toBe('a');
    expect(personKey('a')).toBeNull();
  });
});
