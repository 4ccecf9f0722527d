import { ApiError, errorFromBody } from './errors';
import { sessions } from './session';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

/** Called when a request finds the session gone for good: the app sends the user to sign in. */
let onSessionLost: () => void = () => undefined;
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

/**
 * fetch() with the session's access token. An access token that expired anyway (a laptop waking up) is
 * renewed once and the request repeated; when that fails the session is over. The typed client of the
 * platform routes (system.ts) sends its requests through here too.
 */
export function authorizedFetch(request: Request): Promise<Response> {
  // Each run sends a copy with the token of the moment: a renewed one the second time.
  return authorized(() => {
    const copy = request.clone();
    for (const [name, value] of Object.entries(authHeaders())) copy.headers.set(name, value);
    return fetch(copy);
  });
}

/** Calls Cairn's API; answers the parsed JSON body, or throws the error envelope as an ApiError. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await authorizedFetch(
    new Request(`/api/v1${path}${queryString(options.query)}`, {
      method,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    }),
  );
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, 'ERROR', `The server answered ${response.status} with something that is not JSON.`);
  }
  if (!response.ok) throw errorFromBody(response.status, body);
  return body as T;
}

/**
 * Runs a request with the session's token; a 401 renews the token once and runs it again, and when that
 * fails too the session is over. The request reads the token anew each time it runs.
 */
export async function authorized(run: () => Promise<Response>): Promise<Response> {
  let response = await run();
  if (response.status === 401 && sessions.session) {
    const renewed = await sessions.refresh().catch(() => null);
    if (renewed) response = await run();
    if (!renewed || response.status === 401) {
      sessions.expire();
      onSessionLost();
    }
  }
  return response;
}

/** The `Authorization` header of the session, for requests made outside `api` (uploads, file bytes). */
export function authHeaders(): Record<string, string> {
  const token = sessions.session?.accessToken;
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * The bytes of a workspace's file, or of a transformed variant of an image (`transform`: width, height,
 * fit, format, quality, preset), fetched with the session's header rather than `?access_token=`, so no
 * token lands in an address (server logs, history). Refusals come back in the API's envelope.
 */
export async function fetchAsset(ws: string, id: string, signal?: AbortSignal, transform?: Query): Promise<Blob> {
  const response = await authorized(() => fetch(`/api/v1/w/${ws}/assets/${id}${queryString(transform)}`, { headers: authHeaders(), credentials: 'same-origin', signal }));
  if (!response.ok) throw errorFromBody(response.status, await response.json().catch(() => null));
  return response.blob();
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The `data` of a success envelope. */
export async function data<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
  return (await api<{ data: T }>(method, path, options)).data;
}

export const get = <T>(path: string, query?: Query) => data<T>('GET', path, { query });
export const post = <T>(path: string, body: unknown, query?: Query) => data<T>('POST', path, { body, query });
export const patch = <T>(path: string, body: unknown, query?: Query) => data<T>('PATCH', path, { body, query });
export const remove = (path: string, query?: Query, body?: unknown) => api<void>('DELETE', path, { query, body });
