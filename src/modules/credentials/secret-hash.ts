import { createHash, randomBytes } from 'node:crypto';

/** A new random secret (refresh token, API key) with a readable prefix. */
export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of a high-entropy secret. Such secrets cannot be guessed, so a fast hash suffices and lets
 * the secret be found by an indexed lookup; passwords use bcrypt instead.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
