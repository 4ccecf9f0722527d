import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesCondition } from '../../src/modules/flows/condition-filter';
import { checkOperationGraph, FlowOperationDef } from '../../src/modules/flows/flow-definition';
import { checkTemplates, renderTemplates, TemplateError } from '../../src/modules/flows/flow-templates';

const DATA = { $trigger: { keys: [7, 8], payload: { title: 'Hello', tags: ['a'] } }, $last: { id: 3, ok: true }, made: { label: 'x' } };

describe('flow templates', () => {
  it('keeps the type of a whole-string template and writes embedded ones as text', () => {
    assert.deepEqual(renderTemplates({ key: '{{ $trigger.keys[1] }}', ok: '{{$last.ok}}', tags: '{{ $trigger.payload.tags }}' }, DATA), { key: 8, ok: true, tags: ['a'] });
    assert.equal(renderTemplates('Review {{ $trigger.payload.title }} #{{ $last.id }} {{ $trigger.payload.tags }}', DATA), 'Review Hello #3 ["a"]');
    assert.deepEqual(renderTemplates(['{{ made.label }}', 5, null], DATA), ['x', 5, null]);
  });

  it('gives $NOW from the run\'s data and moves it by the query language\'s $NOW(±n unit), refusing one it cannot read', () => {
    const data = { ...DATA, $NOW: '2026-03-01T12:00:00.000Z' };
    assert.equal(renderTemplates('{{ $NOW }}', data), '2026-03-01T12:00:00.000Z');
    assert.deepEqual(renderTemplates({ due: '{{ $NOW(-1 day) }}', soon: 'at {{$NOW(+2 hours)}}' }, data), { due: '2026-02-28T12:00:00.000Z', soon: 'at 2026-03-01T14:00:00.000Z' });
    assert.equal(renderTemplates('{{ $NOW(-1 month) }}', data), '2026-01-30T12:00:00.000Z');
    checkTemplates({ when: '{{ $NOW(-3 weeks) }} {{ $NOW }}' });
    for (const bad of ['$NOW(yesterday)', '$NOW(-1 fortnight)', '$NOW(1 day']) {
      assert.throws(() => checkTemplates(`{{ ${bad} }}`), TemplateError);
    }
  });

  it('reads a missing value as null when whole and as nothing inside text', () => {
    assert.equal(renderTemplates('{{ $trigger.payload.nope.deeper }}', DATA), null);
    assert.equal(renderTemplates('[{{ nowhere }}]', DATA), '[]');
    assert.equal(renderTemplates('{{ $trigger.keys[5] }}', DATA), null);
  });

  it('reads own properties only and refuses the prototype in any spelling', () => {
    assert.equal(renderTemplates('{{ $last.toString }}', DATA), null);
    assert.equal(renderTemplates('{{ $trigger.keys.length }}', DATA), null);
    for (const path of ['$trigger.__proto__', '$last.constructor', 'made.prototype', '__proto__.x']) {
      assert.throws(() => renderTemplates(`{{ ${path} }}`, DATA), TemplateError);
      assert.throws(() => checkTemplates({ deep: [`x {{ ${path} }}`] }), TemplateError);
    }
    assert.throws(() => checkTemplates('{{ $last.id + 1 }}'), TemplateError);
    assert.throws(() => checkTemplates('{{ process.exit() }}'), TemplateError);
  });
});

describe('condition filters', () => {
  it('nests field names down to operators and combines with _and and _or', () => {
    assert.equal(matchesCondition({ $last: { id: { _gt: 2 } } }, DATA), true);
    assert.equal(matchesCondition({ $last: { id: { _gt: '5' } } }, DATA), false);
    assert.equal(matchesCondition({ $trigger: { payload: { title: { _contains: 'ell' } } } }, DATA), true);
    assert.equal(matchesCondition({ _or: [{ made: { label: { _eq: 'y' } } }, { $trigger: { keys: { _contains: 8 } } }] }, DATA), true);
    assert.equal(matchesCondition({ _and: [{ made: { label: { _in: ['x', 'z'] } } }, { made: { missing: { _null: true } } }] }, DATA), true);
    assert.equal(matchesCondition({ made: { label: { _nnull: true, _neq: 'x' } } }, DATA), false);
    assert.equal(matchesCondition({ $last: { id: { _nin: [1, 2], _lte: 3, _gte: 3, _lt: 4 } } }, DATA), true);
  });
});

describe('operation graphs', () => {
  const op = (key: string, next: string | null = null, type = 'log', otherwise: string | null = null): FlowOperationDef => ({ key, type, options: {}, next, otherwise });

  it('accepts a branching graph that ends, and refuses one that loops through a branch', () => {
    checkOperationGraph([op('a', 'b', 'condition', 'c'), op('b', 'c'), op('c')], 'a', 10);
    assert.throws(() => checkOperationGraph([op('a', 'b', 'condition', 'c'), op('b'), op('c', 'a')], 'a', 10), /loop \(a → c → a\)/);
  });
});
