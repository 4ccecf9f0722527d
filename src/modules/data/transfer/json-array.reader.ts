import { StringDecoder } from 'node:string_decoder';

/** A JSON file that is not an array of values, or whose element `row` (counting from 1) is not JSON. */
export class MalformedJsonArray extends Error {
  constructor(
    message: string,
    readonly row: number | null,
  ) {
    super(message);
  }
}

const OPEN = new Set(['{', '[']);
const CLOSE = new Set(['}', ']']);
const BLANK = /^[\s\uFEFF]*$/;

/**
 * The elements of a JSON array read from a byte stream one at a time: only the element being read is
 * held, whatever the size of the file. Each element's text is found by tracking strings and nesting,
 * then handed to JSON.parse, so every element is exactly what JSON.parse would make of it.
 */
export async function* jsonArrayElements(bytes: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let state: 'before' | 'inside' | 'after' = 'before';
  let element = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let row = 0;

  const finish = (last: boolean): unknown[] => {
    if (BLANK.test(element)) {
      // `[]` is an empty array; `[1,]` and `[,1]` are not JSON.
      if (last && row === 0) return [];
      throw new MalformedJsonArray(`Invalid payload: the JSON array has an empty element after row ${row}.`, row + 1);
    }
    row++;
    const text = element;
    element = '';
    try {
      return [JSON.parse(text)];
    } catch {
      throw new MalformedJsonArray(`Invalid payload: row ${row} of the JSON array is not valid JSON.`, row);
    }
  };

  const scan = function* (chunk: string): Generator<unknown> {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      if (state === 'before') {
        if (ch === '[') {
          state = 'inside';
          start = i + 1;
        } else if (!BLANK.test(ch)) {
          throw new MalformedJsonArray('Invalid payload: a JSON import is an array of objects, [{...}, {...}].', null);
        }
        continue;
      }
      if (state === 'after') {
        if (!BLANK.test(ch)) throw new MalformedJsonArray('Invalid payload: the JSON file goes on after its array.', null);
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (OPEN.has(ch)) depth++;
      else if (CLOSE.has(ch) && depth > 0) depth--;
      else if ((ch === ',' || ch === ']') && depth === 0) {
        element += chunk.slice(start, i);
        yield* finish(ch === ']');
        start = i + 1;
        if (ch === ']') state = 'after';
      }
    }
    if (state === 'inside') element += chunk.slice(start);
  };

  for await (const chunk of bytes) yield* scan(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  yield* scan(decoder.end());
  if (state === 'before') throw new MalformedJsonArray('Invalid payload: the file is empty; a JSON import is an array of objects.', null);
  if (state === 'inside') throw new MalformedJsonArray(`Invalid payload: the JSON array ends without its closing bracket after row ${row}.`, row + 1);
}
