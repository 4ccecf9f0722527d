import { describe, expect, it } from 'vitest';
import { insertPath, openTemplateAt, suggestPaths, templatePaths } from './templates';

const collections = [
  { collection: 'posts', fields: [{ field: 'id' }, { field: 'title' }, { field: 'status' }] },
  { collection: 'tasks', fields: [{ field: 'id' }, { field: 'label' }] },
];

describe('templatePaths', () => {
  it("offers an event's payload fields, $last and the earlier steps' results", () => {
    const operations = [
      { key: 'make_task', type: 'create_item', options: { collection: 'tasks' } },
      { key: 'note', type: 'log', options: { message: '' } },
    ];
    const paths = templatePaths({ type: 'event', collections: ['posts'] }, operations, 1, collections);
    expect(paths).toContain('$trigger.payload.title');
    expect(paths).toContain('$trigger.keys[0]');
    expect(paths).toContain('$last.label');
    expect(paths).toContain('make_task.id');
    expect(paths.some((path) => path.startsWith('note'))).toBe(false);
  });

  it('offers the first step no $last, and a manual call its body', () => {
    const paths = templatePaths({ type: 'manual' }, [{ key: 'a', type: 'log', options: {} }], 0, collections);
    expect(paths).toEqual(['$trigger.body', '$NOW', '$NOW(-1 day)']);
  });

  it("offers an event's item before and after and the fields it changed", () => {
    const paths = templatePaths({ type: 'event', collections: ['posts'] }, [], 0, collections);
    expect(paths).toContain('$trigger.before.status');
    expect(paths).toContain('$trigger.item.title');
    expect(paths).toContain('$trigger.changed');
  });

  it('reads read_items by key as an item and by query as a list', () => {
    const operations = [
      { key: 'post', type: 'read_items', options: { collection: 'posts', key: '{{ $trigger.keys[0] }}' } },
      { key: 'recent', type: 'read_items', options: { collection: 'tasks', query: {} } },
    ];
    const paths = templatePaths({ type: 'manual' }, operations, 2, collections);
    expect(paths).toContain('post.title');
    expect(paths).toContain('recent[0].label');
    expect(paths).toContain('$last[0].label');
  });

  it('reads an update by query as a list of items', () => {
    const paths = templatePaths({ type: 'schedule' }, [{ key: 'moved', type: 'update_item', options: { collection: 'posts', query: {} } }], 1, collections);
    expect(paths).toContain('moved[0].status');
    expect(paths).toContain('$trigger.scheduled_for');
  });
});

describe('openTemplateAt', () => {
  it('finds the path typed inside an open template', () => {
    expect(openTemplateAt('Review {{ $trigger.pa', 21)).toEqual({ start: 10, typed: '$trigger.pa' });
    expect(openTemplateAt('{{', 2)).toEqual({ start: 2, typed: '' });
  });

  it('is null outside a template or after a closed one', () => {
    expect(openTemplateAt('plain text', 5)).toBeNull();
    expect(openTemplateAt('{{ a }} then', 12)).toBeNull();
    expect(openTemplateAt('{{ a b', 6)).toBeNull();
  });
});

describe('suggestPaths', () => {
  it('puts the paths that start with what is typed first', () => {
    expect(suggestPaths(['$trigger.payload.title', 'make_task.title', '$trigger.keys'], 'title')).toEqual(['$trigger.payload.title', 'make_task.title']);
    expect(suggestPaths(['$last.id', 'x.last'], '$la')).toEqual(['$last.id']);
  });
});

describe('insertPath', () => {
  it('replaces what was typed and closes the template', () => {
    expect(insertPath('Review {{ $tr', 13, '$trigger.payload.title')).toEqual({ text: 'Review {{ $trigger.payload.title }}', cursor: 35 });
  });

  it('does not close a template twice, and replaces the rest of the path', () => {
    expect(insertPath('{{ $la }} done', 5, '$last.id')).toEqual({ text: '{{ $last.id }} done', cursor: 11 });
  });
});
