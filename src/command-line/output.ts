import { Writable } from 'node:stream';

/**
 * Where a command's answer goes: with `--json`, one JSON document on stdout for scripts; otherwise text
 * for a person. Notes about what is going on (the mode, progress) go to stderr in both, so that stdout
 * holds only the answer.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: Writable = process.stdout,
    private readonly stderr: Writable = process.stderr,
  ) {}

  /** The command's answer: `value` as JSON with `--json`, else the text `describe` makes of it. */
  result<T>(value: T, describe: (value: T) => string): void {
    const text = this.json ? JSON.stringify(value, null, 2) : describe(value);
    if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note for the person at the terminal, never part of the answer. */
  note(message: string): void {
    this.stderr.write(`${message}\n`);
  }
}

/** Rows as a plain text table with a header, columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}
