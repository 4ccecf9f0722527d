import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import type { Principal, RequestWithPrincipal } from '../../common/principal/principal';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { MfaService } from './mfa.service';
import { subjectOf } from './mfa-subject';
import { WorkspaceSignInService } from './workspace-sign-in.service';

/**
 * An app user's own account routes (sign-in, MFA enrolment, password): open to it even where MFA is
 * required, so that it can enrol.
 */
const APP_USER_ACCOUNT_ROUTE = /^\/api\/v1\/w\/:ws\/auth\//;

/**
 * Enforces a workspace's `require_mfa` rules: a member (or app user) without MFA is refused with 403
 * MFA_REQUIRED on every route of a workspace that requires it of members (or app users), the platform's
 * `/workspaces/{ws}/…` and the workspace plane `/w/{ws}/…` alike. Enrolment lives outside the workspace
 * (`/auth/mfa/…`, `/w/{ws}/auth/mfa/…`), so the refused can always enrol. A global guard, registered after
 * the PrincipalGuard (it reads the principal that one found); API keys and anonymous callers pass.
 */
@Injectable()
export class MfaEnforcementGuard implements CanActivate {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly rules: WorkspaceSignInService,
    private readonly mfa: MfaService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const ref = (request.params as Record<string, string | undefined> | undefined)?.ws;
    const principal = request.user;
    if (!ref || !principal) return true;
    const subject = subjectOf(principal);
    if (!subject) return true;
    if (principal.kind === 'app_user' && APP_USER_ACCOUNT_ROUTE.test(request.routeOptions.url ?? '')) return true;
    // The cached workspace and rules first: most workspaces require nothing, and their requests stop here.
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) return true;
    const rules = await this.rules.of(workspace.id);
    const required = principal.kind === 'app_user' ? rules.requireMfaAppUsers : rules.requireMfaMembers;
    if (!required || (await this.mfa.isEnabled(subject)) || !(await this.belongs(principal, ref))) return true;
    throw new AppError('MFA_REQUIRED', 'This workspace requires two-factor authentication: enrol an authenticator first.', {
      enrol: principal.kind === 'app_user' ? `/api/v1/w/${ref}/auth/mfa/totp/setup` : '/api/v1/auth/mfa/totp/setup',
    });
  }

  /**
   * Whether the caller belongs to the workspace: a member (or the superadmin) for an account; an app user
   * does, the PrincipalGuard has checked. Anyone else passes on to the route, which answers 404 as for any
   * workspace it is not in, so the rules of a workspace cannot be probed from outside.
   */
  private async belongs(principal: Principal, ref: string): Promise<boolean> {
    if (principal.kind === 'app_user') return true;
    return (await this.workspaces.resolveAccess(principal, ref).catch(() => null)) !== null;
  }
}
