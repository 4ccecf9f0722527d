import { invalidPayload } from '../../common/errors/app-error';
import { readPath } from './flow-templates';

/**
 * The filters of `condition` operations, evaluated in the process over a run's data
 * (`{$trigger, $last, <step keys>}`), in the query language's shape: field names nest
 * (`{"$trigger": {"payload": {"total": {"_gt": 100}}}}`) down to operators, and `_and`/`_or` combine.
 */

type Filter = Record<string, unknown>;

const COMPARISONS = new Set(['_eq', '_neq', '_gt', '_gte', '_lt', '_lte', '_in', '_nin', '_null', '_nnull', '_contains']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 16;

/** Refuses (400, naming `field`) a filter with an unknown operator, a wrong operand or a forbidden key. */
export function checkConditionFilter(filter: unknown, field: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw invalidPayload(`Invalid payload: ${field} nests deeper than ${MAX_DEPTH} levels.`, field);
  if (!isPlainObject(filter) || Object.keys(filter).length === 0) throw invalidPayload(`Invalid payload: ${field} must be a non-empty filter object.`, field);
  for (const [key, value] of Object.entries(filter)) {
    if (FORBIDDEN_KEYS.has(key)) throw invalidPayload(`Invalid payload: ${field} may not name "${key}".`, field);
    if (key === '_and' || key === '_or') {
      if (!Array.isArray(value) || value.length === 0) throw invalidPayload(`Invalid payload: ${field}.${key} must be a non-empty list of filters.`, field);
      value.forEach((child, index) => checkConditionFilter(child, `${field}.${key}.${index}`, depth + 1));
    } else if (key.startsWith('_')) {
      if (!COMPARISONS.has(key)) throw invalidPayload(`Invalid payload: ${field} uses the unknown operator "${key}".`, field);
      if ((key === '_in' || key === '_nin') && !Array.isArray(value)) throw invalidPayload(`Invalid payload: ${field}.${key} must be a list.`, field);
      if ((key === '_null' || key === '_nnull') && typeof value !== 'boolean') throw invalidPayload(`Invalid payload: ${field}.${key} must be true or false.`, field);
    } else {
      checkConditionFilter(value, `${field}.${key}`, depth + 1);
    }
  }
}

/** Whether the data matches the filter: every key of an object must hold (an implicit `_and`). */
export function matchesCondition(filter: Filter, data: unknown): boolean {
  return Object.entries(filter).every(([key, operand]) => {
    if (key === '_and') return (operand as Filter[]).every((child) => matchesCondition(child, data));
    if (key === '_or') return (operand as Filter[]).some((child) => matchesCondition(child, data));
    if (key.startsWith('_')) return compare(key, data, operand);
    return matchesCondition(operand as Filter, readPath(data, [key]));
  });
}

function compare(operator: string, value: unknown, operand: unknown): boolean {
  switch (operator) {
    case '_eq':
      return equal(value, operand);
    case '_neq':
      return !equal(value, operand);
    case '_gt':
      return order(value, operand, (a, b) => a > b);
    case '_gte':
      return order(value, operand, (a, b) => a >= b);
    case '_lt':
      return order(value, operand, (a, b) => a < b);
    case '_lte':
      return order(value, operand, (a, b) => a <= b);
    case '_in':
      return (operand as unknown[]).some((candidate) => equal(value, candidate));
    case '_nin':
      return !(operand as unknown[]).some((candidate) => equal(value, candidate));
    case '_null':
      return (value === null || value === undefined) === operand;
    case '_nnull':
      return (value !== null && value !== undefined) === operand;
    case '_contains':
      if (Array.isArray(value)) return value.some((element) => equal(element, operand));
      return typeof value === 'string' && operand !== null && operand !== undefined && value.includes(String(operand));
    default:
      return false;
  }
}

/**
 * Equality that lets a number meet its text (`3` and `"3"`): templated operands are often strings.
 * Objects are compared by their JSON.
 */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

/** Numbers (and numeric text) compare as numbers, other text as text; anything else never matches. */
function order(a: unknown, b: unknown, holds: (a: number | string, b: number | string) => boolean): boolean {
  const numbers = [a, b].map(asNumber);
  if (numbers[0] !== null && numbers[1] !== null) return holds(numbers[0], numbers[1]);
  if (typeof a === 'string' && typeof b === 'string') return holds(a, b);
  return false;
}

function asNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function isPlainObject(value: unknown): value is Filter {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
