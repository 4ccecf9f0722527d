import { Injectable } from '@nestjs/common';
import { invalidPayload } from '../../../common/errors/app-error';
import type { FlowsConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { sendGuardedRequest } from '../../webhooks/webhook-sender';
import { WebhookTargetPolicy } from '../../webhooks/webhook-target';
import { hasTemplate } from '../flow-templates';
import { checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepOutcome } from './flow-operation';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** How much of an answer a step keeps. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Headers the transport sets itself. */
const RESERVED_HEADERS = /^(host|content-length|transfer-encoding|connection|user-agent)$/i;

/**
 * `request`: an HTTP request through the webhooks' target policy and sender — only addresses the
 * policy allows (public ones, and WEBHOOK_ALLOWED_TARGETS), no redirects followed, a deadline. The
 * result is the status and the answer (parsed when it is JSON), at most 64 KB of it. No answer, or a
 * status of 400 or more, fails the step.
 */
@Injectable()
export class RequestOperation implements FlowOperation {
  readonly type = 'request';

  constructor(
    private readonly targets: WebhookTargetPolicy,
    @InjectConfig('flows') private readonly config: FlowsConfig,
  ) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['method', 'url', 'headers', 'body'], context.field);
    const { method, url, headers } = options;
    if (method !== undefined && !METHODS.includes(method as string)) throw invalidPayload(`Invalid payload: "method" must be one of ${METHODS.join(', ')}.`, `${context.field}.method`);
    if (typeof url !== 'string' || url.length === 0 || url.length > 2048) throw invalidPayload('Invalid payload: "url" must be an http or https URL, or a template giving one.', `${context.field}.url`);
    // A templated URL is checked when it is known, at run time, like a name's addresses.
    if (!hasTemplate(url)) {
      try {
        this.targets.checkUrl(url);
      } catch (error) {
        throw invalidPayload(`Invalid payload: ${(error as Error).message}`, `${context.field}.url`);
      }
    }
    if (headers !== undefined) {
      const valid = typeof headers === 'object' && headers !== null && !Array.isArray(headers) && Object.entries(headers).every(([name, value]) => /^[A-Za-z0-9-]{1,64}$/.test(name) && !RESERVED_HEADERS.test(name) && typeof value === 'string');
      if (!valid) throw invalidPayload('Invalid payload: "headers" must map header names to strings (not the transport\'s own headers).', `${context.field}.headers`);
    }
  }

  async run(options: OperationOptions): Promise<StepOutcome> {
    const method = (options.method as string | undefined) ?? 'GET';
    const url = this.targets.checkUrl(String(options.url));
    const headers = Object.fromEntries(Object.entries((options.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name, String(value).replace(/[\r\n]/g, ' ')]));
    let body: string | null = null;
    if (options.body !== undefined && options.body !== null && method !== 'GET') {
      if (typeof options.body === 'string') {
        body = options.body;
      } else {
        body = JSON.stringify(options.body);
        if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
    }
    const answer = await sendGuardedRequest(url, { method, headers, body, userAgent: 'Cairn-Flows' }, this.targets, this.config.requestTimeoutMs, MAX_RESPONSE_BYTES);
    if (answer.error !== null && answer.statusCode === 0) throw new Error(`The request to ${url.host} failed: ${answer.error}`);
    const result = { status: answer.statusCode, data: parsed(answer.responseExcerpt), duration_ms: answer.durationMs };
    if (answer.statusCode >= 400) throw new Error(`The request to ${url.host} answered ${answer.statusCode}: ${(answer.responseExcerpt ?? '').slice(0, 200)}`);
    return { result };
  }
}

/** An answer as JSON when it is JSON, else as text; null when empty. */
function parsed(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
