/**
 * The filter builder's model and its translation to and from the JSON filter of Cairn's query language
 * (Directus' filter rules). A condition is a path (`author.name`, `comments._some.text`), an operator and
 * its value; groups join conditions and groups with `_and` or `_or`.
 */

export const OPERATORS = [
  '_eq',
  '_neq',
  '_lt',
  '_lte',
  '_gt',
  '_gte',
  '_in',
  '_nin',
  '_null',
  '_nnull',
  '_contains',
  '_ncontains',
  '_icontains',
  '_starts_with',
  '_istarts_with',
  '_ends_with',
  '_iends_with',
  '_between',
  '_nbetween',
  '_empty',
  '_nempty',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const OPERATOR_LABELS: Record<Operator, string> = {
  _eq: 'equals',
  _neq: 'does not equal',
  _lt: 'less than',
  _lte: 'at most',
  _gt: 'greater than',
  _gte: 'at least',
  _in: 'is one of',
  _nin: 'is none of',
  _null: 'is null',
  _nnull: 'is not null',
  _contains: 'contains',
  _ncontains: 'does not contain',
  _icontains: 'contains (any case)',
  _starts_with: 'starts with',
  _istarts_with: 'starts with (any case)',
  _ends_with: 'ends with',
  _iends_with: 'ends with (any case)',
  _between: 'is between',
  _nbetween: 'is not between',
  _empty: 'is empty',
  _nempty: 'is not empty',
};

/** Operators whose value is the flag `true`: the builder asks for no value. */
export const VALUELESS = new Set<Operator>(['_null', '_nnull', '_empty', '_nempty']);
/** Operators that take a list (`_in`, `_nin`) or a pair (`_between`). */
export const LIST_OPERATORS = new Set<Operator>(['_in', '_nin']);
export const PAIR_OPERATORS = new Set<Operator>(['_between', '_nbetween']);

export interface Condition {
  kind: 'condition';
  path: string[];
  operator: Operator;
  value: unknown;
}

export interface Group {
  kind: 'group';
  join: '_and' | '_or';
  children: (Condition | Group)[];
}

export type FilterJson = Record<string, unknown>;

export function emptyGroup(join: Group['join'] = '_and'): Group {
  return { kind: 'group', join, children: [] };
}

function isOperator(key: string): key is Operator {
  return (OPERATORS as readonly string[]).includes(key);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON filter of a group; null when it holds no condition. */
export function toFilterJson(group: Group): FilterJson | null {
  const parts = group.children.map((child) => (child.kind === 'group' ? toFilterJson(child) : conditionJson(child))).filter((part): part is FilterJson => part !== null);
  if (parts.length === 0) return null;
  return { [group.join]: parts };
}

function conditionJson(condition: Condition): FilterJson {
  let node: FilterJson = { [condition.operator]: VALUELESS.has(condition.operator) ? true : condition.value };
  for (const segment of [...condition.path].reverse()) node = { [segment]: node };
  return node;
}

/**
 * Reads a JSON filter back into the builder's model. Each object key is either `_and`/`_or`, an operator, or a
 * path segment; an object with several keys is an implicit `_and`. Returns an error message when the JSON is
 * no filter the builder can show.
 */
export function fromFilterJson(json: unknown): Group | { error: string } {
  if (json === null || json === undefined) return emptyGroup();
  if (!isObject(json)) return { error: 'A filter is a JSON object.' };
  try {
    const group = readObject(json, []);
    // A lone group at the top is the top group itself.
    return group.children.length === 1 && group.children[0].kind === 'group' ? group.children[0] : group;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function readObject(json: Record<string, unknown>, path: string[]): Group {
  const children: (Condition | Group)[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === '_and' || key === '_or') {
      if (path.length > 0) throw new Error(`"${key}" is allowed only at the top of a filter or inside another group.`);
      if (!Array.isArray(value)) throw new Error(`"${key}" takes an array of filters.`);
      children.push({
        kind: 'group',
        join: key,
        children: value.flatMap((item) => {
          if (!isObject(item)) throw new Error(`Each filter in "${key}" is an object.`);
          const inner = readObject(item, []);
          return inner.children.length === 1 ? inner.children : [inner];
        }),
      });
    } else if (isOperator(key)) {
      if (path.length === 0) throw new Error(`The operator "${key}" needs a field before it.`);
      children.push({ kind: 'condition', path, operator: key, value: VALUELESS.has(key) ? true : value });
    } else if (key.startsWith('_') && key !== '_some' && key !== '_none') {
      throw new Error(`"${key}" is not an operator of the query language.`);
    } else {
      if (!isObject(value)) throw new Error(`"${[...path, key].join('.')}" needs an operator, e.g. {"_eq": …}.`);
      children.push(...readObject(value, [...path, key]).children);
    }
  }
  return { kind: 'group', join: '_and', children };
}

/** The text an operator's value is edited as. */
export function valueText(condition: Condition): string {
  if (VALUELESS.has(condition.operator)) return '';
  const value = condition.value;
  if (Array.isArray(value)) return value.map((item) => String(item)).join(', ');
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The value of an operator from its text; `read` turns one item into the field's type. */
export function valueFromText(operator: Operator, text: string, read: (item: string) => unknown = (item) => item): unknown {
  if (VALUELESS.has(operator)) return true;
  if (LIST_OPERATORS.has(operator) || PAIR_OPERATORS.has(operator)) {
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map(read);
  }
  return read(text);
}
