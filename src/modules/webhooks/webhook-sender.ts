import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookTargetPolicy } from './webhook-target';

/** What one attempt gave: the status (0 when no response came), how long it took, and what was said. */
export interface AttemptResult {
  statusCode: number;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/** How much of a receiver's answer is kept in the delivery log. */
const EXCERPT_BYTES = 1024;

/**
 * Sends one webhook request: a POST with the body and headers given, through the target policy's DNS
 * lookup (so only permitted addresses are connected to), with a deadline for the whole exchange. Redirects
 * are not followed: a 3xx is an answer like any other, and not a success.
 */
export function sendWebhook(url: URL, body: string, headers: Record<string, string>, targets: WebhookTargetPolicy, timeoutMs: number): Promise<AttemptResult> {
  return sendGuardedRequest(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' }, userAgent: 'Cairn-Webhooks' }, targets, timeoutMs, EXCERPT_BYTES);
}

/** An outgoing request: its method, headers and body (none for a bodiless request). */
export interface OutgoingRequest {
  method: string;
  headers: Record<string, string>;
  body: string | null;
  userAgent: string;
}

/**
 * Sends one request to a target the policy allows (its URL checked first, then every address its name
 * resolves to, connecting only to a checked address), with a deadline for the whole exchange, never
 * following redirects, and keeping at most `keepBytes` of the answer. Never rejects: a refusal, a
 * timeout or a network error is an answer with status 0 and the error.
 */
export function sendGuardedRequest(url: URL, outgoing: OutgoingRequest, targets: WebhookTargetPolicy, timeoutMs: number, keepBytes: number): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...result, durationMs: elapsed() });
    };
    try {
      targets.checkUrl(url.toString());
    } catch (error) {
      finish({ statusCode: 0, error: (error as Error).message, responseExcerpt: null });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const length: Record<string, string | number> = outgoing.body === null ? {} : { 'content-length': Buffer.byteLength(outgoing.body) };
    const request = send(url, {
      method: outgoing.method,
      headers: { ...outgoing.headers, ...length, 'user-agent': outgoing.userAgent },
      lookup: targets.lookup,
    });
    const deadline = setTimeout(() => {
      request.destroy();
      finish({ statusCode: 0, error: `No answer within ${timeoutMs} ms.`, responseExcerpt: null });
    }, timeoutMs);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < keepBytes) chunks.push(chunk.subarray(0, keepBytes - kept));
        kept += chunk.length;
      });
      response.on('end', () => finish({ statusCode: response.statusCode ?? 0, error: null, responseExcerpt: Buffer.concat(chunks).toString('utf8') || null }));
      response.on('error', (error) => finish({ statusCode: response.statusCode ?? 0, error: error.message, responseExcerpt: null }));
    });
    request.on('error', (error) => finish({ statusCode: 0, error: error.message, responseExcerpt: null }));
    request.end(outgoing.body ?? undefined);
  });
}
