import { describe, expect, it } from 'vitest';
import { fuzzyFilter, fuzzyScore } from './fuzzy';

describe('fuzzyScore', () => {
  it('matches the query characters in order, ignoring case', () => {
    expect(fuzzyScore('pst', 'Posts')).not.toBeNull();
    expect(fuzzyScore('POSTS', 'posts')).not.toBeNull();
    expect(fuzzyScore('tsop', 'posts')).toBeNull();
    expect(fuzzyScore('x', 'posts')).toBeNull();
  });

  it('counts an empty query as a match of everything', () => {
    expect(fuzzyScore('', 'anything')).toBe(0);
    expect(fuzzyScore('   ', 'anything')).toBe(0);
  });

  it('ranks word starts and runs above scattered letters', () => {
    expect(fuzzyScore('ak', 'API keys')!).toBeGreaterThan(fuzzyScore('ak', 'Markdown')!);
    expect(fuzzyScore('post', 'posts')!).toBeGreaterThan(fuzzyScore('post', 'preposterous')!);
  });

  it('lets words of the query match words of the text anywhere after the last', () => {
    expect(fuzzyScore('acme posts', 'Acme › posts › data')).not.toBeNull();
    expect(fuzzyScore('posts acme', 'Acme › posts › data')).toBeNull();
  });
});

describe('fuzzyFilter', () => {
  const items = ['Members', 'posts_archive', 'posts', 'Settings', 'authors'];

  it('keeps the matches, best first, the shorter text before a longer one that scores the same', () => {
    expect(fuzzyFilter(items, 'posts', (s) => s)).toEqual(['posts', 'posts_archive']);
    expect(fuzzyFilter(items, 'set', (s) => s)[0]).toBe('Settings');
  });

  it('answers every item in its order for an empty query', () => {
    expect(fuzzyFilter(items, '', (s) => s)).toEqual(items);
  });
});
