import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The format of a sealed value: v1.<iv>.<tag>.<ciphertext>, each part base64url. */
const VERSION = 'v1';

/**
 * Seals secrets (connection passwords) with AES-256-GCM under the configured key: a random IV per
 * value, the tag checked on opening, so a changed ciphertext is refused rather than misread. Each
 * sealed value is stored with the key's id, so that a later rotation can tell which key opens it.
 */
export class CredentialsCipher {
  /** A short fingerprint of the key, never the key: stored beside every value it sealed. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the connections key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  /** The secret of a sealed value; throws when it was sealed under another key or was altered. */
  open(sealed: string, keyId: string): string {
    if (keyId !== this.keyId) throw new Error('the value was sealed under another connections key');
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
