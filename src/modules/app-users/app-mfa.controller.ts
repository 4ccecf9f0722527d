import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { forbidden, invalidCredentials, notFound } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import { CurrentPrincipal, Principal, Public } from '../../common/principal/principal';
import { appUserRealm } from '../credentials/access-tokens';
import { PasswordHasher } from '../credentials/password-hasher';
import { deliverSession } from '../credentials/session-cookie';
import type { LoginMode } from '../credentials/sign-in.dto';
import { MagicLinkRequestDto, MagicLinkVerifyDto } from '../magic-links/magic-link.dto';
import { MagicLinksService } from '../magic-links/magic-links.service';
import { Mailer } from '../mail/mailer';
import { ApiSessionOrChallenge, MfaCodeDto, MfaDisableDto, MfaStatusDto, MfaVerifyDto, RecoveryCodesDto, TotpSetupDto } from '../mfa/mfa.dto';
import { MfaService } from '../mfa/mfa.service';
import { appUserSubject } from '../mfa/mfa-subject';
import { WorkspaceSignInService } from '../mfa/workspace-sign-in.service';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { asAppUser } from './app-auth.controller';
import { AppAuthService } from './app-auth.service';
import { AppSessionDto } from './app-user.dto';
import { AppUsersService } from './app-users.service';

/**
 * An app user's second factor (enrolment, the sign-in's MFA step) and its sign-in by mailed link, under
 * the workspace's auth routes, beside the password routes of AppAuthController.
 */
@ApiTags('app-auth')
@ApiParam({ name: 'ws', description: 'Workspace slug or id' })
@Controller('w/:ws/auth')
export class AppMfaController {
  constructor(
    private readonly auth: AppAuthService,
    private readonly appUsers: AppUsersService,
    private readonly workspaces: WorkspacesService,
    private readonly passwords: PasswordHasher,
    private readonly mfa: MfaService,
    private readonly rules: WorkspaceSignInService,
    private readonly magicLinks: MagicLinksService,
    private readonly mailer: Mailer,
    @InjectConfig('auth') private readonly authConfig: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  @Get('mfa')
  @ApiBearerAuth()
  @ApiData(MfaStatusDto)
  @ApiErrors(401, 403)
  async status(@CurrentPrincipal() principal: Principal) {
    const appUser = asAppUser(principal);
    const status = await this.mfa.status(appUserSubject(appUser.workspaceId, appUser.appUserId));
    return { data: { enabled: status.enabled, recovery_codes_left: status.recoveryCodesLeft } };
  }

  @Post('mfa/totp/setup')
  @ApiBearerAuth()
  @ApiData(TotpSetupDto, { description: 'A new secret, pending until `…/enable` sees a code of it.' })
  @ApiErrors(401, 403, 409)
  async setup(@Param('ws') ref: string, @CurrentPrincipal() principal: Principal) {
    const appUser = asAppUser(principal);
    const workspace = await this.workspace(ref);
    const { secret, otpauthUrl } = await this.mfa.setup(appUserSubject(appUser.workspaceId, appUser.appUserId), workspace.name, appUser.email);
    return { data: { secret, otpauth_url: otpauthUrl } };
  }

  @Post('mfa/totp/enable')
  @ApiBearerAuth()
  @ApiData(RecoveryCodesDto, { description: 'MFA is on; the recovery codes are shown this once.' })
  @ApiErrors(401, 403, 409)
  async enable(@CurrentPrincipal() principal: Principal, @Body() body: MfaCodeDto) {
    const appUser = asAppUser(principal);
    return { data: { recovery_codes: await this.mfa.enable(appUserSubject(appUser.workspaceId, appUser.appUserId), body.code) } };
  }

  @AuthRateLimit('sign-in')
  @Post('mfa/totp/disable')
  @ApiBearerAuth()
  @ApiNoContent('MFA is off and its recovery codes are gone')
  @ApiErrors(401, 403, 429)
  async disable(@CurrentPrincipal() principal: Principal, @Body() body: MfaDisableDto): Promise<void> {
    const appUser = asAppUser(principal);
    await this.mfa.disableProven(appUserSubject(appUser.workspaceId, appUser.appUserId), body, async (password) =>
      this.passwords.verify(password, (await this.appUsers.getById(appUser.workspaceId, appUser.appUserId)).passwordHash),
    );
  }

  @Public()
  @AuthRateLimit('sign-in')
  @Post('mfa/verify')
  @ApiData(AppSessionDto, { description: 'The sign-in is complete.' })
  @ApiErrors(401, 404, 429)
  async verify(@Param('ws') ref: string, @Body() body: MfaVerifyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.auth.completeMfa(await this.workspace(ref), body.mfa_token, body.code);
    return { data: this.deliver(session, body.mode ?? 'json', ref, reply) };
  }

  /**
   * Mails a sign-in link to an active app user with this email, to the workspace's app (its app_url); the
   * answer is the same either way. 403 when the workspace has not turned magic links on.
   */
  @Public()
  @AuthRateLimit('request')
  @Post('magic-link')
  @ApiNoContent('Answered alike whether or not an app user has this email; if one has, a sign-in link is mailed to it')
  @ApiErrors(403, 404, 429)
  async requestMagicLink(@Param('ws') ref: string, @Body() body: MagicLinkRequestDto): Promise<void> {
    const workspace = await this.magicLinkWorkspace(ref);
    const appUser = await this.appUsers.findByEmail(workspace.id, body.email);
    const appUrl = workspace.appUrl;
    if (!appUser || appUser.status !== 'active' || !appUrl) return;
    await this.magicLinks.send({
      realm: appUserRealm(workspace.id),
      subjectId: appUser.id,
      email: appUser.email,
      workspaceId: workspace.id,
      placeName: workspace.name,
      link: (token) => this.mailer.appLink(appUrl, { type: 'magic-link', token }),
    });
  }

  @Public()
  @AuthRateLimit('token')
  @Post('magic-link/verify')
  @ApiSessionOrChallenge(AppSessionDto, 'The session; for an app user with MFA, a challenge to complete with a code at `POST /w/{ws}/auth/mfa/verify`.')
  @ApiErrors(401, 403, 404, 429)
  async verifyMagicLink(@Param('ws') ref: string, @Body() body: MagicLinkVerifyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const workspace = await this.magicLinkWorkspace(ref);
    const appUserId = await this.magicLinks.consume(appUserRealm(workspace.id), body.token);
    const appUser = await this.appUsers.findById(workspace.id, appUserId);
    if (!appUser || appUser.status !== 'active') throw invalidCredentials();
    const answer = await this.auth.afterFirstFactor(appUser);
    return { data: 'mfa_token' in answer ? answer : this.deliver(answer, body.mode ?? 'json', ref, reply) };
  }

  private async workspace(ref: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) throw notFound('Workspace not found.');
    return workspace;
  }

  private async magicLinkWorkspace(ref: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspace(ref);
    if (!(await this.rules.of(workspace.id)).appUserMagicLinks) throw forbidden('Sign-in links are not enabled for the app users of this workspace.');
    return workspace;
  }

  /** The refresh cookie is scoped to this workspace's auth routes, as AppAuthController sets it. */
  private deliver(session: AppSessionDto, mode: LoginMode, ref: string, reply: FastifyReply): AppSessionDto {
    return deliverSession(session, mode, `/api/v1/w/${encodeURIComponent(ref)}/auth`, reply, { auth: this.authConfig, server: this.serverConfig });
  }
}
