import { describe, expect, it } from 'vitest';
import { emptyGroup, fromFilterJson, OPERATORS, toFilterJson, valueFromText, valueText, VALUELESS, type Group } from './filter';

const sampleValue = (operator: (typeof OPERATORS)[number]): unknown =>
  VALUELESS.has(operator) ? true : operator === '_in' || operator === '_nin' ? ['a', 'b'] : operator.includes('between') ? [1, 5] : 'x';

describe('filter builder ↔ JSON filter', () => {
  it.each(OPERATORS)('round-trips the operator %s', (operator) => {
    const json = { _and: [{ title: { [operator]: sampleValue(operator) } }] };
    const group = fromFilterJson(json) as Group;
    expect(group.kind).toBe('group');
    expect(group.children).toEqual([{ kind: 'condition', path: ['title'], operator, value: sampleValue(operator) }]);
    expect(toFilterJson(group)).toEqual(json);
  });

  it('round-trips nested _and / _or groups and relational paths', () => {
    const json = {
      _or: [
        { author: { name: { _eq: 'Ann' } } },
        { _and: [{ rating: { _gte: 3 } }, { comments: { _some: { text: { _icontains: 'great' } } } }] },
      ],
    };
    const group = fromFilterJson(json) as Group;
    expect(group.join).toBe('_or');
    expect(group.children[0]).toEqual({ kind: 'condition', path: ['author', 'name'], operator: '_eq', value: 'Ann' });
    expect(group.children[1]).toMatchObject({ kind: 'group', join: '_and' });
    expect(toFilterJson(group)).toEqual(json);
  });

  it('reads an object of several fields as one _and group', () => {
    const group = fromFilterJson({ status: { _eq: 'open' }, rating: { _gt: 2 } }) as Group;
    expect(toFilterJson(group)).toEqual({ _and: [{ status: { _eq: 'open' } }, { rating: { _gt: 2 } }] });
  });

  it('gives no filter for an empty group', () => {
    expect(toFilterJson(emptyGroup())).toBeNull();
    expect(fromFilterJson(null)).toEqual(emptyGroup());
  });

  it('names what it cannot read', () => {
    expect(fromFilterJson({ title: { _like: 'x' } })).toEqual({ error: '"_like" is not an operator of the query language.' });
    expect(fromFilterJson({ _eq: 1 })).toEqual({ error: 'The operator "_eq" needs a field before it.' });
    expect(fromFilterJson({ title: 'x' })).toEqual({ error: '"title" needs an operator, e.g. {"_eq": …}.' });
    expect(fromFilterJson([1])).toEqual({ error: 'A filter is a JSON object.' });
  });

  it('edits values as text: lists and pairs comma-separated, flags without a value', () => {
    expect(valueFromText('_in', 'a, b ,c')).toEqual(['a', 'b', 'c']);
    expect(valueFromText('_between', '1, 5', Number)).toEqual([1, 5]);
    expect(valueFromText('_null', 'ignored')).toBe(true);
    expect(valueFromText('_gte', '3', Number)).toBe(3);
    expect(valueText({ kind: 'condition', path: ['a'], operator: '_in', value: ['x', 'y'] })).toBe('x, y');
    expect(valueText({ kind: 'condition', path: ['a'], operator: '_nnull', value: true })).toBe('');
  });
});
