import { invalidPayload } from '../../common/errors/app-error';

/** The longest `filename_download` kept, in characters; longer names are cut before their extension. */
export const MAX_FILENAME_LENGTH = 200;

/**
 * Refuses a client's file name that holds a path (a separator, or `.`/`..` alone) or control
 * characters: such a name is an attack or a broken client, and is answered 400 rather than guessed at.
 */
export function assertPlainFilename(raw: string | undefined | null, field: string): void {
  const name = raw ?? '';
  // eslint-disable-next-line no-control-regex
  if (/[\\/]|[\u0000-\u001f\u007f]/.test(name) || /^\s*\.{1,2}\s*$/.test(name)) {
    throw invalidPayload('Invalid payload: a file name may not hold a path (/ or \\), stand for a folder (. or ..) or hold control characters.', field);
  }
}

/**
 * The client's file name made safe to store and to send back in `Content-Disposition`: its last path
 * segment only (either separator), without control characters, characters Windows forbids, or leading
 * dots, and at most MAX_FILENAME_LENGTH characters. It never reaches the file system: the bytes are
 * stored under a name Cairn makes (`diskName`).
 */
export function sanitizeFilename(raw: string | undefined | null): string {
  const text = (raw ?? '').normalize('NFC');
  const base = text.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[<>:"|?*\u2028\u2029]/g, '_')
    .replace(/^[\s.]+/, '')
    .trim();
  if (cleaned === '') return 'file';
  const chars = Array.from(cleaned);
  if (chars.length <= MAX_FILENAME_LENGTH) return cleaned;
  const extension = extensionOf(cleaned);
  const keep = MAX_FILENAME_LENGTH - (extension ? extension.length + 1 : 0);
  return `${chars.slice(0, keep).join('')}${extension ? `.${extension}` : ''}`;
}

/** The lower-case extension of a name when it is a plain one (letters and digits, up to 10), else ''. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return '';
  const extension = name.slice(dot + 1).toLowerCase();
  return /^[a-z0-9]{1,10}$/.test(extension) ? extension : '';
}

/** The name a file's bytes are stored under: its id and its safe extension, nothing of the client's. */
export function diskName(id: string, filename: string): string {
  const extension = extensionOf(filename);
  return extension ? `${id}.${extension}` : id;
}

