import { invalidPayload } from '../../common/errors/app-error';
import { isRecord, parseVariable } from '../../engine/query/filter.parser';
import type { FilterVariable } from '../../engine/query/query.ast';

/** Operators whose operand may be one comma-separated string, each part a value of its own. */
const LIST_OPERATORS = new Set(['_in', '_nin', '_between', '_nbetween']);

/**
 * The variable a policy's value names, or null for a plain value. In a policy, a string starting with
 * `$` must be a variable of the query language (`$CURRENT_USER`, `$CURRENT_ROLE`, `$NOW`,
 * `$NOW(-1 day)`, as its parser reads them): a misspelt one, saved, would be compared as a literal or
 * fail for every end user the policy applies to. Refused with 400 naming it and `where`.
 */
export function policyVariable(raw: string, where: string): FilterVariable | null {
  if (!raw.startsWith('$')) return null;
  const variable = parseVariable(raw);
  if (variable === null || variable === 'invalid') {
    throw invalidPayload(`Invalid payload: "${raw}" at ${where} is not a variable; use $CURRENT_USER, $CURRENT_ROLE, $NOW or $NOW(-1 day).`, where);
  }
  return variable;
}

/** Refuses (400) a policy's filter that holds a `$` value which is no variable, naming its path (`filter.owner._eq`). */
export function assertFilterVariables(value: unknown, where: string): void {
  if (typeof value === 'string') {
    policyVariable(value, where);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => assertFilterVariables(item, `${where}.${index}`));
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const parts = LIST_OPERATORS.has(key) && typeof item === 'string' ? item.split(',') : [item];
      for (const part of parts) assertFilterVariables(part, `${where}.${key}`);
    }
  }
}
