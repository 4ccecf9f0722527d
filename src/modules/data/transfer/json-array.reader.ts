import type { Readable, TransformCallback } from 'node:stream';
import Assembler from 'stream-json/Assembler';
import Parser from 'stream-json/Parser';

/** A JSON file that is not an array of values, or whose element `row` (counting from 1) is not JSON. */
export class MalformedJsonArray extends Error {
  constructor(
    message: string,
    readonly row: number | null,
  ) {
    super(message);
  }
}

interface Token {
  name: string;
  value?: string;
}

const BLANK = /^[\s\uFEFF]*$/;

/** Elements read ahead of the consumer before the parser is paused. */
const READ_AHEAD = 64;

/**
 * Trailing blanks written after the file. The parser waits for a few characters of lookahead before it
 * decides on a token (16 in stream-json); given them, it finds any bad character of the file while
 * reading it, so that an error at the end of the input can only be the file ending too soon.
 */
const LOOKAHEAD = ' '.repeat(64);

/**
 * The parser as a synchronous tokenizer: each token goes to `onToken` as it is found, rather than into
 * the stream's buffer. A parse error is then seen after every token before it, never ahead of tokens
 * still buffered, so what was read before it places it. It knows when it has been given the whole input.
 */
class TokenParser extends Parser {
  atEnd = false;

  constructor(private readonly onToken: (token: Token) => void) {
    super({ packValues: true, streamValues: false });
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    this.onToken(chunk as Token);
    return true;
  }

  override _flush(callback: TransformCallback): void {
    this.atEnd = true;
    super._flush(callback);
  }
}

/** Where the reading is: its state says which error a parse failure is. */
class ArrayReader {
  state: 'before' | 'inside' | 'after' = 'before';
  row = 0;
  blank = true;
  private assembler = new Assembler();

  /** Takes one token; answers the element it completes, if it does. */
  take(token: Token, elements: unknown[]): void {
    if (this.state === 'before') {
      if (token.name !== 'startArray') throw notAnArray();
      this.state = 'inside';
      return;
    }
    if (this.state === 'after') throw goesOn();
    if (this.assembler.done && token.name === 'endArray') {
      this.state = 'after';
      return;
    }
    // Assembled objects are plain ones, on which this key would set the prototype rather than a value.
    if (token.name === 'keyValue' && token.value === '__proto__') throw new MalformedJsonArray(`Invalid payload: row ${this.row + 1} of the JSON array has a "__proto__" key.`, this.row + 1);
    this.assembler.consume(token);
    if (this.assembler.done) {
      this.row++;
      elements.push(this.assembler.current);
      // A fresh assembler per element: the finished one keeps no reference to what was handed over.
      this.assembler = new Assembler();
    }
  }

  /** What a parse error means, given what was read before it. */
  explain(atEnd: boolean): MalformedJsonArray {
    if (this.state === 'before') return atEnd && this.blank ? empty() : notAnArray();
    if (this.state === 'after') return goesOn();
    if (atEnd) return unclosed(this.row);
    return new MalformedJsonArray(`Invalid payload: row ${this.row + 1} of the JSON array is not valid JSON.`, this.row + 1);
  }
}

/**
 * The elements of a JSON array read from a byte stream one at a time: only the elements being read are
 * held, whatever the size of the file. stream-json tokenizes the bytes; each element of the top-level
 * array is assembled from its tokens and handed over as soon as it is complete. Tokens are taken as the
 * parser emits them, so a parse error is placed by everything read before it: before the array, in one
 * of its elements (naming the row), at the end of the input (the array is not closed) or after it.
 */
export async function* jsonArrayElements(bytes: Readable): AsyncGenerator<unknown> {
  const reader = new ArrayReader();
  const elements: unknown[] = [];
  let failure: Error | null = null;
  let finished = false;
  let wake: (() => void) | null = null;
  const signal = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const fail = (error: Error) => {
    failure ??= error;
    bytes.pause();
    signal();
  };
  const parser = new TokenParser((token) => {
    if (failure) return;
    try {
      reader.take(token, elements);
    } catch (error) {
      fail(error as Error);
    }
  });
  parser.on('error', () => fail(reader.explain(parser.atEnd)));
  parser.on('finish', () => {
    finished = true;
    signal();
  });

  // Fed by hand rather than piped: the read pauses while enough elements wait, and a refused import
  // leaves the rest of the upload to be read off, not destroyed.
  const onData = (chunk: Buffer | string) => {
    if (failure) return;
    if (reader.blank && !BLANK.test(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))) reader.blank = false;
    parser.write(chunk);
    if (elements.length >= READ_AHEAD) bytes.pause();
    signal();
  };
  const onEnd = () => {
    if (failure) return;
    parser.write(LOOKAHEAD);
    parser.end();
  };
  bytes.on('data', onData);
  bytes.once('end', onEnd);
  bytes.once('error', fail);

  try {
    for (;;) {
      if (elements.length > 0) {
        const element = elements.shift();
        if (elements.length < READ_AHEAD / 2 && !failure && bytes.isPaused()) bytes.resume();
        yield element;
        continue;
      }
      if (failure) throw failure;
      if (finished) break;
      if (bytes.isPaused()) bytes.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    bytes.off('data', onData);
    bytes.off('end', onEnd);
    bytes.off('error', fail);
    if (!parser.destroyed) parser.destroy();
  }
  if (reader.state === 'before') throw empty();
  if (reader.state === 'inside') throw unclosed(reader.row);
}

function notAnArray(): MalformedJsonArray {
  return new MalformedJsonArray('Invalid payload: a JSON import is an array of objects, [{...}, {...}].', null);
}

function empty(): MalformedJsonArray {
  return new MalformedJsonArray('Invalid payload: the file is empty; a JSON import is an array of objects.', null);
}

function goesOn(): MalformedJsonArray {
  return new MalformedJsonArray('Invalid payload: the JSON file goes on after its array.', null);
}

function unclosed(row: number): MalformedJsonArray {
  return new MalformedJsonArray(`Invalid payload: the JSON array ends without its closing bracket after row ${row}.`, row + 1);
}
