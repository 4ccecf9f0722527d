import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';

/** A file part for `upload`: its name, declared type and bytes, with form fields before and after it. */
export interface UploadPart {
  filename: string;
  type: string;
  content: Buffer | string;
  before?: Record<string, string>;
  after?: Record<string, string>;
  /** The part's form name: `file` unless given. */
  name?: string;
}

const BOUNDARY = '----cairn-test-boundary-7c1f0e';

function fieldPart(name: string, value: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

function fileHead(filename: string, type: string, name = 'file'): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
}

function fieldsOf(fields: Record<string, string> | undefined): string {
  return Object.entries(fields ?? {}).map(([name, value]) => fieldPart(name, value)).join('');
}

/** A multipart body, written by hand so that the file name reaches the server exactly as given. */
export function multipartBody(part: UploadPart): { content: Buffer; contentType: string } {
  const content = Buffer.concat([
    Buffer.from(fieldsOf(part.before) + fileHead(part.filename, part.type, part.name)),
    Buffer.from(part.content),
    Buffer.from(`\r\n${fieldsOf(part.after)}--${BOUNDARY}--\r\n`),
  ]);
  return { content, contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}

export interface StreamedUpload {
  status: number;
  body: any;
  sha256: string;
  /** The first and last chunks sent, to check ranges against. */
  first: Buffer;
  last: Buffer;
}

/**
 * Uploads `size` random bytes as a stream, never holding more than one chunk, calling `checkpoint`
 * after each `every` bytes once the request has drained, so a test can look at the server meanwhile.
 */
export async function streamUpload(
  url: string,
  token: string,
  options: { filename: string; type: string; size: number; chunk: number; every: number; checkpoint: (sent: number) => Promise<void> },
): Promise<StreamedUpload> {
  const target = new URL(url);
  const req = request({ hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
  const answered = once(req, 'response');
  const hash = createHash('sha256');
  let first = Buffer.alloc(0);
  let last = Buffer.alloc(0);
  const write = async (data: Buffer) => {
    if (!req.write(data)) await once(req, 'drain');
  };
  await write(Buffer.from(fileHead(options.filename, options.type)));
  let sent = 0;
  let nextCheckpoint = options.every;
  while (sent < options.size) {
    const chunk = randomBytes(Math.min(options.chunk, options.size - sent));
    hash.update(chunk);
    if (sent === 0) first = chunk;
    last = chunk;
    await write(chunk);
    sent += chunk.length;
    if (sent >= nextCheckpoint && sent < options.size) {
      await options.checkpoint(sent);
      nextCheckpoint += options.every;
    }
  }
  req.end(`\r\n--${BOUNDARY}--\r\n`);
  const [response] = (await answered) as [import('node:http').IncomingMessage];
  let text = '';
  for await (const piece of response) text += String(piece);
  return { status: response.statusCode ?? 0, body: text ? JSON.parse(text) : null, sha256: hash.digest('hex'), first, last };
}

/** Downloads a URL as a stream and answers its status, headers, size and SHA-256, holding no more than a chunk. */
export async function streamDownload(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; size: number; sha256: string; bytes: Buffer | null }> {
  const response = await fetch(url, { headers });
  const hash = createHash('sha256');
  let size = 0;
  const small: Buffer[] = [];
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    const buffer = Buffer.from(chunk as Uint8Array);
    hash.update(buffer);
    size += buffer.length;
    if (size <= 1024 * 1024) small.push(buffer);
  }
  return { status: response.status, headers: response.headers, size, sha256: hash.digest('hex'), bytes: size <= 1024 * 1024 ? Buffer.concat(small) : null };
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
