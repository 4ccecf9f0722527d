import { AppError } from '../../../common/errors/app-error';

/** How a resized image fills the box of `width` × `height` (sharp's and CSS's `object-fit` names). */
export const FITS = ['cover', 'contain', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

/** The formats a transform may answer in. */
export const OUTPUT_FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The query parameters of `/assets/{id}` that ask for a transform, besides `preset`. */
export const TRANSFORM_PARAMETERS = ['width', 'height', 'fit', 'format', 'quality'] as const;
export type TransformParameter = (typeof TRANSFORM_PARAMETERS)[number];

/** Some of a transform's settings, as a request or a preset gives them. */
export type TransformSettings = Partial<{ width: number; height: number; fit: Fit; format: OutputFormat; quality: number }>;

/** A transform with every choice made: what is cached under one variant key. */
export interface ImageTransform {
  width: number | null;
  height: number | null;
  fit: Fit;
  format: OutputFormat;
  /** 1–100; null: the encoder's default. */
  quality: number | null;
}

/** How a bad setting is refused: a query parameter (INVALID_QUERY) or a preset's body field (INVALID_PAYLOAD). */
export type SettingsSource = 'query' | 'body';

/**
 * Reads the transform settings present in `input` (a request's query or a preset's body), each checked:
 * width and height whole numbers from 1 to `maxDimension`, quality from 1 to 100, fit and format one of
 * theirs. A query gives numbers as digits, a body as JSON numbers; anything else is refused naming the
 * parameter, so `width=100000`, `width=0`, `width=-5` and `width=1.5` are each a 400 on `width`.
 */
export function readTransformSettings(input: Record<string, unknown>, maxDimension: number, source: SettingsSource): TransformSettings {
  const settings: TransformSettings = {};
  const refuse = (field: TransformParameter, message: string) =>
    new AppError(source === 'query' ? 'INVALID_QUERY' : 'INVALID_PAYLOAD', `Invalid ${source === 'query' ? 'query' : 'payload'}: "${field}" ${message}`, { field });
  for (const field of TRANSFORM_PARAMETERS) {
    const raw = input[field];
    if (raw === undefined || (source === 'body' && raw === null)) continue;
    if (source === 'query' && typeof raw !== 'string') throw refuse(field, 'may be given once.');
    switch (field) {
      case 'width':
      case 'height':
        settings[field] = wholeNumber(raw, source, 1, maxDimension, () => refuse(field, `must be a whole number of pixels from 1 to ${maxDimension}.`));
        break;
      case 'quality':
        settings.quality = wholeNumber(raw, source, 1, 100, () => refuse(field, 'must be a whole number from 1 to 100.'));
        break;
      case 'fit':
        settings.fit = oneOf(FITS, raw, () => refuse(field, `must be one of ${FITS.join(', ')}.`));
        break;
      case 'format':
        settings.format = oneOf(OUTPUT_FORMATS, raw, () => refuse(field, `must be one of ${OUTPUT_FORMATS.join(', ')}.`));
        break;
    }
  }
  return settings;
}

/**
 * The transform a request asks for: a preset's settings, with the request's own on top of them, and the
 * defaults for the rest: `cover`, the source's own format when a transform can answer in it (png
 * otherwise), the encoder's quality. Unless both width and height are given the fit changes nothing
 * (the other side follows the aspect ratio), so it is `cover` in the key too: two spellings of the same
 * transform share one cached variant.
 */
export function resolveTransform(preset: TransformSettings | null, asked: TransformSettings, sourceFormat: string): ImageTransform {
  const merged = { ...preset, ...asked };
  const width = merged.width ?? null;
  const height = merged.height ?? null;
  return {
    width,
    height,
    fit: width !== null && height !== null ? (merged.fit ?? 'cover') : 'cover',
    format: merged.format ?? (OUTPUT_FORMATS.includes(sourceFormat as OutputFormat) ? (sourceFormat as OutputFormat) : 'png'),
    quality: merged.quality ?? null,
  };
}

/** The normalised spelling of a transform, used in its variant's storage key and ETag: `w200-h-cover-q80.webp`. */
export function transformSignature(transform: ImageTransform): string {
  return `w${transform.width ?? ''}-h${transform.height ?? ''}-${transform.fit}-q${transform.quality ?? ''}.${transform.format}`;
}

/** The MIME type of an output format. */
export function formatType(format: OutputFormat): string {
  return `image/${format}`;
}

function wholeNumber(raw: unknown, source: SettingsSource, least: number, most: number, refused: () => AppError): number {
  const value = source === 'query' ? (typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least || value > most) throw refused();
  return value;
}

function oneOf<T extends string>(values: readonly T[], raw: unknown, refused: () => AppError): T {
  if (typeof raw !== 'string' || !values.includes(raw as T)) throw refused();
  return raw as T;
}
