import { hkdfSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig } from '../../config/app-config';
import { CredentialsCipher } from '../connections/credentials.cipher';

/**
 * Seals TOTP secrets at rest with the codebase's AES-256-GCM cipher. The key is derived (HKDF) from
 * JWT_SECRET, which every instance has and keeps secret already, so two-factor sign-in needs no key of
 * its own; a new JWT_SECRET leaves the sealed secrets unreadable, and their owners sign in with a
 * recovery code (hashed, not sealed) and enrol again.
 */
@Injectable()
export class TotpSecretSealer {
  private readonly cipher: CredentialsCipher;

  constructor(@InjectConfig('auth') config: AuthConfig) {
    this.cipher = new CredentialsCipher(Buffer.from(hkdfSync('sha256', config.jwtSecret, 'cairn', 'mfa-totp-secrets', 32)));
  }

  seal(secret: string): { ciphertext: string; keyId: string } {
    return { ciphertext: this.cipher.seal(secret), keyId: this.cipher.keyId };
  }

  /** The secret, or null when it was sealed under another key (JWT_SECRET changed) or altered. */
  open(ciphertext: string, keyId: string): string | null {
    try {
      return this.cipher.open(ciphertext, keyId);
    } catch {
      return null;
    }
  }
}
