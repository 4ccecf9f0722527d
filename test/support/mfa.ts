import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import type { Clock } from '../../src/common/clock/clock';
import type { DevOutbox } from '../../src/modules/mail/dev-outbox';
import { MAIL_TRANSPORT } from '../../src/modules/mail/mail-transport';
import type { RunningApp } from './app';
import type { Api } from './http';
import type { OutboxMessage } from './app-users';

/** A TOTP step: a code is new again once the clock has moved this far. */
export const TOTP_STEP_MS = 30_000;

/** The code an authenticator app with this secret shows at the instance's time. */
export function currentCode(secret: string, clock: Clock): string {
  return generateSync({ secret, epoch: clock.seconds() });
}

/** Six digits that are no code the instance accepts now: none of the current step's, nor its neighbours'. */
export function wrongCode(secret: string, clock: Clock): string {
  const accepted = [-30, 0, 30].map((offset) => generateSync({ secret, epoch: clock.seconds() + offset }));
  return ['000000', '111111', '222222', '333333'].find((code) => !accepted.includes(code))!;
}

export interface Enrolment {
  secret: string;
  recoveryCodes: string[];
}

/**
 * Enrols an authenticator for the caller of `authBase` (`/api/v1/auth` or `/api/v1/w/{ws}/auth`) and
 * moves the clock past the step of the code that turned it on, so the next code is a fresh one.
 */
export async function enrolMfa(api: Api, authBase: string, accessToken: string, app: RunningApp): Promise<Enrolment> {
  const setup = await api.post(`${authBase}/mfa/totp/setup`, {}, { token: accessToken });
  assert.equal(setup.status, 200, setup.text);
  const { secret } = setup.body.data;
  const enabled = await api.post(`${authBase}/mfa/totp/enable`, { code: currentCode(secret, app.clock) }, { token: accessToken });
  assert.equal(enabled.status, 200, enabled.text);
  app.clock.advance(TOTP_STEP_MS);
  return { secret, recoveryCodes: enabled.body.data.recovery_codes };
}

/** The platform's mails (magic links of accounts) in the dev outbox, newest first; they belong to no workspace. */
export function platformOutbox(app: RunningApp): OutboxMessage[] {
  const outbox = app.nest.get<symbol, DevOutbox>(MAIL_TRANSPORT);
  return outbox.list('platform').map((message) => ({ to: message.to, subject: message.subject, text: message.text, created_at: message.createdAt.toISOString() }));
}
