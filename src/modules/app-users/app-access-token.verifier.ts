import { Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { jwtVerifier, JwtVerifier } from '../auth/access-token.verifier';
import type { Principal } from '../auth/principal';
import { AppUsersService } from './app-users.service';

const APP_AUDIENCE = /^cairn:ws:[0-9a-f-]{36}$/;

/**
 * Verifies app users' access tokens: a workspace audience, a user of that very workspace, active. The
 * user is read on every request, so a suspended or deleted user's tokens stop at once.
 */
@Injectable()
export class AppAccessTokenVerifier {
  readonly verify: JwtVerifier;

  constructor(
    @InjectConfig() config: AppConfig,
    private readonly users: AppUsersService,
  ) {
    this.verify = jwtVerifier(config, APP_AUDIENCE, (payload) => this.validate(payload));
  }

  /** Whether a token claims to be an app user's, from its payload as sent (routing only: verify() checks it). */
  static claims(token: string): boolean {
    try {
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
      return typeof payload.aud === 'string' && APP_AUDIENCE.test(payload.aud);
    } catch {
      return false;
    }
  }

  private async validate(payload: { sub?: unknown; aud?: unknown }): Promise<Principal | false> {
    if (typeof payload.sub !== 'string' || typeof payload.aud !== 'string') return false;
    const user = await this.users.findForToken(payload.sub);
    if (!user || user.status !== 'active' || payload.aud !== `cairn:ws:${user.workspaceId}`) return false;
    return { kind: 'app_user', appUserId: user.id, workspaceId: user.workspaceId, role: user.role, email: user.email, emailVerified: user.emailVerifiedAt !== null };
  }
}
