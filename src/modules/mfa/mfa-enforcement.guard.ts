import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestWithPrincipal } from '../../common/principal/principal';
import { MfaEnforcement } from './mfa-enforcement';

/**
 * An app user's own account routes (sign-in, MFA enrolment, password): open to it even where MFA is
 * required, so that it can enrol.
 */
const APP_USER_ACCOUNT_ROUTE = /^\/api\/v1\/w\/:ws\/auth\//;

/**
 * Enforces a workspace's `require_mfa` rules (MfaEnforcement) on every HTTP route of the workspace, the
 * platform's `/workspaces/{ws}/…` and the workspace plane `/w/{ws}/…` alike. Enrolment lives outside the
 * workspace (`/auth/mfa/…`, `/w/{ws}/auth/mfa/…`), so the refused can always enrol. A global guard,
 * registered after the PrincipalGuard (it reads the principal that one found).
 */
@Injectable()
export class MfaEnforcementGuard implements CanActivate {
  constructor(private readonly enforcement: MfaEnforcement) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const ref = (request.params as Record<string, string | undefined> | undefined)?.ws;
    if (!ref) return true;
    if (request.user?.kind === 'app_user' && APP_USER_ACCOUNT_ROUTE.test(request.routeOptions.url ?? '')) return true;
    await this.enforcement.check(request.user, ref);
    return true;
  }
}
