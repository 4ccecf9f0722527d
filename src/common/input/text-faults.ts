/**
 * Text Cairn can not take as it is given: a NUL character, which PostgreSQL stores in no text or JSON
 * (and MariaDB's collations skip when comparing), and a lone UTF-16 surrogate, which is no Unicode
 * text: every driver would store it as U+FFFD, or refuse it inside JSON. Such values are refused, never
 * altered, on every database alike.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string (`a NUL character (\u0000)`), or null when it is well-formed text. */
export function textFault(text: string): string | null {
  if (text.includes('\u0000')) return 'a NUL character (\\u0000)';
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) return `a lone surrogate (\\u${surrogate[0].charCodeAt(0).toString(16)}), which is not Unicode text`;
  return null;
}

/** The first faulty string (or object key) of a JSON value, with its path (`list.0`, `""` for the value itself). */
export function findTextFault(value: unknown): { path: string; fault: string } | null {
  const pending: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  // Walked with a list rather than recursion: how deep a value may nest is checked elsewhere.
  for (let next = 0; next < pending.length; next++) {
    const { value: current, path } = pending[next];
    if (typeof current === 'string') {
      const fault = textFault(current);
      if (fault) return { path: path.join('.'), fault };
    } else if (Array.isArray(current)) {
      current.forEach((element, index) => pending.push({ value: element, path: [...path, String(index)] }));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, element] of Object.entries(current)) {
        const fault = textFault(key);
        if (fault) return { path: [...path, key].join('.'), fault };
        pending.push({ value: element, path: [...path, key] });
      }
    }
  }
  return null;
}
