import { describe, expect, it } from 'vitest';
import { autoMapping, csvHeader, jsonKeys, SKIP } from './transfer';

describe('import columns', () => {
  it('reads a CSV header with quotes, commas and a BOM', () => {
    expect(csvHeader('\uFEFFname,"a, b","say ""hi""", stock \r\n1,2,3,4\r\n')).toEqual(['name', 'a, b', 'say "hi"', 'stock']);
    expect(csvHeader('')).toEqual([]);
  });

  it('reads the keys of the first object of a JSON array, even when the text is cut further on', () => {
    expect(jsonKeys('[{"name":"x","details":{"a":[1,"}"]},"n":1},{"other":2},{"cut')).toEqual(['name', 'details', 'n']);
    expect(jsonKeys('[]')).toEqual([]);
  });

  it('matches columns to fields by name, exact names first, then loosely, each field once, the rest skipped', () => {
    expect(autoMapping(['name', 'Stock', 'unit price', 'unit_price', 'colour'], ['name', 'stock', 'unit_price'])).toEqual({
      name: 'name',
      Stock: 'stock',
      'unit price': SKIP,
      unit_price: 'unit_price',
      colour: SKIP,
    });
  });
});
