import { describe, expect, it } from 'vitest';
import { apiPreview, formatViewAs, parseViewAs } from './view-as';

describe('the principal the explorer views as', () => {
  it('reads back from the address what it wrote there', () => {
    for (const as of [{ member_role: 'viewer' }, { app_role: 'reader' }, { app_user: 'a1b2' }, { api_key: 'k:9' }, { anonymous: true as const }]) {
      expect(parseViewAs(formatViewAs(as))).toEqual(as);
    }
  });

  it('takes anything else as nobody', () => {
    expect(parseViewAs(undefined)).toBeNull();
    expect(parseViewAs('superuser:1')).toBeNull();
    expect(parseViewAs('app_user:')).toBeNull();
    expect(parseViewAs('viewer')).toBeNull();
  });

  it("previews the principal's own request, with how it is authorized", () => {
    expect(apiPreview({ app_user: 'u1' }, 'acme', 'posts', { filter: '{"a":1}', sort: '-id', search: undefined })).toBe(
      "GET /api/v1/w/acme/items/posts?filter=%7B%22a%22%3A1%7D&sort=-id\nAuthorization: Bearer <the app user's access token>",
    );
    expect(apiPreview({ anonymous: true }, 'acme', 'posts', {}, '7')).toBe('GET /api/v1/w/acme/items/posts/7\n(no Authorization header)');
  });
});
