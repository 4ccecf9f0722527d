import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Clock } from '../../common/clock/clock';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig } from '../../config/app-config';
import { invalidCredentials, invalidPayload, invalidToken } from '../../common/errors/app-error';
import { toUserDto } from '../users/user.dto';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { InstanceSettingsService } from '../users/instance-settings.service';
import { ACCESS_TOKEN_ALGORITHM, PLATFORM_AUDIENCE, PLATFORM_REALM } from '../credentials/access-tokens';
import { MAX_PASSWORD_BYTES } from '../credentials/sign-in.dto';
import { RegisterDto, SessionDto } from './auth.dto';
import { PasswordHasher } from '../credentials/password-hasher';
import type { Principal } from '../../common/principal/principal';
import { RefreshTokensService } from '../credentials/refresh-tokens.service';
import { MfaService } from '../mfa/mfa.service';
import { accountSubject } from '../mfa/mfa-subject';
import { MfaChallenge, SignInChallengesService } from '../mfa/sign-in-challenges.service';

/** Sign-up, sign-in and sessions of platform accounts. */
@Injectable()
export class AuthService {
  constructor(
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly instanceSettings: InstanceSettingsService,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly jwt: JwtService,
    private readonly mfa: MfaService,
    private readonly challenges: SignInChallengesService,
    @InjectConfig('auth') private readonly config: AuthConfig,
  ) {}

  /**
   * Creates an account. On an instance with none, the first (its superadmin) needs the setup token printed
   * at start; after it, with self-registration off, only the superadmin may create accounts.
   */
  async register(input: RegisterDto, caller: Principal | undefined): Promise<UserEntity> {
    if (Buffer.byteLength(input.password) > MAX_PASSWORD_BYTES) {
      throw invalidPayload(`Invalid payload: password must be at most ${MAX_PASSWORD_BYTES} bytes.`, 'password');
    }
    const isSuperadmin = caller?.kind === 'user' && caller.isSuperadmin;
    const ordinaryRefusal = isSuperadmin || (await this.instanceSettings.selfRegistration()) ? null : 'Self-registration is disabled on this instance.';
    return this.users.create(
      { email: input.email, name: input.name, passwordHash: await this.passwords.hash(input.password) },
      { setupToken: input.setup_token, ordinaryRefusal },
    );
  }

  /**
   * Checks credentials; an unknown email, a wrong password and a disabled account answer alike. An
   * account with MFA gets a challenge for its code instead of a session.
   */
  async login(email: string, password: string): Promise<SessionDto | MfaChallenge> {
    const user = await this.users.findByEmail(email);
    const valid = await this.passwords.verify(password, user?.passwordHash ?? null);
    if (!user || !valid || user.status !== 'active') throw invalidCredentials();
    return this.afterFirstFactor(user);
  }

  /** What a proven first factor (password, magic link) leads to: the MFA step, or a session. */
  async afterFirstFactor(user: UserEntity): Promise<SessionDto | MfaChallenge> {
    if (await this.mfa.isEnabled(accountSubject(user.id))) return this.challenges.issue(accountSubject(user.id));
    return this.startSession(user);
  }

  /** Completes a sign-in's MFA step with a code: the session. */
  async completeMfa(challengeToken: string, code: string): Promise<SessionDto> {
    const userId = await this.challenges.complete(PLATFORM_REALM, challengeToken, code);
    const user = await this.users.findById(userId);
    if (!user || user.status !== 'active') throw invalidCredentials();
    return this.startSession(user);
  }

  /** A new sign-in (a new refresh-token family) of an account whose identity, and second factor when it has one, were checked. */
  async startSession(user: UserEntity): Promise<SessionDto> {
    const refresh = await this.refreshTokens.issue(PLATFORM_REALM, user.id);
    return this.session(user, refresh.token);
  }

  async refresh(refreshToken: string): Promise<SessionDto> {
    const next = await this.refreshTokens.rotate(PLATFORM_REALM, refreshToken);
    const user = await this.users.findById(next.subjectId);
    if (!user || user.status !== 'active') {
      await this.refreshTokens.revokeAllOf(PLATFORM_REALM, next.subjectId);
      throw invalidToken('The account of this session is no longer active.');
    }
    return this.session(user, next.token);
  }

  async logout(refreshToken: string): Promise<void> {
    await this.refreshTokens.revokeFamilyOf(PLATFORM_REALM, refreshToken);
  }

  private async session(user: UserEntity, refreshToken: string): Promise<SessionDto> {
    const ttlSeconds = Math.max(1, Math.round(this.config.accessTokenTtlMs / 1000));
    const accessToken = await this.jwt.signAsync(
      // iat from the instance's clock: jsonwebtoken counts exp from it.
      { sub: user.id, iat: this.clock.seconds() },
      { algorithm: ACCESS_TOKEN_ALGORITHM, audience: PLATFORM_AUDIENCE, issuer: this.config.jwtIssuer, expiresIn: ttlSeconds, secret: this.config.jwtSecret },
    );
    return { access_token: accessToken, refresh_token: refreshToken, expires: ttlSeconds * 1000, user: toUserDto(user) };
  }
}
