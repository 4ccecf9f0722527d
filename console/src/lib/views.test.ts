import { describe, expect, it } from 'vitest';
import { aggregateObject, aggregateTerms, draftPreviewQuery, emptyView, publicViewUrl, sameQuery, splitList, viewBody } from './views';

describe('view drafts', () => {
  it('turns aggregate terms into the API object and back, dropping empty and repeated terms', () => {
    const terms = [
      { fn: 'count' as const, field: '*' },
      { fn: 'avg' as const, field: 'rating' },
      { fn: 'avg' as const, field: 'rating' },
      { fn: 'sum' as const, field: '' },
    ];
    expect(aggregateObject(terms)).toEqual({ count: ['*'], avg: ['rating'] });
    expect(aggregateTerms({ count: ['*'], avg: ['rating'] })).toEqual(terms.slice(0, 2));
    expect(aggregateObject([])).toBeNull();
  });

  it('reads what a view shows from the source with the same query, computed values aside', () => {
    const view = { ...emptyView('posts'), name: 'top', fields: ['id', 'title', 'author.name'], sort: ['-rating'], filter: { status: { _eq: 'published' } }, computed: { half: 'price / 2' } };
    expect(draftPreviewQuery(view, 20)).toEqual({ limit: 20, fields: 'id,title,author.name', sort: '-rating', filter: '{"status":{"_eq":"published"}}' });
    const grouped = { ...view, groupBy: ['author'], aggregate: { count: ['*'] } };
    expect(draftPreviewQuery(grouped, 5)).toEqual({ limit: 5, sort: '-rating', filter: '{"status":{"_eq":"published"}}', groupBy: 'author', aggregate: '{"count":["*"]}' });
  });

  it('sends no fields or computed values for an aggregate view, and leaves out half-typed computed values', () => {
    const view = { ...emptyView('posts'), name: 'v', fields: ['id'], computed: { half: 'price / 2', '': 'x', empty: ' ' } };
    expect(viewBody(view).computed).toEqual({ half: 'price / 2' });
    expect(viewBody({ ...view, groupBy: ['status'] })).toMatchObject({ fields: [], computed: {}, groupBy: ['status'] });
  });

  it('tells a draft that only changes publishing from one that changes the rows', () => {
    const saved = { ...emptyView('posts'), name: 'v', fields: ['id'] };
    expect(sameQuery(saved, { ...saved, public: true })).toBe(true);
    expect(sameQuery(saved, { ...saved, fields: ['id', 'title'] })).toBe(false);
  });

  it('splits comma lists and builds the public address', () => {
    expect(splitList(' -rating, title ,,')).toEqual(['-rating', 'title']);
    expect(publicViewUrl('https://c.example', 'acme', 'top posts')).toBe('https://c.example/api/v1/public/acme/views/top%20posts');
  });
});
