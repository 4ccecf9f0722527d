import { createHash, randomInt, randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { conflict, invalidCredentials, invalidPayload } from '../../common/errors/app-error';
import { MfaFactorEntity, MfaRecoveryCodeEntity } from './mfa.entities';
import type { MfaSubject } from './mfa-subject';
import { newTotpSecret, totpTimeStep, totpUri } from './totp';
import { TotpSecretSealer } from './totp-secret.sealer';

/** How many recovery codes enabling MFA hands out. */
export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits that cannot be mistaken for one another when read from paper. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface MfaStatus {
  enabled: boolean;
  recoveryCodesLeft: number;
}

/**
 * Each subject's TOTP factor and recovery codes: enrolment (a pending secret turned on by a first valid
 * code), disabling, and checking a code at sign-in, where a TOTP code is accepted once and a recovery code
 * is used up. Whether a subject has MFA is cached briefly and evicted on every instance when it changes,
 * because the enforcement guard asks it on every request to a workspace that requires MFA.
 */
@Injectable()
export class MfaService implements OnModuleInit, OnModuleDestroy {
  private readonly enabledCache: EvictedCache<{ enabled: boolean }>;

  constructor(
    @InjectRepository(MfaFactorEntity) private readonly factors: Repository<MfaFactorEntity>,
    @InjectRepository(MfaRecoveryCodeEntity) private readonly recoveryCodes: Repository<MfaRecoveryCodeEntity>,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly sealer: TotpSecretSealer,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.enabledCache = new EvictedCache(bus, 'cache.mfa-enabled', { ttlMs: 5_000, max: 100_000 });
  }

  async onModuleInit(): Promise<void> {
    await this.enabledCache.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.enabledCache.close();
  }

  async isEnabled(subject: MfaSubject): Promise<boolean> {
    const cached = await this.enabledCache.get(cacheKey(subject), async () => ({ enabled: (await this.enabledFactor(subject)) !== null }));
    return cached?.enabled === true;
  }

  async status(subject: MfaSubject): Promise<MfaStatus> {
    const factor = await this.enabledFactor(subject);
    if (!factor) return { enabled: false, recoveryCodesLeft: 0 };
    return { enabled: true, recoveryCodesLeft: await this.recoveryCodes.countBy({ factorId: factor.id, usedAt: IsNull() }) };
  }

  /**
   * Starts (or restarts) enrolment: a new secret, pending until `enable` sees a code of it. Refused while
   * MFA is on, so that a stolen session cannot swap the factor for its own.
   */
  /** `issuer` and `label` are what authenticator apps show: where (Cairn, or a workspace's app) and who. */
  async setup(subject: MfaSubject, issuer: string, label: string): Promise<{ secret: string; otpauthUrl: string }> {
    if (await this.enabledFactor(subject)) throw conflict('Two-factor authentication is already enabled; disable it first to enrol a new authenticator.');
    const secret = newTotpSecret();
    const sealed = this.sealer.seal(secret);
    const now = this.clock.date();
    await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(MfaFactorEntity);
      await repo.delete({ realm: subject.realm, subjectId: subject.subjectId });
      await repo.insert({ id: randomUUID(), ...subject, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId, enabledAt: null, lastTimeStep: null, createdAt: now, updatedAt: now });
    });
    return { secret, otpauthUrl: totpUri(issuer, label, secret) };
  }

  /** Turns the pending factor on with a code of it, and answers the new recovery codes (shown this once). */
  async enable(subject: MfaSubject, code: string): Promise<string[]> {
    const factor = await this.factors.findOneBy({ realm: subject.realm, subjectId: subject.subjectId });
    if (!factor) throw conflict('Start with POST …/mfa/totp/setup: there is no authenticator to enable.');
    if (factor.enabledAt) throw conflict('Two-factor authentication is already enabled.');
    const step = this.timeStepOf(factor, code);
    if (step === null) throw invalidPayload('Invalid payload: "code" is not the current code of the authenticator.', 'code');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const now = this.clock.date();
    await this.db.transaction(async (manager) => {
      await manager.getRepository(MfaFactorEntity).update({ id: factor.id }, { enabledAt: now, lastTimeStep: step, updatedAt: now });
      await manager.getRepository(MfaRecoveryCodeEntity).insert(codes.map((plain) => ({ id: randomUUID(), factorId: factor.id, codeHash: recoveryHash(factor.id, plain), usedAt: null, createdAt: now })));
    });
    await this.enabledCache.evict(cacheKey(subject));
    return codes;
  }

  /** Removes the factor and its recovery codes; the caller has checked a code or the password. */
  /**
   * Turns MFA off for a caller who proves it is them: with a current or recovery code, or with their
   * password (`passwordMatches` checks it against their account or app user).
   */
  async disableProven(subject: MfaSubject, proof: { code?: string; password?: string }, passwordMatches: (password: string) => Promise<boolean>): Promise<void> {
    if (proof.code !== undefined) {
      if (!(await this.useCode(subject, proof.code))) throw invalidCredentials('The code is wrong.');
    } else if (proof.password !== undefined) {
      if (!(await passwordMatches(proof.password))) throw invalidCredentials('The password is wrong.');
    } else {
      throw invalidPayload('Invalid payload: give "code" (a current or recovery code) or "password".', 'code');
    }
    await this.disable(subject);
  }

  async disable(subject: MfaSubject): Promise<void> {
    await this.db.transaction((manager) => manager.getRepository(MfaFactorEntity).delete({ realm: subject.realm, subjectId: subject.subjectId }));
    await this.enabledCache.evict(cacheKey(subject));
  }

  /**
   * Checks a code of an enabled factor and uses it up: a TOTP code (six digits) whose time step is later
   * than the last one accepted, or an unused recovery code. Each claim is a conditional update, so two
   * requests with one code succeed at most once.
   */
  async useCode(subject: MfaSubject, code: string): Promise<boolean> {
    const factor = await this.enabledFactor(subject);
    if (!factor) return false;
    const given = code.trim();
    if (/^\d{6}$/.test(given)) {
      const step = this.timeStepOf(factor, given);
      if (step === null) return false;
      const claimed = await this.db.transaction((manager) =>
        manager
          .getRepository(MfaFactorEntity)
          .createQueryBuilder()
          .update()
          .set({ lastTimeStep: step, updatedAt: this.clock.date() })
          .where('id = :id', { id: factor.id })
          .andWhere('(last_time_step IS NULL OR last_time_step < :step)', { step })
          .execute(),
      );
      return (claimed.affected ?? 0) > 0;
    }
    const hash = recoveryHash(factor.id, given);
    const stored = await this.recoveryCodes.findOneBy({ factorId: factor.id, codeHash: hash, usedAt: IsNull() });
    if (!stored) return false;
    const claimed = await this.db.transaction((manager) => manager.getRepository(MfaRecoveryCodeEntity).update({ id: stored.id, usedAt: IsNull() }, { usedAt: this.clock.date() }));
    return (claimed.affected ?? 0) > 0;
  }

  private enabledFactor(subject: MfaSubject): Promise<MfaFactorEntity | null> {
    return this.factors.findOneBy({ realm: subject.realm, subjectId: subject.subjectId, enabledAt: Not(IsNull()) });
  }

  private timeStepOf(factor: MfaFactorEntity, code: string): number | null {
    const secret = this.sealer.open(factor.secretCiphertext, factor.keyId);
    if (secret === null) return null;
    return totpTimeStep(secret, code.trim(), this.clock.seconds(), factor.lastTimeStep);
  }
}

const cacheKey = (subject: MfaSubject) => `${subject.realm}|${subject.subjectId}`;

/** Ten characters of an unambiguous alphabet (about 49 bits), written `xxxxx-xxxxx`. */
function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/**
 * SHA-256 of a recovery code salted with its factor's id. A code is random, single-use and useless
 * without the password, so a fast hash suffices; the salt keeps one table of guesses from serving every factor.
 * Case, spaces and dashes do not count, as people retype codes from paper.
 */
function recoveryHash(factorId: string, code: string): string {
  return createHash('sha256').update(`${factorId}:${code.toLowerCase().replace(/[\s-]/g, '')}`).digest('hex');
}
