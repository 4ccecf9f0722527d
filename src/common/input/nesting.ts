/**
 * How deep JSON in a request may nest: arrays and objects in a body, in a `filter`, `deep` or
 * `aggregate` parameter, in GraphQL variables and brackets in a GraphQL document. Far beyond what any
 * query or document needs, and far below what the parsers, the compilers and the databases recurse
 * through, so that depth is refused by rule rather than by running out of stack.
 */
export const MAX_JSON_NESTING = 64;

/**
 * Whether a value nests arrays and objects deeper than `limit` levels (a scalar is 0 deep, `[]` and
 * `{}` are 1). Walked with a list rather than recursion, since the value may be arbitrarily deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth === limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}
