import { defineSection } from '../section';
import { Check, duration, integer, text } from '../variable';

/** A 32-byte key written as 64 hex digits or as base64; null when it is neither. */
function encryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const decoded = Buffer.from(trimmed, 'base64');
  return decoded.length === 32 ? decoded : null;
}

const aKey: Check = (raw, name) => (encryptionKey(raw) ? undefined : `${name} must be 32 random bytes, written as 64 hex digits or in base64 (openssl rand -base64 32)`);

/** External database connections (connections/). */
export const connections = defineSection({
  variables: {
    /** The AES-256-GCM key that encrypts their passwords at rest; null: connections cannot be used. */
    encryptionKey: text('CONNECTIONS_ENCRYPTION_KEY', undefined, aKey).to((key) => (key ? encryptionKey(key) : null)),
    /** How long connecting to an external database may take. */
    connectTimeoutMs: duration('CONNECTIONS_CONNECT_TIMEOUT', '5s'),
    /** How long one statement on an external database may run. */
    queryTimeoutMs: duration('CONNECTIONS_QUERY_TIMEOUT', '30s'),
    /** The most connections each external database's pool opens. */
    poolSize: integer('CONNECTIONS_POOL_SIZE', 5, 1, 100),
  },
});
