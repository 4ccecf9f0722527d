import { fieldType } from '../schema/field-types';
import { findField } from '../schema/schema.lookup';
import type { CollectionDef } from '../schema/schema.types';
import type { ComputedColumn, Expression, ExpressionType } from '../../engine/query/query.ast';

/**
 * A view's computed fields: `{"total": "price * quantity", "label": "concat(first, ' ', last)"}`. The
 * language is small on purpose — numbers, 'text', fields of the source collection, + - * / and
 * parentheses, and the functions concat, lower, upper and coalesce — so that every expression means
 * the same on the three databases. Each is parsed into an Expression, typed, and checked against the
 * collection; anything else is refused with a message naming the computed field.
 */

/** Why an expression is refused; the caller adds which computed field it was. */
export class ExpressionError extends Error {}

const FUNCTIONS = { concat: { min: 1, max: 16 }, lower: { min: 1, max: 1 }, upper: { min: 1, max: 1 }, coalesce: { min: 2, max: 16 } } as const;
type FunctionName = keyof typeof FUNCTIONS;
const MAX_LENGTH = 1_000;
const MAX_DEPTH = 32;

type Token = { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'name'; value: string } | { kind: 'symbol'; value: string };

/** Parses and types one expression over the collection's columns. */
export function parseComputed(alias: string, text: unknown, collection: CollectionDef): ComputedColumn {
  if (typeof text !== 'string' || text.trim() === '') throw new ExpressionError('must be an expression, as a string');
  if (text.length > MAX_LENGTH) throw new ExpressionError(`may be at most ${MAX_LENGTH} characters long`);
  const parser = new ExpressionParser(tokenize(text));
  const expression = parser.parse();
  return { alias, expression, type: typeOf(expression, collection) };
}

/** The fields of the collection an expression reads. */
export function expressionFields(expression: Expression): string[] {
  switch (expression.kind) {
    case 'number':
    case 'string':
      return [];
    case 'field':
      return [expression.field];
    case 'negate':
      return expressionFields(expression.operand);
    case 'binary':
      return [...expressionFields(expression.left), ...expressionFields(expression.right)];
    case 'call':
      return expression.args.flatMap(expressionFields);
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const name = /^[a-z_][a-z0-9_]*/i.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    if (rest[0] === "'") {
      // 'text', with '' for a quote inside.
      let value = '';
      let j = 1;
      for (;;) {
        if (j >= rest.length) throw new ExpressionError('has a text that is not closed with \'');
        if (rest[j] === "'") {
          if (rest[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += rest[j];
        j += 1;
      }
      tokens.push({ kind: 'string', value });
      i += j + 1;
      continue;
    }
    if ('+-*/(),'.includes(rest[0])) {
      tokens.push({ kind: 'symbol', value: rest[0] });
      i += 1;
      continue;
    }
    throw new ExpressionError(`has an unexpected "${rest[0]}"; use numbers, 'text', fields, + - * /, parentheses, concat, lower, upper and coalesce`);
  }
  return tokens;
}

/** expression := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*; unary := '-' unary | primary. */
class ExpressionParser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Expression {
    const expression = this.sum();
    const extra = this.tokens[this.position];
    if (extra) throw new ExpressionError(`has an unexpected "${String(extra.value)}"`);
    return expression;
  }

  private sum(): Expression {
    let left = this.product();
    for (let next = this.symbol('+', '-'); next; next = this.symbol('+', '-')) left = { kind: 'binary', operator: next as '+' | '-', left, right: this.product() };
    return left;
  }

  private product(): Expression {
    let left = this.unary();
    for (let next = this.symbol('*', '/'); next; next = this.symbol('*', '/')) left = { kind: 'binary', operator: next as '*' | '/', left, right: this.unary() };
    return left;
  }

  private unary(): Expression {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`nests deeper than ${MAX_DEPTH} levels`);
    try {
      if (this.symbol('-')) return { kind: 'negate', operand: this.unary() };
      return this.primary();
    } finally {
      this.depth -= 1;
    }
  }

  private primary(): Expression {
    const token = this.tokens[this.position++];
    if (!token) throw new ExpressionError('ends too early');
    if (token.kind === 'number') return { kind: 'number', value: token.value };
    if (token.kind === 'string') return { kind: 'string', value: token.value };
    if (token.kind === 'symbol') {
      if (token.value !== '(') throw new ExpressionError(`has an unexpected "${token.value}"`);
      const inner = this.sum();
      this.expect(')');
      return inner;
    }
    if (!this.symbol('(')) return { kind: 'field', field: token.value };
    const fn = token.value.toLowerCase();
    if (!Object.hasOwn(FUNCTIONS, fn)) throw new ExpressionError(`calls "${token.value}", which is not one of concat, lower, upper and coalesce`);
    const args: Expression[] = [];
    if (!this.symbol(')')) {
      do args.push(this.sum());
      while (this.symbol(','));
      this.expect(')');
    }
    const { min, max } = FUNCTIONS[fn as FunctionName];
    if (args.length < min || args.length > max) throw new ExpressionError(`gives ${fn} ${args.length} argument(s); it takes ${min === max ? min : `${min} to ${max}`}`);
    return { kind: 'call', fn: fn as FunctionName, args };
  }

  private symbol(...values: string[]): string | null {
    const token = this.tokens[this.position];
    if (token?.kind === 'symbol' && values.includes(token.value)) {
      this.position += 1;
      return token.value;
    }
    return null;
  }

  private expect(value: string): void {
    if (!this.symbol(value)) throw new ExpressionError(`misses a "${value}"`);
  }
}

/** The type of an expression, checking its operands: arithmetic on numbers, text functions on text. */
function typeOf(expression: Expression, collection: CollectionDef): ExpressionType {
  const need = (child: Expression, type: ExpressionType, what: string) => {
    if (typeOf(child, collection) !== type) throw new ExpressionError(`uses ${what} on ${type === 'number' ? 'text' : 'a number'}; it needs ${type === 'number' ? 'numbers' : 'text'}`);
  };
  switch (expression.kind) {
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'field': {
      const field = findField(collection, expression.field);
      if (!field) throw new ExpressionError(`names "${expression.field}", which is not a field of "${collection.name}"`);
      if (fieldType(field.type).numeric) return 'number';
      if (fieldType(field.type).textual) return 'string';
      throw new ExpressionError(`names "${expression.field}", a ${field.type} field; only number and text fields can be computed with`);
    }
    case 'negate':
      need(expression.operand, 'number', '-');
      return 'number';
    case 'binary':
      need(expression.left, 'number', expression.operator);
      need(expression.right, 'number', expression.operator);
      return 'number';
    case 'call':
      if (expression.fn === 'coalesce') {
        const type = typeOf(expression.args[0], collection);
        for (const arg of expression.args.slice(1)) need(arg, type, 'coalesce of mixed types');
        return type;
      }
      for (const arg of expression.args) need(arg, 'string', expression.fn);
      return 'string';
  }
}
