import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import type { WebhookTargetPolicy } from './webhook-target';
import type { WebhookAttemptEntity, WebhookEntity } from './webhook.entities';

/** What one attempt gave: the status (0 when no response came), how long it took, and what was said. */
export interface AttemptResult {
  statusCode: number;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/** What one webhook attempt gave, and the headers it was sent with (the transport's length aside; null when it was not sent). */
export interface WebhookAttemptResult extends AttemptResult {
  requestHeaders: Record<string, string> | null;
}

/** The delivery log's row for an attempt. */
export function attemptRow(id: string, deliveryId: string, attempt: number, result: WebhookAttemptResult): WebhookAttemptEntity {
  const { requestHeaders, ...answer } = result;
  return { id, deliveryId, attempt, ...answer, requestHeaders: requestHeaders && JSON.stringify(requestHeaders), createdAt: new Date() };
}

/** How much of a receiver's answer is kept in the delivery log. */
const EXCERPT_BYTES = 1024;
const USER_AGENT = 'Cairn-Webhooks';

/**
 * Sends one webhook request: a POST with the body and headers given, through the target policy's DNS
 * lookup (so only permitted addresses are connected to), with a deadline for the whole exchange. Redirects
 * are not followed: a 3xx is an answer like any other, and not a success.
 */
export async function sendWebhook(url: URL, body: string, headers: Record<string, string>, targets: WebhookTargetPolicy, timeoutMs: number): Promise<WebhookAttemptResult> {
  const sent = { ...headers, 'content-type': 'application/json' };
  const result = await sendGuardedRequest(url, { method: 'POST', body, headers: sent, userAgent: USER_AGENT }, targets, timeoutMs, EXCERPT_BYTES);
  return { ...result, requestHeaders: { ...sent, 'user-agent': USER_AGENT } };
}

/**
 * The headers of one attempt at sending a message: the webhook's own, then the Standard Webhooks ones —
 * `webhook-id` (the message's id, the same on every attempt), `webhook-timestamp` (now) and
 * `webhook-signature`, signed with the secret, and while a rotation overlaps with the previous one too.
 */
export function signedHeaders(webhook: WebhookEntity, messageId: string, payload: string, now = new Date()): Record<string, string> {
  const secrets = [webhook.secret];
  if (webhook.previousSecret && webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt > now) secrets.push(webhook.previousSecret);
  const signature = secrets.map((secret) => new Webhook(secret).sign(messageId, now, payload)).join(' ');
  const own = webhook.headers === null ? {} : (JSON.parse(webhook.headers) as Record<string, string>);
  return { ...own, 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature };
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
