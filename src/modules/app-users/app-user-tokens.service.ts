import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { invalidToken, tokenExpired } from '../../common/errors/app-error';
import { hashSecret, newSecret } from '../credentials/secret-hash';
import { AppUserEntity } from './app-user.entity';
import { AppUserTokenEntity, AppUserTokenPurpose } from './app-user-token.entity';

type Claim = { appUser: AppUserEntity } | { error: 'invalid' | 'expired' };

/** Single-use, expiring tokens mailed to app users (password reset, email verification). */
@Injectable()
export class AppUserTokensService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** A new token for an app user; only its hash is kept. */
  async issue(appUserId: string, purpose: AppUserTokenPurpose, ttlMs: number): Promise<string> {
    const token = newSecret();
    const now = this.clock.date();
    await this.db.transaction((manager) =>
      manager.getRepository(AppUserTokenEntity).insert({
        id: randomUUID(),
        appUserId,
        purpose,
        tokenHash: hashSecret(token),
        expiresAt: new Date(now.getTime() + ttlMs),
        usedAt: null,
        createdAt: now,
      }),
    );
    return token;
  }

  /**
   * Uses a token up and answers its active app user in the workspace. A token of another workspace, or of
   * another purpose, is unknown here and is not used up.
   */
  async consume(workspaceId: string, purpose: AppUserTokenPurpose, token: string): Promise<AppUserEntity> {
    const claim = await this.db.transaction(async (manager): Promise<Claim> => {
      const tokens = manager.getRepository(AppUserTokenEntity);
      const stored = await tokens.findOneBy({ purpose, tokenHash: hashSecret(token) });
      if (!stored || stored.usedAt) return { error: 'invalid' };
      const appUser = await manager.getRepository(AppUserEntity).findOneBy({ id: stored.appUserId, workspaceId });
      if (!appUser || appUser.status !== 'active') return { error: 'invalid' };
      if (stored.expiresAt.getTime() <= this.clock.now()) return { error: 'expired' };
      // The condition on used_at lets one of two concurrent uses succeed, never both.
      const claimed = await tokens.update({ id: stored.id, usedAt: IsNull() }, { usedAt: this.clock.date() });
      return claimed.affected ? { appUser } : { error: 'invalid' };
    });
    if ('appUser' in claim) return claim.appUser;
    throw claim.error === 'expired' ? tokenExpired('This token has expired.') : invalidToken('This token is invalid or was already used.');
  }
}
