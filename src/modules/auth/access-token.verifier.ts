import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Clock } from '../../common/clock/clock';
import { invalidToken, tokenExpired } from '../../common/errors/app-error';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig } from '../../config/app-config';
import { AppUsersService } from '../app-users/app-users.service';
import { UsersService } from '../users/users.service';
import { ACCESS_TOKEN_ALGORITHM, APP_USER_AUDIENCE, PLATFORM_AUDIENCE } from '../credentials/access-tokens';
import type { Principal } from '../../common/principal/principal';

/** The claims the verifier reads; passport-jwt has checked signature, issuer and audience. */
interface TokenClaims {
  sub?: unknown;
  aud?: unknown;
  iat?: unknown;
  exp?: unknown;
}

/** What passport-jwt calls back on: the passport-strategy contract, without passport's global registry. */
interface StrategyAttempt {
  success(user: Principal): void;
  fail(info?: unknown): void;
  error(error: unknown): void;
  authenticate(request: unknown, options: object): void;
}

/**
 * Verifies access tokens with passport-jwt: HS256 only, this instance's issuer, and the platform
 * audience or one workspace's app-user audience. The account or app user is read on every request, so
 * a disabled, suspended or deleted one stops at once. Whether an app user's workspace is the route's is
 * the guard's concern. The strategies belong to this application instance; passport's process-wide registry would let
 * two Cairn instances in one process (as the tests start them) use each other's. Expiry is checked against
 * the instance's clock.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly strategy: Strategy;

  constructor(
    @InjectConfig('auth') config: AuthConfig,
    private readonly users: UsersService,
    private readonly appUsers: AppUsersService,
    private readonly clock: Clock,
  ) {
    this.strategy = new Strategy(
      {
        // BearerCredentials hands every token over as this header, wherever the caller gave it.
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: config.jwtSecret,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: config.jwtIssuer,
        // jsonwebtoken takes patterns among audiences; passport-jwt passes them on, though its types say strings.
        audience: [PLATFORM_AUDIENCE, APP_USER_AUDIENCE] as unknown as string[],
        // Expiry is checked in validate(), against the instance's clock.
        ignoreExpiration: true,
      },
      (payload: TokenClaims, done: (error: unknown, user?: Principal | false) => void) => {
        this.validate(payload).then(
          (principal) => done(null, principal),
          (error: unknown) => done(error),
        );
      },
    );
  }

  verify(request: FastifyRequest): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as StrategyAttempt;
      attempt.success = resolve;
      attempt.fail = (info) => reject((info as { name?: string } | undefined)?.name === 'TokenExpiredError' ? tokenExpired() : invalidToken());
      attempt.error = reject;
      attempt.authenticate(request, {});
    });
  }

  private async validate(payload: TokenClaims): Promise<Principal | false> {
    if (typeof payload.sub !== 'string') return false;
    // Cairn signs every token with an expiry; jsonwebtoken would read the system clock, not the instance's.
    if (typeof payload.exp !== 'number') return false;
    if (this.clock.seconds() >= payload.exp) throw tokenExpired();
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    // One token, one realm: a token naming several audiences is not one Cairn issued.
    if (audiences.length !== 1 || typeof audiences[0] !== 'string') return false;
    const workspaceId = APP_USER_AUDIENCE.exec(audiences[0])?.[1];
    return workspaceId ? this.appUserPrincipal(payload.sub, workspaceId, payload.iat) : this.userPrincipal(payload.sub);
  }

  private async appUserPrincipal(appUserId: string, workspaceId: string, issuedAt: unknown): Promise<Principal | false> {
    const appUser = await this.appUsers.findForToken(appUserId);
    if (!appUser || appUser.workspaceId !== workspaceId || appUser.status !== 'active') return false;
    // iat has whole seconds: a token issued in the second of the change, such as the new session's, stays valid.
    if (appUser.passwordChangedAt && (typeof issuedAt !== 'number' || issuedAt < Math.floor(appUser.passwordChangedAt.getTime() / 1000))) return false;
    return { kind: 'app_user', appUserId: appUser.id, workspaceId, role: appUser.role, email: appUser.email, emailVerified: appUser.emailVerifiedAt !== null };
  }

  private async userPrincipal(userId: string): Promise<Principal | false> {
    const user = await this.users.findForToken(userId);
    if (!user || user.status !== 'active') return false;
    return { kind: 'user', userId: user.id, email: user.email, isSuperadmin: user.isSuperadmin };
  }
}
