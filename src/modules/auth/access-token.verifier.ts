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

/** Verifies a request's access token and turns its payload into a principal. */
export type JwtVerifier = (request: FastifyRequest) => Promise<Principal>;

/**
 * A passport-jwt verifier: HS256 only, this instance's issuer, the given audience, not expired; then
 * `validate` decides who the subject is (false: nobody any more). The strategy belongs to the caller's
 * application instance; passport's process-wide registry would let two Cairn instances in one process
 * (as the tests start them) use each other's.
 */
export function jwtVerifier(config: AppConfig, audience: string | RegExp, validate: (payload: { sub?: unknown; aud?: unknown }) => Promise<Principal | false>): JwtVerifier {
  const strategy = new Strategy(
    {
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromUrlQueryParameter('access_token')]),
      secretOrKey: config.auth.jwtSecret,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.auth.jwtIssuer,
      audience: audience as string,
      ignoreExpiration: false,
    },
    (payload: { sub?: unknown; aud?: unknown }, done: (error: unknown, user?: Principal | false) => void) => {
      validate(payload).then(
        (principal) => done(null, principal),
        (error: unknown) => done(error),
      );
    },
  );
  return (request) =>
    new Promise((resolve, reject) => {
      const attempt = Object.create(strategy) as StrategyAttempt;
      attempt.success = resolve;
      attempt.fail = (info) => reject((info as { name?: string } | undefined)?.name === 'TokenExpiredError' ? tokenExpired() : invalidToken());
      attempt.error = reject;
      attempt.authenticate(request, {});
    });
}

/**
 * Verifies platform access tokens (the platform audience). The account is read on every request, so
 * a disabled or deleted account stops at once.
 */
@Injectable()
export class AccessTokenVerifier {
  readonly verify: JwtVerifier;

  constructor(
    @InjectConfig() config: AppConfig,
    private readonly users: UsersService,
  ) {
    this.verify = jwtVerifier(config, PLATFORM_AUDIENCE, (payload) => this.validate(payload));
  }

  private async validate(payload: { sub?: unknown }): Promise<Principal | false> {
    if (typeof payload.sub !== 'string') return false;
    const user = await this.users.findForToken(payload.sub);
    if (!user || user.status !== 'active') return false;
    return { kind: 'user', userId: user.id, email: user.email, isSuperadmin: user.isSuperadmin };
  }
}
