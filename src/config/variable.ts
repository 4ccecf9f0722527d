import { isBoolean, isEmail, isIn, isInt, isURL, max, maxLength, min, minLength } from 'class-validator';
import bytes from 'bytes';
import ms from 'ms';

/** What is wrong with a variable's raw text, as a sentence naming it; undefined when nothing is. */
export type Check = (raw: string, name: string) => string | undefined;

/**
 * One environment variable: its name, its default as `.env.example` writes it, the checks of its text
 * (the first that fails is the one reported) and its conversion to the value the code reads.
 * A variable without a default is optional: unset, it skips the checks and converts from undefined.
 */
export interface Variable<T> {
  readonly name: string;
  readonly default: string | undefined;
  readonly checks: readonly Check[];
  readonly convert: (raw: string | undefined) => T;
  /** The same variable, its value converted further. */
  to<U>(convert: (value: T) => U): Variable<U>;
}

function variable<T>(name: string, fallback: string | undefined, checks: readonly Check[], convert: (raw: string | undefined) => T): Variable<T> {
  return { name, default: fallback, checks, convert, to: (next) => variable(name, fallback, checks, (raw) => next(convert(raw))) };
}

/** A variable that always has a value: unset, its default. */
function defaulted<T>(name: string, fallback: string, checks: readonly Check[], convert: (raw: string) => T): Variable<T> {
  return variable(name, fallback, checks, (raw) => convert(raw ?? fallback));
}

const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w|y)?$/i;
const SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i;

/** A check that the text matches a pattern; `says` follows the variable's name in the message. */
export function matching(pattern: RegExp, says: string): Check {
  return (raw, name) => (pattern.test(raw) ? undefined : `${name} ${says}`);
}

/** An http(s) URL; a host without a top-level domain (localhost, a service name) is fine. */
export const httpUrl: Check = (raw, name) => (isURL(raw, { require_tld: false, protocols: ['http', 'https'] }) ? undefined : `${name} must be a URL address`);

export const emailAddress: Check = (raw, name) => (isEmail(raw, {}) ? undefined : `${name} must be an email address`);

export function longerThan(least: number, says = `must be longer than or equal to ${least} characters`): Check {
  return (raw, name) => (minLength(raw, least) ? undefined : `${name} ${says}`);
}

export function shorterThan(most: number): Check {
  return (raw, name) => (maxLength(raw, most) ? undefined : `${name} must be shorter than or equal to ${most} characters`);
}

/** Text, present by default or optional. */
export function text(name: string, fallback: string, ...checks: Check[]): Variable<string>;
export function text(name: string, fallback: undefined, ...checks: Check[]): Variable<string | undefined>;
export function text(name: string, fallback: string | undefined, ...checks: Check[]): Variable<string | undefined> {
  return fallback === undefined ? variable(name, fallback, checks, (raw) => raw) : defaulted(name, fallback, checks, (raw) => raw);
}

/** An integer within bounds, read as JavaScript's Number reads it. */
export function integer(name: string, fallback: number, least: number, most: number): Variable<number> {
  const checks: Check[] = [
    (raw, label) => (isInt(Number(raw)) ? undefined : `${label} must be an integer number`),
    (raw, label) => (min(Number(raw), least) ? undefined : `${label} must not be less than ${least}`),
    (raw, label) => (max(Number(raw), most) ? undefined : `${label} must not be greater than ${most}`),
  ];
  return defaulted(name, String(fallback), checks, Number);
}

/** true or 1, false or 0. */
export function flag(name: string, fallback: boolean): Variable<boolean> {
  const read = (raw: string) => (raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw);
  const check: Check = (raw, label) => (isBoolean(read(raw)) ? undefined : `${label} must be a boolean value`);
  return defaulted(name, String(fallback), [check], (raw) => read(raw) === true);
}

export function oneOf<const T extends string>(name: string, values: readonly T[], fallback: T): Variable<T> {
  const check: Check = (raw, label) => (isIn(raw, values) ? undefined : `${label} must be one of the following values: ${values.join(', ')}`);
  return defaulted(name, fallback, [check], (raw) => raw as T);
}

/** A duration such as 500ms, 10s or 7d, in milliseconds. */
export function duration(name: string, fallback: string, example = fallback): Variable<number> {
  return defaulted(name, fallback, [matching(DURATION, `must be a duration such as ${example}`)], (raw) => ms(raw as ms.StringValue));
}

/** A size such as 512kb or 1mb, in bytes. */
export function size(name: string, fallback: string, example = fallback): Variable<number> {
  const fallbackBytes = bytes.parse(fallback) ?? 0;
  return defaulted(name, fallback, [matching(SIZE, `must be a size such as ${example}`)], (raw) => bytes.parse(raw) ?? fallbackBytes);
}

/** A comma list of durations such as 5s,5m,30m, in milliseconds. */
export function durations(name: string, fallback: string): Variable<number[]> {
  const pattern = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*(,\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*)*$/i;
  const check = matching(pattern, 'must be a comma list of durations such as 5s,5m,30m');
  return defaulted(name, fallback, [check], (raw) => raw.split(',').map((step) => ms(step.trim() as ms.StringValue)));
}

/** The entries of a comma list, trimmed, the empty ones left out. */
export function commaList(value: string): string[] {
  return value.split(',').map((entry) => entry.trim()).filter(Boolean);
}
