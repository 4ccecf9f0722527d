import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Clock } from '../../common/clock/clock';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig } from '../../config/app-config';
import { invalidCredentials, invalidPayload, invalidToken } from '../../common/errors/app-error';
import { ACCESS_TOKEN_ALGORITHM, appUserAudience, appUserRealm } from '../credentials/access-tokens';
import { MAX_PASSWORD_BYTES } from '../credentials/sign-in.dto';
import { PasswordHasher } from '../credentials/password-hasher';
import { RefreshTokensService } from '../credentials/refresh-tokens.service';
import { MfaService } from '../mfa/mfa.service';
import { appUserSubject } from '../mfa/mfa-subject';
import { MfaChallenge, SignInChallengesService } from '../mfa/sign-in-challenges.service';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { AppSessionDto, toAppUserDto } from './app-user.dto';
import type { AppUserEntity } from './app-user.entity';
import { AppUsersService } from './app-users.service';

/** Sign-up, sign-in and sessions of a workspace's app users, with the platform's rules. */
@Injectable()
export class AppAuthService {
  constructor(
    private readonly clock: Clock,
    private readonly appUsers: AppUsersService,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly jwt: JwtService,
    private readonly mfa: MfaService,
    private readonly challenges: SignInChallengesService,
    @InjectConfig('auth') private readonly config: AuthConfig,
  ) {}

  /** Creates an app user with the default app role and signs it in. */
  async register(workspace: WorkspaceEntity, email: string, password: string): Promise<AppSessionDto> {
    assertPasswordFits(password);
    const appUser = await this.appUsers.create(workspace.id, { email, passwordHash: await this.passwords.hash(password) });
    return this.startSession(appUser);
  }

  /**
   * Checks credentials; an unknown email, a wrong password and a suspended app user answer alike. An app
   * user with MFA gets a challenge for its code instead of a session.
   */
  async login(workspace: WorkspaceEntity, email: string, password: string): Promise<AppSessionDto | MfaChallenge> {
    const appUser = await this.appUsers.findByEmail(workspace.id, email);
    const valid = await this.passwords.verify(password, appUser?.passwordHash ?? null);
    if (!appUser || !valid || appUser.status !== 'active') throw invalidCredentials();
    return this.afterFirstFactor(appUser);
  }

  /** What a proven first factor (password, magic link) leads to: the MFA step, or a session. */
  async afterFirstFactor(appUser: AppUserEntity): Promise<AppSessionDto | MfaChallenge> {
    const subject = appUserSubject(appUser.workspaceId, appUser.id);
    if (await this.mfa.isEnabled(subject)) return this.challenges.issue(subject);
    return this.startSession(appUser);
  }

  /** Completes a sign-in's MFA step with a code: the session. */
  async completeMfa(workspace: WorkspaceEntity, challengeToken: string, code: string): Promise<AppSessionDto> {
    const appUserId = await this.challenges.complete(appUserRealm(workspace.id), challengeToken, code);
    const appUser = await this.appUsers.findById(workspace.id, appUserId);
    if (!appUser || appUser.status !== 'active') throw invalidCredentials();
    return this.startSession(appUser);
  }

  async refresh(workspace: WorkspaceEntity, refreshToken: string): Promise<AppSessionDto> {
    const realm = appUserRealm(workspace.id);
    const next = await this.refreshTokens.rotate(realm, refreshToken);
    const appUser = await this.appUsers.findById(workspace.id, next.subjectId);
    if (!appUser || appUser.status !== 'active') {
      await this.refreshTokens.revokeAllOf(realm, next.subjectId);
      throw invalidToken('The app user of this session is no longer active.');
    }
    return this.session(appUser, next.token);
  }

  async logout(workspace: WorkspaceEntity, refreshToken: string): Promise<void> {
    await this.refreshTokens.revokeFamilyOf(appUserRealm(workspace.id), refreshToken);
  }

  /** A new sign-in: a new refresh-token family. */
  async startSession(appUser: AppUserEntity): Promise<AppSessionDto> {
    const refresh = await this.refreshTokens.issue(appUserRealm(appUser.workspaceId), appUser.id);
    return this.session(appUser, refresh.token);
  }

  private async session(appUser: AppUserEntity, refreshToken: string): Promise<AppSessionDto> {
    const ttlSeconds = Math.max(1, Math.round(this.config.accessTokenTtlMs / 1000));
    const accessToken = await this.jwt.signAsync(
      // iat from the instance's clock: jsonwebtoken counts exp from it.
      { sub: appUser.id, iat: this.clock.seconds() },
      {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        audience: appUserAudience(appUser.workspaceId),
        issuer: this.config.jwtIssuer,
        expiresIn: ttlSeconds,
        secret: this.config.jwtSecret,
      },
    );
    return { access_token: accessToken, refresh_token: refreshToken, expires: ttlSeconds * 1000, user: toAppUserDto(appUser) };
  }
}

/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut. */
export function assertPasswordFits(password: string, field = 'password'): void {
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw invalidPayload(`Invalid payload: ${field} must be at most ${MAX_PASSWORD_BYTES} bytes.`, field);
  }
}
