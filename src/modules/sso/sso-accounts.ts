import { Injectable } from '@nestjs/common';
import { forbidden } from '../../common/errors/app-error';
import { AppUsersService } from '../app-users/app-users.service';
import type { AppUserEntity } from '../app-users/app-user.entity';
import { PasswordHasher } from '../credentials/password-hasher';
import { newSecret } from '../credentials/secret-hash';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { VerifiedIdentity } from './oidc-client';

/**
 * The account a provider's identity signs in to, found by its email, and only by an email the provider
 * says is verified: an unverified email would let anyone who can type an address into a provider take
 * the account that has it. A new account is made only where sign-up through single sign-on is allowed.
 */
@Injectable()
export class SsoAccounts {
  constructor(
    private readonly users: UsersService,
    private readonly appUsers: AppUsersService,
    private readonly passwords: PasswordHasher,
  ) {}

  async platformAccount(identity: VerifiedIdentity, allowSignup: boolean): Promise<UserEntity> {
    const email = verifiedEmailOf(identity);
    const user = await this.users.findByEmail(email);
    if (user) {
      if (user.status !== 'active') throw forbidden('Single sign-on refused: this account is disabled.');
      return user;
    }
    if (!allowSignup) throw noAccount(email, 'OIDC_ALLOW_SIGNUP');
    return this.users.create({ email, name: identity.name, passwordHash: await this.unusablePasswordHash() }, { ordinaryRefusal: null });
  }

  async appUser(workspaceId: string, identity: VerifiedIdentity, allowSignup: boolean): Promise<AppUserEntity> {
    const email = verifiedEmailOf(identity);
    const existing = await this.appUsers.findByEmail(workspaceId, email);
    if (existing) {
      if (existing.status !== 'active') throw forbidden('Single sign-on refused: this app user is suspended.');
      // The provider vouches for the email, so it counts as verified here too.
      return existing.emailVerifiedAt ? existing : this.appUsers.update(workspaceId, existing.id, { emailVerifiedAt: new Date() });
    }
    if (!allowSignup) throw noAccount(email, 'the workspace\'s "allow_signup" setting');
    const created = await this.appUsers.create(workspaceId, { email, passwordHash: await this.unusablePasswordHash() });
    return this.appUsers.update(workspaceId, created.id, { emailVerifiedAt: new Date() });
  }

  /** An account made through single sign-on has no password anyone knows: the hash of a random secret, thrown away. */
  private unusablePasswordHash(): Promise<string> {
    return this.passwords.hash(newSecret().slice(0, 43));
  }
}

function verifiedEmailOf(identity: VerifiedIdentity): string {
  if (!identity.email) throw forbidden('Single sign-on refused: the provider gave no email for this identity (ask for the "email" scope).');
  if (!identity.emailVerified) {
    throw forbidden(`Single sign-on refused: the provider does not say that ${identity.email} is verified (email_verified is not true); accounts are linked by verified email only.`);
  }
  return identity.email;
}

function noAccount(email: string, setting: string) {
  return forbidden(`Single sign-on refused: no account has the email ${email}, and sign-up through single sign-on is off (${setting}).`);
}
