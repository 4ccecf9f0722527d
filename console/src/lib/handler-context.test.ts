import { describe, expect, it } from 'vitest';
import { completeHandler, itemsVariables, offsetOf, type SchemaCollection } from './handler-context';

const schema: SchemaCollection[] = [
  { collection: 'orders', fields: [{ field: 'id', type: 'integer' }, { field: 'total', type: 'integer' }, { field: 'status', type: 'string' }] },
  { collection: 'customers', fields: [{ field: 'name', type: 'string' }] },
];
const labels = (before: string, kind: 'before' | 'after' | 'endpoint' = 'endpoint', collection?: string) => completeHandler(before, schema, kind, collection)?.options.map((o) => o.label);

describe('completeHandler', () => {
  it('offers ctx by the handler kind: a request for endpoints, an event for hooks', () => {
    expect(labels('module.exports = async (ctx) => ctx.')).toEqual(['request', 'items', 'log', 'principal', 'handler', 'flow']);
    expect(labels('ctx.', 'before')?.[0]).toBe('event');
    expect(labels('ctx.request.')).toContain('params');
    expect(labels('ctx.event.', 'after')).toEqual(['action', 'collection', 'keys', 'payload']);
  });

  it('completes a word already begun, from its start', () => {
    expect(completeHandler('x = ctx.it', schema, 'endpoint')).toMatchObject({ from: 8 });
    expect(completeHandler('const a = 1', schema, 'endpoint')).toBeNull();
  });

  it('offers the collections inside items(…) and their methods after it, also through a variable', () => {
    expect(completeHandler("ctx.items('or", schema, 'endpoint')).toEqual({ from: 11, options: expect.arrayContaining([expect.objectContaining({ label: 'orders' })]) });
    expect(labels("ctx.items('orders').")).toEqual(['readByQuery', 'readOne', 'createOne', 'updateOne', 'deleteOne']);
    expect(labels("const orders = ctx.items('orders');\nawait orders.")).toContain('createOne');
    expect(labels('const other = 1;\nother.')).toBeUndefined();
  });

  it('offers the fields of the collection an item is written to, and of a hook’s payload', () => {
    expect(labels("ctx.items('orders').createOne({ ")).toEqual(['id', 'total', 'status']);
    expect(labels("const c = ctx.items('customers');\nc.updateOne(7, { total: 1, ")).toEqual(['name']);
    expect(labels("ctx.items('orders').createOne({ total: ")).toBeUndefined();
    expect(labels('ctx.event.payload.', 'before', 'orders')).toEqual(['id', 'total', 'status']);
  });

  it('finds the variables that hold items()', () => {
    expect([...itemsVariables("const a = ctx.items('orders'); let b = items(\"customers\")")]).toEqual([
      ['a', 'orders'],
      ['b', 'customers'],
    ]);
  });
});

describe('offsetOf', () => {
  it('turns a line and column from 1 into an offset, kept within the text', () => {
    const text = 'ab\ncdef\ng';
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 2, 3)).toBe(5);
    expect(offsetOf(text, 2, 99)).toBe(7);
    expect(offsetOf(text, 9, 1)).toBe(8);
  });
});
