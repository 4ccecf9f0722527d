import { randomBytes } from 'node:crypto';
import { defineSection } from '../section';
import { Check, duration, emailAddress, flag, integer, longerThan, shorterThan, text } from '../variable';

/** Secrets that appear in examples and tutorials; a production instance must not run with them. */
const KNOWN_WEAK_SECRETS = ['change-me', 'changeme', 'secret', 'jwt-secret', 'replace-with-a-long-random-string'];
const MIN_PRODUCTION_SECRET_LENGTH = 32;
const MIN_SETUP_TOKEN_LENGTH = 32;
/** bcrypt reads at most 72 bytes of a password, as registration enforces. */
const MAX_PASSWORD_BYTES = 72;

const passwordBytes: Check = (raw, name) => (Buffer.byteLength(raw) > MAX_PASSWORD_BYTES ? `${name} must be at most ${MAX_PASSWORD_BYTES} bytes` : undefined);

/** Accounts' sign-in: tokens, passwords, and the first account of an instance. */
export const auth = defineSection({
  variables: {
    jwtSecret: text('JWT_SECRET', undefined),
    jwtIssuer: text('JWT_ISSUER', 'cairn'),
    accessTokenTtlMs: duration('ACCESS_TOKEN_TTL', '15m'),
    refreshTokenTtlMs: duration('REFRESH_TOKEN_TTL', '7d'),
    bcryptRounds: integer('BCRYPT_ROUNDS', 12, 4, 15),
    selfRegistration: flag('AUTH_SELF_REGISTRATION', true),
    setupToken: text('CAIRN_SETUP_TOKEN', undefined, longerThan(MIN_SETUP_TOKEN_LENGTH, `must be a random string of at least ${MIN_SETUP_TOKEN_LENGTH} characters`), shorterThan(512)),
    adminEmail: text('CAIRN_ADMIN_EMAIL', undefined, emailAddress, shorterThan(255)),
    adminPassword: text('CAIRN_ADMIN_PASSWORD', undefined, longerThan(8, 'must be at least 8 characters'), passwordBytes),
  },
  rules: (v, server) => [
    ...productionProblems(v.jwtSecret, server.nodeEnv),
    ...(Boolean(v.adminEmail) !== Boolean(v.adminPassword) ? ['CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD must be set together (or neither)'] : []),
  ],
  build: (v) => ({
    /** Unset: a random key made for this process, so tokens stop working when it restarts. */
    jwtSecret: v.jwtSecret ?? randomBytes(48).toString('base64url'),
    jwtIssuer: v.jwtIssuer,
    accessTokenTtlMs: v.accessTokenTtlMs,
    refreshTokenTtlMs: v.refreshTokenTtlMs,
    bcryptRounds: v.bcryptRounds,
    selfRegistration: v.selfRegistration,
    /** The setup token an operator fixed in advance (CAIRN_SETUP_TOKEN); null: one is made at start when needed. */
    setupToken: v.setupToken ?? null,
    /** The superadmin to create at start on an instance with no account (CAIRN_ADMIN_EMAIL, CAIRN_ADMIN_PASSWORD). */
    initialAdmin: v.adminEmail && v.adminPassword ? { email: v.adminEmail, password: v.adminPassword } : null,
  }),
});

function productionProblems(secret = '', nodeEnv: string | undefined): string[] {
  if (nodeEnv !== 'production') return [];
  if (!secret) return ['JWT_SECRET must be set when NODE_ENV=production'];
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH || KNOWN_WEAK_SECRETS.includes(secret.toLowerCase())) {
    return [`JWT_SECRET must be a random string of at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production`];
  }
  return [];
}
