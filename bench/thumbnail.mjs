// thumbnail_cached: a transformed thumbnail served from cache. Cairn's side is an image uploaded through
// its API and asked for as `/assets/{id}?width=200&height=200&fit=cover&format=webp`, the variant made by
// the first request and then read from the storage driver; the baseline's side (`baselineThumbnail`,
// used by baseline-server.mjs) does the same by hand: one SELECT of the file's row, then the thumbnail
// from its own cache folder, made once with sharp called directly.

import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export const THUMBNAIL_QUERY = 'width=200&height=200&fit=cover&format=webp';
const FITS = new Set(['cover', 'contain', 'inside', 'outside']);
const FORMATS = new Set(['webp', 'avif', 'jpeg', 'png']);

/** A photo-sized JPEG (1600 × 1200) with shapes in it, made with sharp. */
async function benchPhoto() {
  const block = (width, height, colour) => sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 40, g: 90, b: 160 } } })
    .composite([
      { input: await block(700, 500, { r: 220, g: 180, b: 40 }), top: 100, left: 150 },
      { input: await block(400, 600, { r: 30, g: 160, b: 80 }), top: 450, left: 1000 },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * Uploads the photo through Cairn's API (as the bench's API key) and copies its bytes under the same
 * stored name into `sourceDir`, the baseline's own storage. Answers the file's id.
 */
export async function prepareThumbnail(cairnUrl, ws, key, sourceDir) {
  const photo = await benchPhoto();
  const form = new FormData();
  form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(`${cairnUrl}${ws}/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${ws}/files answered ${response.status}: ${text.slice(0, 300)}`);
  const file = JSON.parse(text).data;
  await mkdir(sourceDir, { recursive: true });
  await writeFile(join(sourceDir, file.filename_disk), photo);
  return file.id;
}

/** The scenario's definition for run.mjs: the same thumbnail every time, read back as its metadata. */
export function thumbnailScenario(ws, fileId) {
  const path = `${ws}/assets/${fileId}?${THUMBNAIL_QUERY}`;
  return {
    method: 'GET',
    path: () => path,
    sample: { path },
    readRaw: async (bytes, headers) => {
      const metadata = await sharp(bytes).metadata();
      return { type: headers.get('content-type'), format: metadata.format, width: metadata.width, height: metadata.height };
    },
    check: (data) => (data.type === 'image/webp' && data.format === 'webp' && data.width === 200 && data.height === 200) || 'not a 200 × 200 WebP thumbnail',
  };
}

/**
 * The baseline's handler of `GET …/assets/<id>?width=&height=&fit=&format=&quality=`: the parameters
 * checked, the row read from `cairn_files` (the table a hand-written server would have), the thumbnail
 * from `cacheDir` or made with sharp from `sourceDir` and stored there. Answers false when the path is
 * not an asset's.
 */
export function baselineThumbnail({ db, quote: q, placeholder: p, workspace, sourceDir, cacheDir }) {
  const prefix = `/api/v1/w/${workspace}/assets/`;
  const byId = `SELECT ${q('type')}, ${q('filename_disk')} FROM ${q('cairn_files')} WHERE ${q('id')} = ${p(1)}`;
  const made = mkdir(cacheDir, { recursive: true });
  const dimension = (value) => (value === null ? null : /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 4000 ? Number(value) : NaN);

  return async function serve(req, res, path, params) {
    if (req.method !== 'GET' || !path.startsWith(prefix)) return false;
    const id = path.slice(prefix.length);
    const width = dimension(params.get('width'));
    const height = dimension(params.get('height'));
    const quality = params.get('quality') === null ? null : Number(params.get('quality'));
    const fit = params.get('fit') ?? 'cover';
    const format = params.get('format') ?? 'jpeg';
    if (Number.isNaN(width) || Number.isNaN(height) || !FITS.has(fit) || !FORMATS.has(format) || (quality !== null && !(Number.isInteger(quality) && quality >= 1 && quality <= 100))) {
      return reply(res, 400, 'invalid transform');
    }
    if (!/^[0-9a-f-]{36}$/.test(id)) return reply(res, 404, 'not found');
    const [row] = await db.query(byId, [id]);
    if (!row) return reply(res, 404, 'not found');
    if (!String(row.type).startsWith('image/')) return reply(res, 400, 'not an image');
    await made;
    const cached = join(cacheDir, `${id}-w${width ?? ''}-h${height ?? ''}-${fit}-q${quality ?? ''}.${format}`);
    const found = await stat(cached).catch(() => null);
    if (found) {
      res.writeHead(200, { 'content-type': `image/${format}`, 'content-length': found.size });
      createReadStream(cached).pipe(res);
      return true;
    }
    const bytes = await sharp(await readFile(join(sourceDir, row.filename_disk)))
      .resize({ width: width ?? undefined, height: height ?? undefined, fit })
      .toFormat(format, quality === null ? {} : { quality })
      .toBuffer();
    await writeFile(cached, bytes);
    res.writeHead(200, { 'content-type': `image/${format}`, 'content-length': bytes.length });
    res.end(bytes);
    return true;
  };
}

function reply(res, status, message) {
  const body = JSON.stringify({ errors: [{ message }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}
