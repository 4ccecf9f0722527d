import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, MoreThan, Repository } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig } from '../../config/app-config';
import { invalidToken, tokenExpired } from '../../common/errors/app-error';
import { RefreshTokenEntity } from './refresh-token.entity';
import { hashSecret, newSecret } from './secret-hash';

type RotationOutcome =
  | { issued: IssuedRefreshToken }
  | { error: 'invalid' | 'expired' }
  | { error: 'reused'; familyId: string };

/** One sign-in that can still be refreshed: a family with a live token. */
export interface RefreshSession {
  /** The family's id: stable across refreshes, so a session can be revoked by it. */
  id: string;
  /** When the sign-in happened: the family's first token. */
  createdAt: Date;
  /** When the session last refreshed (its live token was issued); its sign-in if it never did. */
  lastUsedAt: Date;
  /** When the live refresh token expires unless the session refreshes before. */
  expiresAt: Date;
}

export interface IssuedRefreshToken {
  token: string;
  subjectId: string;
  expiresAt: Date;
}

/** Single-use, rotating refresh tokens with family revocation, for any realm (platform or workspace). */
@Injectable()
export class RefreshTokensService {
  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>,
    private readonly db: Database,
    @InjectConfig('auth') private readonly config: AuthConfig,
  ) {}

  /** Starts a new family: a new sign-in. */
  issue(realm: string, subjectId: string): Promise<IssuedRefreshToken> {
    return this.db.transaction((manager) => this.insert(manager, realm, subjectId, randomUUID()));
  }

  private async insert(manager: EntityManager, realm: string, subjectId: string, familyId: string): Promise<IssuedRefreshToken> {
    const token = newSecret();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.refreshTokenTtlMs);
    await manager.getRepository(RefreshTokenEntity).insert({ id: randomUUID(), realm, subjectId, familyId, tokenHash: hashSecret(token), expiresAt, usedAt: null, revokedAt: null, createdAt: now });
    return { token, subjectId, expiresAt };
  }

  /**
   * Uses a refresh token up and issues its successor. A token presented a second time means it was
   * stolen or replayed: the whole family is revoked, so neither the thief nor the owner can go on.
   */
  async rotate(realm: string, token: string): Promise<IssuedRefreshToken> {
    const outcome = await this.db.transaction(async (manager): Promise<RotationOutcome> => {
      const repo = manager.getRepository(RefreshTokenEntity);
      const stored = await repo.findOneBy({ realm, tokenHash: hashSecret(token) });
      if (!stored || stored.revokedAt) return { error: 'invalid'  };
      if (stored.usedAt) return { error: 'reused' , familyId: stored.familyId };
      if (stored.expiresAt.getTime() <= Date.now()) return { error: 'expired'  };
      // The condition on used_at makes two concurrent refreshes with one token succeed at most once.
      const claimed = await repo.update({ id: stored.id, usedAt: IsNull() }, { usedAt: new Date() });
      if (!claimed.affected) return { error: 'reused' , familyId: stored.familyId };
      return { issued: await this.insert(manager, realm, stored.subjectId, stored.familyId) };
    });
    if ('issued' in outcome) return outcome.issued;
    switch (outcome.error) {
      case 'reused':
        await this.revokeFamily(outcome.familyId);
        throw invalidToken('Refresh token was already used; every session of its sign-in has been revoked.');
      case 'expired':
        throw tokenExpired('Refresh token expired.');
      case 'invalid':
        throw invalidToken('Invalid refresh token.');
    }
  }

  /** Revokes the sign-in a refresh token belongs to (logout). Unknown tokens are ignored. */
  async revokeFamilyOf(realm: string, token: string): Promise<boolean> {
    const stored = await this.tokens.findOneBy({ realm, tokenHash: hashSecret(token) });
    if (!stored) return false;
    await this.revokeFamily(stored.familyId);
    return true;
  }

  /**
   * The sign-ins of a subject that can still refresh, most recently used first. A sign-in is live while
   * its newest token is neither used, revoked nor expired; its first token dates it. Only the tokens of
   * live sign-ins are read, not the subject's whole history of refreshes.
   */
  async sessionsOf(realm: string, subjectId: string): Promise<RefreshSession[]> {
    const live = await this.tokens.find({ where: { realm, subjectId, usedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(new Date()) } });
    if (live.length === 0) return [];
    const started = new Map<string, Date>();
    const history = await this.tokens.find({ select: { familyId: true, createdAt: true }, where: { realm, subjectId, familyId: In(live.map((token) => token.familyId)) } });
    for (const token of history) {
      const first = started.get(token.familyId);
      if (!first || token.createdAt < first) started.set(token.familyId, token.createdAt);
    }
    return live
      .map((token) => ({ id: token.familyId, createdAt: started.get(token.familyId) ?? token.createdAt, lastUsedAt: token.createdAt, expiresAt: token.expiresAt }))
      .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
  }

  /** Revokes one sign-in of a subject by its family id; false when the subject has no such live session. */
  async revokeSession(realm: string, subjectId: string, familyId: string): Promise<boolean> {
    const sessions = await this.sessionsOf(realm, subjectId);
    if (!sessions.some((session) => session.id === familyId)) return false;
    await this.revokeFamily(familyId);
    return true;
  }

  /** Revokes every sign-in of a subject, e.g. after a password change or when the account is disabled. */
  async revokeAllOf(realm: string, subjectId: string): Promise<void> {
    await this.db.transaction((manager) => manager.getRepository(RefreshTokenEntity).update({ realm, subjectId, revokedAt: IsNull() }, { revokedAt: new Date() }));
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.db.transaction((manager) => manager.getRepository(RefreshTokenEntity).update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() }));
  }
}
