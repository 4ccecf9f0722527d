import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import bcrypt from 'bcrypt';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig } from '../../config/app-config';

/** Hashes and checks passwords with bcrypt at the configured cost. */
@Injectable()
export class PasswordHasher {
  /** Compared against when there is no account, so an unknown email costs as much as a wrong password. */
  private readonly decoyHash: Promise<string>;

  constructor(@InjectConfig('auth') private readonly config: AuthConfig) {
    this.decoyHash = bcrypt.hash(randomBytes(24).toString('hex'), config.bcryptRounds);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.bcryptRounds);
  }

  /** Checks a password; with no stored hash it still spends the same time and answers false. */
  async verify(password: string, storedHash: string | null): Promise<boolean> {
    const matches = await bcrypt.compare(password, storedHash ?? (await this.decoyHash));
    return storedHash !== null && matches;
  }
}
