import { describe, expect, it } from 'vitest';
import { grantDetail, grantOf, isPolicyVariable, parseJsonObject, policyIndex, unknownVariable, type Policy } from './policies';

const policy = (changes: Partial<Policy> = {}): Policy => ({
  id: 'p1',
  name: null,
  role: 'authenticated',
  collection: 'posts',
  action: 'read',
  filter: null,
  fields: ['*'],
  validation: null,
  presets: null,
  verified_email: false,
  ...changes,
});

describe('policy variables', () => {
  it('knows the variables of the query language, $NOW with any offset', () => {
    for (const variable of ['$CURRENT_USER', '$CURRENT_ROLE', '$NOW', '$NOW(-1 day)', '$NOW(+2 weeks)', '$NOW( 3 hours )']) expect(isPolicyVariable(variable)).toBe(true);
    for (const text of ['$ME', '$CURRENT_USR', '$NOW(yesterday)', '$NOW(-1 fortnight)', '$now']) expect(isPolicyVariable(text)).toBe(false);
  });

  it('names the first unknown variable and where it is, list operands part by part', () => {
    expect(unknownVariable({ owner: { _eq: '$CURRENT_USER' }, date_created: { _gte: '$NOW(-1 day)' } }, 'filter')).toBeNull();
    expect(unknownVariable({ _and: [{ status: { _eq: 'draft' } }, { owner: { _eq: '$ME' } }] }, 'filter')).toBe(
      '"$ME" at filter._and.1.owner._eq is not a variable: use $CURRENT_USER, $CURRENT_ROLE, $NOW or $NOW(-1 day).',
    );
    expect(unknownVariable({ owner: { _in: 'a,$CURRENT_USR' } }, 'filter')).toMatch(/^"\$CURRENT_USR" at filter\.owner\._in /);
    expect(unknownVariable({ owner: '$NOW(tomorrow)' }, 'presets')).toMatch(/at presets\.owner /);
    expect(unknownVariable({ price: { _gt: 10 } }, 'filter')).toBeNull();
  });
});

describe('the matrix', () => {
  it('tells no policy, a full grant and a narrowed one apart, and says how it is narrowed', () => {
    expect(grantOf(undefined)).toBe('none');
    expect(grantOf(policy())).toBe('all');
    expect(grantOf(policy({ filter: {} }))).toBe('all');
    expect(grantOf(policy({ filter: { status: { _eq: 'published' } } }))).toBe('filtered');
    expect(grantOf(policy({ fields: ['title'] }))).toBe('filtered');
    expect(grantOf(policy({ verified_email: true }))).toBe('filtered');
    expect(grantDetail(undefined)).toBe('no policy');
    expect(grantDetail(policy({ filter: { a: { _eq: 1 } }, fields: ['a', 'b'], verified_email: true }))).toBe('rows filtered, 2 fields, verified email only');
    expect(grantDetail(policy())).toBe('all fields');
  });

  it('finds a policy by role, collection and action', () => {
    const find = policyIndex([policy(), policy({ id: 'p2', action: 'create' }), policy({ id: 'p3', role: 'public' })]);
    expect(find('authenticated', 'posts', 'create')?.id).toBe('p2');
    expect(find('public', 'posts', 'read')?.id).toBe('p3');
    expect(find('public', 'posts', 'delete')).toBeUndefined();
  });
});

describe('JSON objects typed in an editor', () => {
  it('reads an object, nothing as null, and refuses the rest with a reason', () => {
    expect(parseJsonObject('')).toEqual({ value: null });
    expect(parseJsonObject('null')).toEqual({ value: null });
    expect(parseJsonObject('{"owner": "$CURRENT_USER"}')).toEqual({ value: { owner: '$CURRENT_USER' } });
    expect(parseJsonObject('[1]')).toEqual({ error: 'This must be a JSON object: {"field": …}.' });
    expect(parseJsonObject('{oops')).toEqual({ error: 'This is not valid JSON.' });
  });
});
