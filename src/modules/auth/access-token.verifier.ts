import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { invalidToken, tokenExpired } from '../../common/errors/app-error';
import { InjectConfig } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { UsersService } from '../users/users.service';
import { ACCESS_TOKEN_ALGORITHM, PLATFORM_AUDIENCE } from './access-tokens';
import type { Principal } from './principal';

/** What passport-jwt calls back on: the passport-strategy contract, without passport's global registry. */
interface StrategyAttempt {
  success(user: Principal): void;
  fail(info?: unknown): void;
  error(error: unknown): void;
  authenticate(request: unknown, options: object): void;
}

/**
 * Verifies platform access tokens with passport-jwt: HS256 only, this instance's issuer and the
 * platform audience. The account is read on every request, so a disabled or deleted account stops at
 * once. The strategy belongs to this application instance; passport's process-wide registry would let
 * two Cairn instances in one process (as the tests start them) use each other's.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly strategy: Strategy;

  constructor(
    @InjectConfig() config: AppConfig,
    private readonly users: UsersService,
  ) {
    this.strategy = new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromUrlQueryParameter('access_token')]),
        secretOrKey: config.auth.jwtSecret,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: config.auth.jwtIssuer,
        audience: PLATFORM_AUDIENCE,
        ignoreExpiration: false,
      },
      (payload: { sub?: unknown }, done: (error: unknown, user?: Principal | false) => void) => {
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

  private async validate(payload: { sub?: unknown }): Promise<Principal | false> {
    if (typeof payload.sub !== 'string') return false;
    const user = await this.users.findForToken(payload.sub);
    if (!user || user.status !== 'active') return false;
    return { kind: 'user', userId: user.id, email: user.email, isSuperadmin: user.isSuperadmin };
  }
}
