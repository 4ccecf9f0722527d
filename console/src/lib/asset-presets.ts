/** An asset preset as the API answers it (`GET /asset-presets`). */
export interface AssetPreset {
  name: string;
  width: number | null;
  height: number | null;
  fit: string | null;
  format: string | null;
  quality: number | null;
}

/** The preset form's fields as typed: numbers as text, '' for the server's default. */
export interface PresetForm {
  name: string;
  width: string;
  height: string;
  fit: string;
  format: string;
  quality: string;
}

export const EMPTY_PRESET_FORM: PresetForm = { name: '', width: '', height: '', fit: '', format: '', quality: '' };

/**
 * The body of `POST /asset-presets` from the form: empty fields left out (the default applies), numbers
 * sent as numbers when they are whole, as typed otherwise, so the server names the field it refuses.
 */
export function presetBody(form: PresetForm): Record<string, string | number> {
  const body: Record<string, string | number> = { name: form.name.trim() };
  for (const field of ['width', 'height', 'quality'] as const) {
    const text = form[field].trim();
    if (text !== '') body[field] = /^\d+$/.test(text) ? Number(text) : text;
  }
  if (form.fit) body.fit = form.fit;
  if (form.format) body.format = form.format;
  return body;
}

/** A preset in a few words: `64 × 64 · cover · webp · quality 80`. */
export function describePreset(preset: AssetPreset): string {
  const size = preset.width !== null || preset.height !== null ? `${preset.width ?? 'auto'} × ${preset.height ?? 'auto'}` : 'original size';
  return [size, preset.width !== null && preset.height !== null ? (preset.fit ?? 'cover') : null, preset.format ?? 'same format', preset.quality !== null ? `quality ${preset.quality}` : null]
    .filter((part): part is string => part !== null)
    .join(' · ');
}
