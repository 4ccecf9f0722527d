/**
 * App roles' policies as the console shows them: what a role may do per collection and action (the
 * matrix), and the variables a policy's filter and presets may name, checked before saving as the server
 * checks them, so a typo is refused with its place named rather than sent.
 */

export const POLICY_ACTIONS = ['create', 'read', 'update', 'delete'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export interface AppRole {
  name: string;
  description: string | null;
  built_in: boolean;
}

export interface Policy {
  id: string;
  /** What explanations call it; optional. */
  name: string | null;
  role: string;
  collection: string;
  action: PolicyAction;
  filter: Record<string, unknown> | null;
  fields: string[];
  validation: Record<string, unknown> | null;
  presets: Record<string, unknown> | null;
  verified_email: boolean;
}

/** The variables offered in a policy's filter and presets; `$NOW(±n unit)` takes any offset. */
export const POLICY_VARIABLES = ['$CURRENT_USER', '$CURRENT_ROLE', '$NOW', '$NOW(-1 day)', '$NOW(+1 week)'] as const;

/** The query language's variables, as the server's parser reads them. */
const NOW_WITH_OFFSET = /^\$NOW\(\s*[+-]?\s*\d+\s*(second|minute|hour|day|week|month|year)s?\s*\)$/;

export function isPolicyVariable(value: string): boolean {
  return value === '$CURRENT_USER' || value === '$CURRENT_ROLE' || value === '$NOW' || NOW_WITH_OFFSET.test(value);
}

/** Operators whose operand may be one comma-separated string, each part counted on its own. */
const LIST_OPERATORS = new Set(['_in', '_nin', '_between', '_nbetween']);

/**
 * The first `$` value of a filter or presets that is no variable, with where it is (`filter.owner._eq`), as
 * a sentence; null when every `$` value is a variable.
 */
export function unknownVariable(value: unknown, where: string): string | null {
  if (typeof value === 'string') {
    if (!value.startsWith('$') || isPolicyVariable(value)) return null;
    return `"${value}" at ${where} is not a variable: use $CURRENT_USER, $CURRENT_ROLE, $NOW or $NOW(-1 day).`;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unknownVariable(item, `${where}.${index}`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const parts = LIST_OPERATORS.has(key) && typeof item === 'string' ? item.split(',') : [item];
      for (const part of parts) {
        const found = unknownVariable(part, `${where}.${key}`);
        if (found) return found;
      }
    }
  }
  return null;
}

/** What a role may do with one collection and action: nothing, everything, or a part of it. */
export type Grant = 'none' | 'all' | 'filtered';

export function grantOf(policy: Policy | undefined): Grant {
  if (!policy) return 'none';
  const narrowed = (policy.filter !== null && Object.keys(policy.filter).length > 0) || !policy.fields.includes('*') || policy.verified_email;
  return narrowed ? 'filtered' : 'all';
}

/** In words, how a policy narrows its grant, for the matrix cell's label. */
export function grantDetail(policy: Policy | undefined): string {
  if (!policy) return 'no policy';
  const parts: string[] = [];
  if (policy.filter !== null && Object.keys(policy.filter).length > 0) parts.push('rows filtered');
  parts.push(policy.fields.includes('*') ? 'all fields' : `${policy.fields.length} field${policy.fields.length === 1 ? '' : 's'}`);
  if (policy.verified_email) parts.push('verified email only');
  return parts.join(', ');
}

/** The policies by role, collection and action, for the matrix. */
export function policyIndex(policies: readonly Policy[]): (role: string, collection: string, action: PolicyAction) => Policy | undefined {
  const index = new Map(policies.map((policy) => [`${policy.role}\u0000${policy.collection}\u0000${policy.action}`, policy]));
  return (role, collection, action) => index.get(`${role}\u0000${collection}\u0000${action}`);
}

/** A JSON object typed in an editor, or null when empty; `error` says what is wrong with it. */
export function parseJsonObject(text: string): { value: Record<string, unknown> | null } | { error: string } {
  if (!text.trim()) return { value: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'This is not valid JSON.' };
  }
  if (value === null) return { value: null };
  if (typeof value !== 'object' || Array.isArray(value)) return { error: 'This must be a JSON object: {"field": …}.' };
  return { value: value as Record<string, unknown> };
}

/** The address of the editor: a cell of the matrix. */
export function validateAccessSearch(search: Record<string, unknown>): { role?: string; collection?: string; action?: PolicyAction } {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const action = text(search.action);
  return { role: text(search.role), collection: text(search.collection), action: POLICY_ACTIONS.find((known) => known === action) };
}
