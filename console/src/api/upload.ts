import { authHeaders, authorized } from './client';
import { ApiError, errorFromBody } from './errors';
import type { FileRow } from './types';

export interface UploadOptions {
  ws: string;
  file: File;
  /** The folder to put it in; none for the library's top. */
  folder?: string | null;
  /** Called as bytes leave the browser, with the share sent (0 to 1). */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
}

/**
 * Uploads one file as `multipart/form-data` to `POST /w/{ws}/files`. XMLHttpRequest rather than fetch,
 * because only it reports upload progress. The folder goes before the file part, so the server knows it
 * before the bytes arrive.
 */
export async function uploadFile({ ws, file, folder, onProgress, signal }: UploadOptions): Promise<FileRow> {
  let body = '';
  const response = await authorized(async () => {
    const answer = await send(ws, file, folder, onProgress, signal);
    body = answer.body;
    // Only the status and body matter to the caller; a Response carries them through the renewal.
    return new Response(null, { status: answer.status });
  });
  let parsed: unknown = null;
  try {
    parsed = body ? JSON.parse(body) : null;
  } catch {
    throw new ApiError(response.status, 'ERROR', `The server answered ${response.status} with something that is not JSON.`);
  }
  if (!response.ok) throw errorFromBody(response.status, parsed);
  return (parsed as { data: FileRow }).data;
}

function send(ws: string, file: File, folder: string | null | undefined, onProgress?: (sent: number) => void, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (folder) form.append('folder', folder);
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/w/${ws}/files`);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    // The same TypeError fetch throws, so messageOf words it as an unreachable server.
    xhr.onerror = () => reject(new TypeError('The upload could not reach Cairn.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    if (signal) {
      if (signal.aborted) return xhr.abort();
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(form);
  });
}
