import { authHeaders, authorized } from './client';
import { ApiError, errorFromBody } from './errors';
import type { FileRow } from './types';

export interface PostFormOptions {
  /** Called as bytes leave the browser: bytes sent, and the total (0 when the browser cannot tell). */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * POSTs a `multipart/form-data` body to Cairn's API and answers the reply's `data`. XMLHttpRequest rather
 * than fetch, because only it reports upload progress. The token is the session's, renewed once if it had
 * expired, as for every other request; `form` is called for each try.
 */
export async function postForm<T>(path: string, form: () => FormData, { onProgress, signal }: PostFormOptions = {}): Promise<T> {
  let body = '';
  const response = await authorized(async () => {
    const answer = await send(path, form(), onProgress, signal);
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
  return (parsed as { data: T }).data;
}

export interface UploadOptions {
  ws: string;
  file: File;
  /** The folder to put it in; none for the library's top. */
  folder?: string | null;
  /** Called as bytes leave the browser, with the share sent (0 to 1). */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
}

/** Uploads one file to `POST /w/{ws}/files`. The folder goes before the file part, so the server knows it before the bytes arrive. */
export function uploadFile({ ws, file, folder, onProgress, signal }: UploadOptions): Promise<FileRow> {
  const form = () => {
    const parts = new FormData();
    if (folder) parts.append('folder', folder);
    parts.append('file', file, file.name);
    return parts;
  };
  return postForm<FileRow>(`/w/${ws}/files`, form, { signal, onProgress: (sent, total) => total > 0 && onProgress?.(sent / total) });
}

function send(path: string, form: FormData, onProgress: PostFormOptions['onProgress'], signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : 0);
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
