import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { CliError } from './cli-errors';

type Query = Record<string, string | undefined>;

/**
 * The public HTTP API of a running instance, as the command line calls it in API mode: JSON requests
 * with the token as a bearer credential, downloads as streams, uploads as multipart forms. Any refusal
 * becomes a CliError with the API's own message (its error envelope), never a stack trace.
 */
export class ApiClient {
  /** The API's root, `…/api/v1`, whether the URL given was the instance's address or the API's. */
  readonly apiUrl: string;

  constructor(
    instanceUrl: string,
    private readonly token: string | undefined,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(instanceUrl);
    } catch {
      throw new CliError(`"${instanceUrl}" is not a URL: give the instance's address, such as https://cairn.example.com.`, 2);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`"${instanceUrl}" is not an http or https URL.`, 2);
    const path = parsed.pathname.replace(/\/+$/, '');
    parsed.pathname = path.endsWith('/api/v1') ? path : `${path}/api/v1`;
    this.apiUrl = parsed.toString().replace(/\/+$/, '');
  }

  /** The `data` of a JSON answer (undefined for 204). */
  async json<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, query: Query = {}): Promise<T> {
    const response = await this.send(path, query, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const answer = (await response.json()) as { data: T };
    return answer.data;
  }

  /** A download's bytes as they arrive. */
  async download(path: string, query: Query): Promise<Readable> {
    const response = await this.send(path, query, { method: 'GET' });
    if (!response.body) return Readable.from([]);
    return Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
  }

  /** Sends a local file (streamed from disk) as the part `file` (or `file.part`) of a multipart form, with text fields before it. */
  async upload<T>(path: string, file: { path: string; type: string; part?: string }, fields: Record<string, string>, query: Query = {}): Promise<T> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append(file.part ?? 'file', await openAsBlob(file.path, { type: file.type }), basename(file.path));
    const response = await this.send(path, query, { method: 'POST', body: form });
    return ((await response.json()) as { data: T }).data;
  }

  private async send(path: string, query: Query, init: RequestInit): Promise<Response> {
    const url = new URL(`${this.apiUrl}${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    const headers = new Headers(init.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Could not reach the API at ${this.apiUrl}: ${cause?.code ?? cause?.message ?? String(error)}.`);
    }
    if (!response.ok) throw await refusal(response, this.token !== undefined);
    return response;
  }
}

/** The API's refusal as one line: its status, its code and message, and a hint for a missing or bad token. */
async function refusal(response: Response, hadToken: boolean): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let message = text.slice(0, 500) || response.statusText;
  let code: string | undefined;
  try {
    const envelope = JSON.parse(text) as { errors?: Array<{ message?: string; extensions?: { code?: string } }> };
    const first = envelope.errors?.[0];
    if (first?.message) message = first.message;
    code = first?.extensions?.code;
  } catch {
    // Not Cairn's envelope (a proxy's page, say): its text is the message.
  }
  const hint = response.status === 401 ? (hadToken ? ' Check the token (--token or CAIRN_TOKEN).' : ' Give a token with --token or CAIRN_TOKEN.') : '';
  return new CliError(`The API refused (${response.status}${code ? ` ${code}` : ''}): ${message}${hint}`);
}
