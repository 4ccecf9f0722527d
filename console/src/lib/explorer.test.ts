import { describe, expect, it } from 'vitest';
import { explorerAddress } from './explorer';

describe('explorerAddress', () => {
  it('puts the token in the fragment, never in the query the server sees', () => {
    const address = explorerAddress('acme', 'rest', 'ck_a+b/c');
    expect(address).toBe('/api/v1/w/acme/docs#access_token=ck_a%2Bb%2Fc');
    expect(new URL(address, 'http://x').search).toBe('');
    expect(new URLSearchParams(new URL(address, 'http://x').hash.slice(1)).get('access_token')).toBe('ck_a+b/c');
  });

  it('opens GraphiQL at the workspace endpoint, and sends nothing without a token', () => {
    expect(explorerAddress('acme', 'graphql', null)).toBe('/api/v1/w/acme/graphql');
  });
});
