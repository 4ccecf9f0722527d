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
export async function authorizedFetch(request: Request): Promise<Response> {
  const again = request.clone();
  let response = await fetch(withToken(request));
  if (response.status === 401 && sessions.session) {
    const renewed = await sessions.refresh().catch(() => null);
    if (renewed) response = await fetch(withToken(again));
    if (!renewed || response.status === 401) {
      sessions.expire();
      onSessionLost();
    }
  }
  return response;
}

function withToken(request: Request): Request {
  const token = sessions.session?.accessToken;
  if (token) request.headers.set('authorization', `Bearer ${token}`);
  return request;
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
