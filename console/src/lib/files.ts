import type { Folder } from '../api/types';

/** The folders from the top down to `id` (itself included); a broken or looping chain stops where it breaks. */
export function folderTrail(folders: Folder[], id: string | null | undefined): Folder[] {
  const byId = new Map(folders.map((folder) => [folder.id, folder]));
  const trail: Folder[] = [];
  const seen = new Set<string>();
  let current = id ? byId.get(id) : undefined;
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    trail.unshift(current);
    current = current.parent ? byId.get(current.parent) : undefined;
  }
  return trail;
}

/** Every folder as a choice named by its whole path ("Reports / 2025"), in path order. */
export function folderChoices(folders: Folder[]): { id: string; label: string }[] {
  return folders
    .map((folder) => ({ id: folder.id, label: folderTrail(folders, folder.id).map((f) => f.name).join(' / ') }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** The folders directly inside `parent` (null: the top), by name. */
export function childFolders(folders: Folder[], parent: string | null): Folder[] {
  return folders.filter((folder) => (folder.parent ?? null) === parent).sort((a, b) => a.name.localeCompare(b.name));
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** A size for people: 1 KB is 1,024 bytes, one decimal from KB up. */
export function formatBytes(value: number | string): string {
  let size = Number(value);
  if (!Number.isFinite(size) || size < 0) return String(value);
  let unit = 0;
  while (size >= 1024 && unit < UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  return unit === 0 ? `${size} ${size === 1 ? 'byte' : 'bytes'}` : `${size.toFixed(1)} ${UNITS[unit]}`;
}

/** The image types Cairn serves inline (docs/API.md, Files), which an <img> can show as a preview. */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);
/** Above this a thumbnail would fetch too much for a list; the file is still a download away. */
const PREVIEW_MAX_BYTES = 10 * 1024 * 1024;

export function isPreviewable(type: string, size: number | string): boolean {
  return PREVIEWABLE.has(type.toLowerCase()) && Number(size) <= PREVIEW_MAX_BYTES;
}

/** The image types the server transforms (`/assets/{id}?width=…`, docs/API.md, Files). */
const TRANSFORMABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/tiff']);
/** Above this even a transform is not asked for in a list: the server would read the whole file for a thumbnail. */
const TRANSFORM_MAX_BYTES = 50 * 1024 * 1024;

/** A list's thumbnail: a WebP of twice the 44 px cell, for sharp screens, cropped to fill it. */
export const THUMBNAIL_TRANSFORM = { width: 88, height: 88, fit: 'cover', format: 'webp' } as const;
/** A preview of an image a browser cannot show (TIFF) or too large to fetch whole: at most 1600 px a side. */
export const PREVIEW_TRANSFORM = { width: 1600, height: 1600, fit: 'inside', format: 'webp' } as const;

/** How to fetch what shows a file: a transform of it, the file itself, or nothing (an icon instead). */
export type ImageRequest = { transform: Readonly<Record<string, string | number>> } | 'original' | null;

function transformable(type: string, size: number | string): boolean {
  return TRANSFORMABLE.has(type.toLowerCase()) && Number(size) <= TRANSFORM_MAX_BYTES;
}

/** A list's thumbnail: a small variant the server makes and caches when it can, else the image itself. */
export function thumbnailRequest(type: string, size: number | string): ImageRequest {
  if (transformable(type, size)) return { transform: THUMBNAIL_TRANSFORM };
  return isPreviewable(type, size) ? 'original' : null;
}

/** The large preview: the image itself when the browser shows it and it is small enough, else a large variant. */
export function previewRequest(type: string, size: number | string): ImageRequest {
  if (isPreviewable(type, size)) return 'original';
  return transformable(type, size) ? { transform: PREVIEW_TRANSFORM } : null;
}
