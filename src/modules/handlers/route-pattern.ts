/** A custom endpoint's path pattern, such as `/orders/:id/summary`, split for matching. */
export interface RoutePattern {
  segments: Array<{ param: string } | { literal: string }>;
}

/** A path of segments of letters, digits, `-`, `_`, `.` and `~`, where `:name` segments capture. */
const SEGMENT = /^(:[A-Za-z_][A-Za-z0-9_]{0,63}|[A-Za-z0-9._~-]{1,128})$/;

/** The pattern of a path, or an explanation of why it is not one. */
export function parseRoutePattern(path: string): RoutePattern | string {
  if (!path.startsWith('/')) return 'must start with "/"';
  const parts = path === '/' ? [] : path.slice(1).replace(/\/$/, '').split('/');
  const names = new Set<string>();
  const segments: RoutePattern['segments'] = [];
  for (const part of parts) {
    if (!SEGMENT.test(part)) return `has an invalid segment "${part}" (letters, digits, - _ . ~, or :name)`;
    if (part.startsWith(':')) {
      const param = part.slice(1);
      if (names.has(param)) return `names the parameter "${param}" twice`;
      names.add(param);
      segments.push({ param });
    } else segments.push({ literal: part });
  }
  return { segments };
}

/**
 * The parameters of a request path if it matches the pattern, else null. Segments are compared after
 * percent-decoding; a parameter never spans a `/`.
 */
export function matchRoute(pattern: RoutePattern, path: string): Record<string, string> | null {
  const parts = path.replace(/^\/+|\/+$/g, '');
  const segments = parts === '' ? [] : parts.split('/');
  if (segments.length !== pattern.segments.length) return null;
  const params = Object.create(null) as Record<string, string>;
  for (let i = 0; i < segments.length; i++) {
    let value: string;
    try {
      value = decodeURIComponent(segments[i]);
    } catch {
      return null;
    }
    const expected = pattern.segments[i];
    if ('literal' in expected) {
      if (expected.literal !== value) return null;
    } else {
      if (value === '') return null;
      params[expected.param] = value;
    }
  }
  return params;
}

/** How specific a pattern is: literal segments win over parameters, left to right. */
export function specificity(pattern: RoutePattern): string {
  return pattern.segments.map((segment) => ('literal' in segment ? '1' : '0')).join('');
}
