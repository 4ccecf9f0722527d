import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { forbidden, invalidPayload, notFound } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { REFRESH_COOKIE } from '../credentials/access-tokens';
import { LoginDto, LoginMode, LogoutDto, RefreshDto } from '../credentials/sign-in.dto';
import { AppUserPrincipal, CurrentPrincipal, Principal, Public } from '../../common/principal/principal';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { AppAccountService } from './app-account.service';
import { AppRegisterDto, AppSessionDto, AppUserDto, EmailVerifyDto, PasswordChangeDto, PasswordResetDto, PasswordResetRequestDto, toAppUserDto } from './app-user.dto';
import { AppAuthService } from './app-auth.service';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import { AppUsersService } from './app-users.service';
import { ApiSessionOrChallenge } from '../mfa/mfa.dto';

/** Sign-up, sign-in and sessions of a workspace's app users: the platform's auth routes, per workspace. */
@ApiTags('app-auth')
@ApiParam({ name: 'ws', description: 'Workspace slug or id' })
@Controller('w/:ws/auth')
export class AppAuthController {
  constructor(
    private readonly auth: AppAuthService,
    private readonly account: AppAccountService,
    private readonly appUsers: AppUsersService,
    private readonly workspaces: WorkspacesService,
    @InjectConfig('auth') private readonly config: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  @Public()
  @AuthRateLimit('request')
  @Post('register')
  @ApiData(AppSessionDto, { status: 201, description: 'The new app user, signed in.' })
  @ApiErrors(404, 409, 413)
  async register(@Param('ws') ref: string, @Body() body: AppRegisterDto) {
    return { data: await this.auth.register(await this.workspace(ref), body.email, body.password) };
  }

  @Public()
  @AuthRateLimit('sign-in')
  @Post('login')
  @ApiSessionOrChallenge(AppSessionDto, 'The session; for an app user with MFA, a challenge to complete with a code at `POST /w/{ws}/auth/mfa/verify`.')
  @ApiErrors(401, 404)
  async login(@Param('ws') ref: string, @Body() body: LoginDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.auth.login(await this.workspace(ref), body.email, body.password);
    return { data: 'mfa_token' in session ? session : this.deliver(session, body.mode ?? 'json', ref, reply) };
  }

  @Public()
  @AuthRateLimit('token')
  @Post('refresh')
  @ApiData(AppSessionDto)
  @ApiErrors(401, 404)
  async refresh(@Param('ws') ref: string, @Body() body: RefreshDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const fromCookie = request.cookies?.[REFRESH_COOKIE];
    const session = await this.auth.refresh(await this.workspace(ref), presentedToken(body.refresh_token, request));
    return { data: this.deliver(session, body.mode ?? (fromCookie && !body.refresh_token ? 'cookie' : 'json'), ref, reply) };
  }

  @Public()
  @Post('logout')
  @ApiNoContent('The session is revoked')
  @ApiErrors(404)
  async logout(@Param('ws') ref: string, @Body() body: LogoutDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logout(await this.workspace(ref), presentedToken(body.refresh_token, request));
    void reply.clearCookie(REFRESH_COOKIE, { path: cookiePath(ref) });
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiData(AppUserDto)
  @ApiErrors(401, 403)
  async me(@CurrentPrincipal() principal: Principal) {
    const appUser = asAppUser(principal);
    return { data: toAppUserDto(await this.appUsers.getById(appUser.workspaceId, appUser.appUserId)) };
  }

  @Public()
  @AuthRateLimit('request')
  @Post('password/request')
  @ApiNoContent('Answered alike whether or not an app user has this email; if one has, a reset link is mailed to it')
  @ApiErrors(404)
  async requestPasswordReset(@Param('ws') ref: string, @Body() body: PasswordResetRequestDto): Promise<void> {
    await this.account.requestPasswordReset(await this.workspace(ref), body.email);
  }

  @Public()
  @AuthRateLimit('token')
  @Post('password/reset')
  @ApiNoContent('The password is changed and every session of the app user ended')
  @ApiErrors(401, 404)
  async resetPassword(@Param('ws') ref: string, @Body() body: PasswordResetDto): Promise<void> {
    await this.account.resetPassword(await this.workspace(ref), body.token, body.password);
  }

  @Post('password/change')
  @ApiBearerAuth()
  @ApiData(AppSessionDto, { description: 'The password is changed, every session ended, and this new one started.' })
  @ApiErrors(401, 403)
  async changePassword(@CurrentPrincipal() principal: Principal, @Body() body: PasswordChangeDto) {
    return { data: await this.account.changePassword(asAppUser(principal), body.current_password, body.password) };
  }

  @Post('email/request-verification')
  @ApiBearerAuth()
  @ApiNoContent('A verification link is mailed, unless the email is verified already')
  @ApiErrors(401, 403)
  async requestEmailVerification(@Param('ws') ref: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    const appUser = asAppUser(principal);
    await this.account.requestEmailVerification(await this.workspace(ref), appUser);
  }

  @Public()
  @Post('email/verify')
  @ApiNoContent('The email of the app user is verified')
  @ApiErrors(401, 404)
  async verifyEmail(@Param('ws') ref: string, @Body() body: EmailVerifyDto): Promise<void> {
    await this.account.verifyEmail(await this.workspace(ref), body.token);
  }

  private async workspace(ref: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) throw notFound('Workspace not found.');
    return workspace;
  }

  /** In cookie mode the refresh token travels only as an httpOnly cookie, scoped to this workspace's auth routes. */
  private deliver(session: AppSessionDto, mode: LoginMode, ref: string, reply: FastifyReply): AppSessionDto {
    if (mode === 'json') return session;
    void reply.setCookie(REFRESH_COOKIE, session.refresh_token ?? '', {
      httpOnly: true,
      secure: this.serverConfig.publicUrl.startsWith('https://'),
      sameSite: 'lax',
      path: cookiePath(ref),
      maxAge: Math.round(this.config.refreshTokenTtlMs / 1000),
    });
    const { refresh_token: _omitted, ...rest } = session;
    return rest;
  }
}

/** The guard has already checked that an app user's token belongs to the route's workspace. */
export function asAppUser(principal: Principal): AppUserPrincipal {
  if (principal.kind !== 'app_user') throw forbidden('This route needs a signed-in app user of this workspace.');
  return principal;
}

function cookiePath(ref: string): string {
  return `/api/v1/w/${encodeURIComponent(ref)}/auth`;
}

function presentedToken(fromBody: string | undefined, request: FastifyRequest): string {
  const token = fromBody ?? request.cookies?.[REFRESH_COOKIE];
  if (!token) throw invalidPayload('Invalid payload: "refresh_token" is required (in the body or its cookie).', 'refresh_token');
  return token;
}
