import { extensionOf } from './file-names';

/**
 * Types of common extensions: what a browser would take a file for from its name. Checked beside the
 * declared type, so that `page.html` declared as `image/png` is still judged as HTML.
 */
const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', bmp: 'image/bmp',
  ico: 'image/vnd.microsoft.icon', svg: 'image/svg+xml', svgz: 'image/svg+xml', tif: 'image/tiff', tiff: 'image/tiff',
  pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', md: 'text/markdown', json: 'application/json',
  html: 'text/html', htm: 'text/html', xhtml: 'application/xhtml+xml', xml: 'application/xml', css: 'text/css',
  js: 'text/javascript', mjs: 'text/javascript', wasm: 'application/wasm',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', oga: 'audio/ogg', flac: 'audio/flac', m4a: 'audio/mp4',
  mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', ogv: 'video/ogg', mov: 'video/quicktime',
  zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', exe: 'application/vnd.microsoft.portable-executable',
};

export const GENERIC_TYPE = 'application/octet-stream';

/** Types a browser shows without running anything; everything else is served as an attachment. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'text/plain']);
const INLINE_PREFIXES = ['audio/', 'video/'];

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** A declared type in its plain form (`Text/HTML; charset=x` → `text/html`), or null when it is not a type. */
export function normalizeType(declared: string | undefined | null): string | null {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase();
  return MIME.test(type) ? type : null;
}

/** The type an extension stands for, or null for an unknown or missing one. */
export function typeOfExtension(filename: string): string | null {
  return EXTENSION_TYPES[extensionOf(filename)] ?? null;
}

/**
 * The type to store: the declared one, unless the client declared nothing useful (none, or the generic
 * `application/octet-stream` that tools send for anything), then the extension's.
 */
export function storedType(declared: string | null, filename: string): string {
  if (declared && declared !== GENERIC_TYPE) return declared;
  return typeOfExtension(filename) ?? GENERIC_TYPE;
}

function matches(type: string, pattern: string): boolean {
  if (pattern === '*/*') return true;
  if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

/** Which types uploads may have: on the allowed list and not on the denied one. */
export class TypePolicy {
  constructor(
    private readonly allowed: readonly string[],
    private readonly denied: readonly string[],
  ) {}

  accepts(type: string): boolean {
    return this.allowed.some((pattern) => matches(type, pattern)) && !this.denied.some((pattern) => matches(type, pattern));
  }
}

/**
 * Whether a file may be shown in the browser rather than downloaded: its stored type and the type its
 * name suggests must both be on the safe list (images but SVG, audio, video, plain text). HTML, SVG,
 * XML, JavaScript, PDF and anything unknown are attachments.
 */
export function isInlineSafe(type: string, filename: string): boolean {
  const safe = (t: string) => INLINE_TYPES.has(t) || INLINE_PREFIXES.some((prefix) => t.startsWith(prefix));
  const byName = typeOfExtension(filename);
  return safe(type) && (byName === null || safe(byName));
}
