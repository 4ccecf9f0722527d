import { parseVariable } from '../../engine/query/filter.parser';

/**
 * The templates of flow options: `{{ $trigger.payload.title }}`, `{{ $trigger.keys[0] }}`,
 * `{{ $last.id }}`, `{{ step_key.field }}`. A path is names and indexes read from own properties
 * only — no evaluation, no prototype: `__proto__`, `constructor` and `prototype` are refused. A string
 * that is one template keeps the value's type; a template inside text is stringified into it.
 * `{{ $NOW }}` is the run's time (`$NOW` in the run's data, ISO text) and `{{ $NOW(-1 day) }}` that time
 * moved as the query language's `$NOW(...)` variable moves it, read by the query language's own parser.
 */

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\s*\{\{\s*([^{}]*?)\s*\}\}\s*$/;
const FIRST_SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$]*/;
const NEXT_SEGMENT = /^(?:\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d{1,9})\])/;
/** Names that would reach an object's prototype. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** A template that cannot be read: its message names it. */
export class TemplateError extends Error {}

/** The segments of a path such as `$trigger.keys[0]`: names and array indexes. */
export function parsePath(path: string): Array<string | number> {
  const first = FIRST_SEGMENT.exec(path);
  if (!first) throw new TemplateError(`"{{ ${path} }}" is not a path such as $trigger.payload.title.`);
  const segments: Array<string | number> = [first[0]];
  let rest = path.slice(first[0].length);
  while (rest.length > 0) {
    const next = NEXT_SEGMENT.exec(rest);
    if (!next) throw new TemplateError(`"{{ ${path} }}" is not a path such as $trigger.payload.title.`);
    segments.push(next[1] ?? Number(next[2]));
    rest = rest.slice(next[0].length);
  }
  const forbidden = segments.find((segment) => typeof segment === 'string' && FORBIDDEN_SEGMENTS.has(segment));
  if (forbidden !== undefined) throw new TemplateError(`"{{ ${path} }}" names "${String(forbidden)}", which templates may not read.`);
  return segments;
}

/** The value at a path, or undefined when any step of it is missing. */
export function readPath(data: unknown, segments: ReadonlyArray<string | number>): unknown {
  let current = data;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      current = Array.isArray(current) ? current[segment] : undefined;
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * The offset in milliseconds of a `$NOW` template (0 for `$NOW`), or undefined for any other path.
 * A `$NOW(` that the query language cannot read is refused, naming the form it takes.
 */
function nowOffset(expression: string): number | undefined {
  const variable = parseVariable(expression);
  if (variable === 'invalid') throw new TemplateError(`"{{ ${expression} }}" is not a time such as $NOW, $NOW(-1 day) or $NOW(+2 hours).`);
  if (variable === null || variable.variable !== 'NOW') return undefined;
  return variable.offsetMs ?? 0;
}

/** The value of one template's expression: a `$NOW` time, or the value at a path. */
function resolveExpression(expression: string, data: Record<string, unknown>): unknown {
  const offset = nowOffset(expression);
  if (offset === undefined) return readPath(data, parsePath(expression));
  const now = typeof data.$NOW === 'string' ? Date.parse(data.$NOW) : Date.now();
  const moved = new Date(now + offset);
  if (Number.isNaN(moved.getTime())) throw new TemplateError(`"{{ ${expression} }}" is beyond the dates this server can write.`);
  return moved.toISOString();
}

/** Checks every template in a value (strings, deep in arrays and objects) when a flow is saved. */
export function checkTemplates(value: unknown): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(TEMPLATE)) if (nowOffset(match[1]) === undefined) parsePath(match[1]);
  } else if (Array.isArray(value)) {
    value.forEach(checkTemplates);
  } else if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(checkTemplates);
  }
}

/** Whether a string holds a template. */
export function hasTemplate(value: string): boolean {
  return new RegExp(TEMPLATE.source).test(value);
}

/** A value with its templates resolved against the run's data; objects' keys are never templated. */
export function renderTemplates(value: unknown, data: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderString(value, data);
  if (Array.isArray(value)) return value.map((element) => renderTemplates(element, data));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, element]) => [key, renderTemplates(element, data)]));
  }
  return value;
}

function renderString(text: string, data: Record<string, unknown>): unknown {
  const whole = WHOLE_TEMPLATE.exec(text);
  if (whole) return resolveExpression(whole[1], data) ?? null;
  return text.replace(TEMPLATE, (_, expression: string) => stringify(resolveExpression(expression, data)));
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
