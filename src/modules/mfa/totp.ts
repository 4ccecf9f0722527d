import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

/**
 * TOTP as authenticator apps compute it (RFC 6238: SHA-1, 6 digits, 30-second steps), through otplib,
 * at the instance's clock. One step either side is accepted, for a phone whose clock drifts a little.
 */
const PERIOD_SECONDS = 30;
const TOLERANCE_SECONDS = PERIOD_SECONDS;

export const newTotpSecret = (): string => generateSecret();

export const totpUri = (issuer: string, label: string, secret: string): string => generateURI({ issuer, label, secret, period: PERIOD_SECONDS });

/** The current code of a secret: what an authenticator app shows now. */
export const totpCode = (secret: string, epochSeconds: number): string => generateSync({ secret, epoch: epochSeconds, period: PERIOD_SECONDS });

/**
 * The time step a code belongs to when it is valid now and later than `afterTimeStep`, else null: a code
 * accepted once (its step recorded) is never accepted again.
 */
export function totpTimeStep(secret: string, code: string, epochSeconds: number, afterTimeStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    epoch: epochSeconds,
    period: PERIOD_SECONDS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterTimeStep === null ? {} : { afterTimeStep }),
  });
  // Time-based results carry their step; otplib types the union of its TOTP and HOTP results.
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
