import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { invalidCredentials, invalidToken, tokenExpired } from '../../common/errors/app-error';
import { hashSecret, newSecret } from '../credentials/secret-hash';
import { MfaChallengeEntity } from './mfa.entities';
import { MfaService } from './mfa.service';
import type { MfaSubject } from './mfa-subject';

/** How long the step between a password and a code may last. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong codes one challenge takes before it is used up: a new one needs the password again. */
export const CHALLENGE_MAX_ATTEMPTS = 5;

/** What a first factor answers when a second is needed: no tokens yet, a challenge for the code. */
export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
  expires: number;
}

type Outcome = { subjectId: string } | { error: 'invalid' | 'expired' | 'wrong-code' };

/**
 * The two-step sign-in: after the password (or a magic link) a subject with MFA gets a short-lived
 * challenge token, stored hashed; the challenge and a code of the subject's factor complete the sign-in,
 * once. Wrong codes are counted per challenge (besides the sign-in rate limit of the route).
 */
@Injectable()
export class SignInChallengesService {
  constructor(
    @InjectRepository(MfaChallengeEntity) private readonly challenges: Repository<MfaChallengeEntity>,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly mfa: MfaService,
  ) {}

  async issue(subject: MfaSubject): Promise<MfaChallenge> {
    const token = newSecret('mfa_');
    const now = this.clock.date();
    await this.db.transaction((manager) =>
      manager.getRepository(MfaChallengeEntity).insert({ id: randomUUID(), ...subject, tokenHash: hashSecret(token), attempts: 0, expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS), usedAt: null, createdAt: now }),
    );
    return { mfa_required: true, mfa_token: token, expires: CHALLENGE_TTL_MS };
  }

  /** Completes a challenge of the realm with a code; answers the subject to sign in. */
  async complete(realm: string, token: string, code: string): Promise<string> {
    const stored = await this.challenges.findOneBy({ realm, tokenHash: hashSecret(token) });
    const outcome = await this.check(stored, code);
    if ('subjectId' in outcome) return outcome.subjectId;
    switch (outcome.error) {
      case 'invalid':
        throw invalidToken('This MFA challenge is invalid or was already used; sign in again.');
      case 'expired':
        throw tokenExpired('This MFA challenge has expired; sign in again.');
      case 'wrong-code':
        throw invalidCredentials('The code is wrong.');
    }
  }

  private async check(stored: MfaChallengeEntity | null, code: string): Promise<Outcome> {
    if (!stored || stored.usedAt || stored.attempts >= CHALLENGE_MAX_ATTEMPTS) return { error: 'invalid' };
    if (stored.expiresAt.getTime() <= this.clock.now()) return { error: 'expired' };
    const subject = { realm: stored.realm, subjectId: stored.subjectId };
    if (!(await this.mfa.useCode(subject, code))) {
      await this.db.transaction((manager) => manager.getRepository(MfaChallengeEntity).increment({ id: stored.id }, 'attempts', 1));
      return { error: 'wrong-code' };
    }
    // The condition on used_at lets one of two concurrent completions succeed, never both.
    const claimed = await this.db.transaction((manager) => manager.getRepository(MfaChallengeEntity).update({ id: stored.id, usedAt: IsNull() }, { usedAt: this.clock.date() }));
    return claimed.affected ? { subjectId: stored.subjectId } : { error: 'invalid' };
  }
}
