import { Injectable } from '@nestjs/common';
import ms from 'ms';
import { InjectConfig } from '../../config/config.module';
import type { AppUsersConfig } from '../../config/app-config';
import { invalidCredentials } from '../../common/errors/app-error';
import { appUserRealm } from '../credentials/access-tokens';
import { PasswordHasher } from '../credentials/password-hasher';
import type { AppUserPrincipal } from '../../common/principal/principal';
import { RefreshTokensService } from '../credentials/refresh-tokens.service';
import { Mailer } from '../mail/mailer';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { ACCOUNT_PAGES, AccountLinkType } from './account-pages';
import type { AppSessionDto } from './app-user.dto';
import { AppAuthService, assertPasswordFits } from './app-auth.service';
import { AppUserTokensService } from './app-user-tokens.service';
import { AppUsersService } from './app-users.service';

/** What app users do with their own account by mail and password: reset, change, verify the email. */
@Injectable()
export class AppAccountService {
  constructor(
    private readonly appUsers: AppUsersService,
    private readonly tokens: AppUserTokensService,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly auth: AppAuthService,
    private readonly mailer: Mailer,
    @InjectConfig('appUsers') private readonly config: AppUsersConfig,
  ) {}

  /**
   * Mails a reset link to an active app user with this email. The caller learns nothing either way:
   * the answer is the same, and the mail is not waited for.
   */
  async requestPasswordReset(workspace: WorkspaceEntity, email: string): Promise<void> {
    const appUser = await this.appUsers.findByEmail(workspace.id, email);
    if (!appUser || appUser.status !== 'active' || !this.mailer.enabled) return;
    const ttlMs = this.config.passwordResetTtlMs;
    const token = await this.tokens.issue(appUser.id, 'password_reset', ttlMs);
    const link = this.link(workspace, 'reset', token);
    this.mailer.dispatch({
      workspaceId: workspace.id,
      to: appUser.email,
      subject: `Reset your password for ${workspace.name}`,
      text:
        `Someone asked to reset the password of ${appUser.email} for ${workspace.name}.\n\n` +
        `To choose a new password, follow this link:\n${link}\n\n` +
        `It works once and expires in ${ms(ttlMs, { long: true })}. If you did not ask for it, ignore this message.\n`,
    });
  }

  /** Sets a new password with a reset token, and ends every session of the app user. */
  async resetPassword(workspace: WorkspaceEntity, token: string, password: string): Promise<void> {
    assertPasswordFits(password);
    const appUser = await this.tokens.consume(workspace.id, 'password_reset', token);
    await this.setPassword(workspace.id, appUser.id, password);
  }

  /** Changes the password of the signed-in app user, ends all its sessions and answers a new one. */
  async changePassword(principal: AppUserPrincipal, currentPassword: string, password: string): Promise<AppSessionDto> {
    assertPasswordFits(password);
    const appUser = await this.appUsers.getById(principal.workspaceId, principal.appUserId);
    if (!(await this.passwords.verify(currentPassword, appUser.passwordHash))) throw invalidCredentials('The current password is wrong.');
    await this.setPassword(principal.workspaceId, appUser.id, password);
    return this.auth.startSession(await this.appUsers.getById(principal.workspaceId, appUser.id));
  }

  /** Mails a verification link to the signed-in app user, unless its email is verified already. */
  async requestEmailVerification(workspace: WorkspaceEntity, principal: AppUserPrincipal): Promise<void> {
    const appUser = await this.appUsers.getById(workspace.id, principal.appUserId);
    if (appUser.emailVerifiedAt || !this.mailer.enabled) return;
    const ttlMs = this.config.emailVerificationTtlMs;
    const token = await this.tokens.issue(appUser.id, 'email_verification', ttlMs);
    const link = this.link(workspace, 'verify', token);
    this.mailer.dispatch({
      workspaceId: workspace.id,
      to: appUser.email,
      subject: `Confirm your email address for ${workspace.name}`,
      text:
        `Please confirm that ${appUser.email} is your email address for ${workspace.name} by following this link:\n${link}\n\n` +
        `It works once and expires in ${ms(ttlMs, { long: true })}.\n`,
    });
  }

  /** Marks the email of the token's app user as verified. */
  async verifyEmail(workspace: WorkspaceEntity, token: string): Promise<void> {
    const appUser = await this.tokens.consume(workspace.id, 'email_verification', token);
    if (!appUser.emailVerifiedAt) await this.appUsers.update(workspace.id, appUser.id, { emailVerifiedAt: new Date() });
  }

  /** A mailed token's link: to the workspace's own app when it has an app_url, to Cairn's page for it otherwise. */
  private link(workspace: WorkspaceEntity, type: AccountLinkType, token: string): string {
    if (workspace.appUrl) return this.mailer.appLink(workspace.appUrl, { token, type });
    return this.mailer.link(`/api/v1/w/${workspace.slug}/auth/${ACCOUNT_PAGES[type]}`, { token });
  }

  private async setPassword(workspaceId: string, appUserId: string, password: string): Promise<void> {
    await this.appUsers.update(workspaceId, appUserId, { passwordHash: await this.passwords.hash(password) });
    await this.refreshTokens.revokeAllOf(appUserRealm(workspaceId), appUserId);
  }
}
