/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, a field quoted (its quotes
 * doubled) when it holds a comma, a quote, a CR or an LF. Cairn adds one convention so that null and
 * the empty string survive a round trip: null is an empty field, the empty string is `""`.
 */

const NEEDS_QUOTES = /[",\r\n]/;

/** One value as a CSV field: text as it is, numbers and booleans as JSON writes them, objects and arrays as JSON text. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value as number | boolean | bigint);
  if (text === '' || NEEDS_QUOTES.test(text)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** One record, with its CRLF. */
export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
