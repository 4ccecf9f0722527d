/** What the import route answers (docs/API.md, "Import and export"). */
export interface ImportFailure {
  row: number;
  field: string | null;
  message: string;
}

export interface ImportResult {
  rows: number;
  errors: ImportFailure[];
}

/** The mapping value of a column that is not imported. */
export const SKIP = '';

/** How much of a file is read to find its columns: a header, or a JSON file's first object. */
const HEAD_BYTES = 256 * 1024;

/** A name as it is compared for matching: case, spaces, dashes and underscores aside. */
function loose(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * Each column to the field of the same name, or to SKIP when there is none: exact names first, then
 * names alike but for case, spaces, dashes and underscores; each field takes one column.
 */
export function autoMapping(columns: string[], fields: string[]): Record<string, string> {
  const byLoose = new Map(fields.map((field) => [loose(field), field]));
  const taken = new Set(columns.filter((column) => fields.includes(column)));
  const mapping: Record<string, string> = {};
  for (const column of columns) {
    if (fields.includes(column)) {
      mapping[column] = column;
      continue;
    }
    const field = byLoose.get(loose(column));
    if (field && !taken.has(field)) {
      mapping[column] = field;
      taken.add(field);
    } else mapping[column] = SKIP;
  }
  return mapping;
}

/** The first record of CSV text, RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function csvHeader(text: string): string[] {
  const source = text.replace(/^\uFEFF/, '');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field.trim());
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      break;
    } else field += ch;
  }
  fields.push(field.trim());
  return fields.length === 1 && fields[0] === '' ? [] : fields;
}

/** The keys of the first object of a JSON array, read from the start of the text. */
export function jsonKeys(text: string): string[] {
  const start = text.indexOf('{');
  if (start < 0) return [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        const first: unknown = JSON.parse(text.slice(start, i + 1));
        return first && typeof first === 'object' && !Array.isArray(first) ? Object.keys(first) : [];
      }
    }
  }
  return [];
}

/** Whether a file is JSON (else CSV), by its type or its name, as the server decides. */
export function isJsonFile(file: { name: string; type: string }): boolean {
  return /json/i.test(file.type) || /\.json$/i.test(file.name);
}

/** The columns of a chosen file: a CSV header, or the keys of a JSON file's first object. */
export async function fileColumns(file: File): Promise<string[]> {
  const head = await file.slice(0, HEAD_BYTES).text();
  const columns = isJsonFile(file) ? jsonKeys(head) : csvHeader(head);
  if (columns.length === 0) throw new Error(`No columns were found in ${file.name}: a CSV file starts with a row of column names, a JSON file is an array of objects.`);
  return columns;
}
