import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AppError, invalidPayload } from '../../common/errors/app-error';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { CurrentPrincipal, Principal } from '../../common/principal/principal';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { UpdateWorkspaceSignInDto, WorkspaceSignInDto } from './mfa.dto';
import { MfaService } from './mfa.service';
import { subjectOf } from './mfa-subject';
import { WorkspaceSignInRules, WorkspaceSignInService } from './workspace-sign-in.service';

/** A workspace's sign-in rules: MFA required of members or app users, magic links for app users. */
@ApiTags('workspaces')
@Controller('workspaces/:ws/sign-in')
export class WorkspaceSignInController {
  constructor(
    private readonly rules: WorkspaceSignInService,
    private readonly mfa: MfaService,
  ) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(WorkspaceSignInDto)
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: toDto(await this.rules.of(access.workspace.id)) };
  }

  /**
   * Changes the rules. Requiring MFA of members is refused to a caller without MFA (403 MFA_REQUIRED),
   * which would lock itself out; magic links for app users need the workspace's app_url, where the link leads.
   */
  @Patch()
  @RequireWorkspaceRole('admin')
  @ApiData(WorkspaceSignInDto)
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @CurrentPrincipal() principal: Principal, @Body() body: UpdateWorkspaceSignInDto) {
    if (body.require_mfa_members === true) {
      const subject = subjectOf(principal);
      if (subject && !(await this.mfa.isEnabled(subject))) {
        throw new AppError('MFA_REQUIRED', 'Enable two-factor authentication on your own account before requiring it of the members.', { enrol: '/api/v1/auth/mfa/totp/setup' });
      }
    }
    if (body.app_user_magic_links === true && !access.workspace.appUrl) {
      throw invalidPayload('Invalid payload: magic links for app users lead to the workspace app_url; set it first (PATCH /workspaces/{ws}).', 'app_user_magic_links');
    }
    const change: Partial<WorkspaceSignInRules> = {};
    if (body.require_mfa_members !== undefined) change.requireMfaMembers = body.require_mfa_members;
    if (body.require_mfa_app_users !== undefined) change.requireMfaAppUsers = body.require_mfa_app_users;
    if (body.app_user_magic_links !== undefined) change.appUserMagicLinks = body.app_user_magic_links;
    return { data: toDto(await this.rules.update(access.workspace.id, change)) };
  }
}

function toDto(rules: WorkspaceSignInRules): WorkspaceSignInDto {
  return { require_mfa_members: rules.requireMfaMembers, require_mfa_app_users: rules.requireMfaAppUsers, app_user_magic_links: rules.appUserMagicLinks };
}
