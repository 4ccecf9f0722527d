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
 * Calls Cairn's API with the session's access token. An access token that expired anyway (a laptop waking
 * up) is renewed once and the request repeated; when that fails the session is over.
 */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await authorizedFetch(path, {
    method,
    headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  }, options.query);
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

/** A request to the API with the session's token (renewed once if it expired), answered as it came: a download's body, say. */
export async function authorizedFetch(path: string, init: RequestInit = {}, query?: Query): Promise<Response> {
  let response = await send(path, init, query);
  if (response.status === 401 && sessions.session) {
    const renewed = await sessions.refresh().catch(() => null);
    if (renewed) response = await send(path, init, query);
    if (!renewed || response.status === 401) {
      sessions.expire();
      onSessionLost();
    }
  }
  return response;
}

function send(path: string, init: RequestInit, query: Query | undefined): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = sessions.session?.accessToken;
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(`/api/v1${path}${queryString(query)}`, { ...init, headers, credentials: 'same-origin' });
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
