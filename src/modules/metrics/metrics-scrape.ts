import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, invalidCredentials, invalidToken } from '../../common/errors/app-error';
import { toErrorResponse } from '../../common/errors/error-response';
import type { Metrics } from '../../common/metrics/metrics';

/** The path Prometheus scrapes by default, on PORT (behind the token) or on METRICS_PORT. */
export const METRICS_PATH = '/metrics';

/** An answer to a scrape, the same on either port. */
export interface ScrapeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Answers a scrape: the metrics in Prometheus' text format when the caller may read them, else the
 * contract's 401 envelope. `token` is what the caller must send as `Authorization: Bearer`; null when
 * none is asked (on METRICS_PORT without METRICS_TOKEN). `open` says whether anyone may read them at all:
 * on PORT with no METRICS_TOKEN, nobody may.
 */
export async function answerScrape(metrics: Metrics, access: { open: boolean; token: string | null }, authorization: string | undefined): Promise<ScrapeAnswer> {
  const refusal = refusalOf(access, authorization);
  if (refusal) {
    const answer = failure(refusal);
    return { ...answer, headers: { ...answer.headers, 'www-authenticate': 'Bearer realm="metrics"' } };
  }
  try {
    return { status: 200, headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' }, body: await metrics.render() };
  } catch (error) {
    return failure(error);
  }
}

/** An error as a scrape's answer, in the contract's envelope. */
export function failure(error: unknown): ScrapeAnswer {
  const { status, body } = toErrorResponse(error);
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

function refusalOf(access: { open: boolean; token: string | null }, authorization: string | undefined): AppError | null {
  if (!access.open) return invalidCredentials('Metrics are not enabled: set METRICS_TOKEN (and scrape with it) or METRICS_PORT to read them.');
  if (access.token === null) return null;
  const sent = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (sent === undefined) return invalidCredentials('Authentication required: send the metrics token as Authorization: Bearer <METRICS_TOKEN>.');
  return sameSecret(sent, access.token) ? null : invalidToken('Invalid metrics token.');
}

/** Compares in constant time: digests first, so that neither the length nor a common prefix shows in the timing. */
function sameSecret(sent: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}
