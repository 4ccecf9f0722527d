import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import type { Principal } from '../../common/principal/principal';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { MfaService } from './mfa.service';
import { subjectOf } from './mfa-subject';
import { WorkspaceSignInService } from './workspace-sign-in.service';

/**
 * A workspace's `require_mfa` rules, for every door into it: HTTP routes (MfaEnforcementGuard), the
 * realtime WebSocket and GraphQL over WebSocket. A member (or app user) without MFA is refused with 403
 * MFA_REQUIRED in a workspace that requires it of members (or app users); API keys and anonymous callers
 * pass, as do callers who do not belong to the workspace (the door answers them 404 as for any workspace
 * they are not in, so that its rules cannot be probed from outside).
 */
@Injectable()
export class MfaEnforcement {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly rules: WorkspaceSignInService,
    private readonly mfa: MfaService,
  ) {}

  async check(principal: Principal | null | undefined, ref: string): Promise<void> {
    if (!principal) return;
    const subject = subjectOf(principal);
    if (!subject) return;
    // The cached workspace and rules first: most workspaces require nothing, and their requests stop here.
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) return;
    const rules = await this.rules.of(workspace.id);
    const required = principal.kind === 'app_user' ? rules.requireMfaAppUsers : rules.requireMfaMembers;
    if (!required || (await this.mfa.isEnabled(subject)) || !(await this.belongs(principal, ref))) return;
    throw new AppError('MFA_REQUIRED', 'This workspace requires two-factor authentication: enrol an authenticator first.', {
      enrol: principal.kind === 'app_user' ? `/api/v1/w/${ref}/auth/mfa/totp/setup` : '/api/v1/auth/mfa/totp/setup',
    });
  }

  /** Whether the caller belongs to the workspace: a member (or the superadmin) for an account; an app user does, its credential is the workspace's. */
  private async belongs(principal: Principal, ref: string): Promise<boolean> {
    if (principal.kind === 'app_user') return true;
    return (await this.workspaces.resolveAccess(principal, ref).catch(() => null)) !== null;
  }
}
