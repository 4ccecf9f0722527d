import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import ms from 'ms';
import { IsNull, Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { invalidToken, tokenExpired } from '../../common/errors/app-error';
import { hashSecret, newSecret } from '../credentials/secret-hash';
import { Mailer } from '../mail/mailer';
import { MagicLinkEntity } from './magic-link.entity';

/** How long a mailed sign-in link works. */
export const MAGIC_LINK_TTL_MS = 15 * 60_000;

/** Whom a link signs in, and where the mail goes. */
export interface MagicLinkRecipient {
  realm: string;
  subjectId: string;
  email: string;
  /** The mail's workspace (the dev outbox files it there); `platform` for accounts. */
  workspaceId: string;
  /** Where the sign-in happens, named in the mail: the instance or the workspace's app. */
  placeName: string;
  /** The page the link opens, given the token. */
  link: (token: string) => string;
}

/**
 * Passwordless sign-in by mail: a single-use, short-lived token, stored hashed, mailed as a link. The
 * callers (the auth routes of accounts and of app users) find the subject by email and answer alike
 * whether or not there is one; this only sends and checks links.
 */
@Injectable()
export class MagicLinksService {
  constructor(
    @InjectRepository(MagicLinkEntity) private readonly links: Repository<MagicLinkEntity>,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly mailer: Mailer,
  ) {}

  /** Issues a link and mails it, without waiting for delivery; nothing when mail is off. */
  async send(recipient: MagicLinkRecipient): Promise<void> {
    if (!this.mailer.enabled) return;
    const token = newSecret();
    const now = this.clock.date();
    await this.db.transaction((manager) =>
      manager.getRepository(MagicLinkEntity).insert({ id: randomUUID(), realm: recipient.realm, subjectId: recipient.subjectId, tokenHash: hashSecret(token), expiresAt: new Date(now.getTime() + MAGIC_LINK_TTL_MS), usedAt: null, createdAt: now }),
    );
    this.mailer.dispatch({
      workspaceId: recipient.workspaceId,
      to: recipient.email,
      subject: `Sign in to ${recipient.placeName}`,
      text:
        `Someone asked to sign in to ${recipient.placeName} as ${recipient.email}.\n\n` +
        `To sign in, follow this link:\n${recipient.link(token)}\n\n` +
        `It works once and expires in ${ms(MAGIC_LINK_TTL_MS, { long: true })}. If you did not ask for it, ignore this message.\n`,
    });
  }

  /** Uses a link's token up and answers the subject it signs in; 401 when unknown, used or expired. */
  async consume(realm: string, token: string): Promise<string> {
    const stored = await this.links.findOneBy({ realm, tokenHash: hashSecret(token) });
    if (!stored || stored.usedAt) throw invalidToken('This sign-in link is invalid or was already used.');
    if (stored.expiresAt.getTime() <= this.clock.now()) throw tokenExpired('This sign-in link has expired; ask for a new one.');
    // The condition on used_at lets one of two concurrent uses succeed, never both.
    const claimed = await this.db.transaction((manager) => manager.getRepository(MagicLinkEntity).update({ id: stored.id, usedAt: IsNull() }, { usedAt: this.clock.date() }));
    if (!claimed.affected) throw invalidToken('This sign-in link is invalid or was already used.');
    return stored.subjectId;
  }
}
