import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { Public } from '../../common/principal/principal';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { AppSessionDto } from '../app-users/app-user.dto';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { deliverSession, queryOf, recallFlow, rememberFlow } from './sso-cookies';
import { ApiSessionOrChallenge } from '../mfa/mfa.dto';
import { SsoFlows } from './sso-flows.service';
import { AuthProvidersDto, OidcExchangeDto, PutWorkspaceSsoDto, WorkspaceSsoDto } from './sso.dto';
import { WorkspaceSsoService } from './workspace-sso.service';

/**
 * Single sign-on of a workspace's app users with the workspace's own OpenID Connect provider: its
 * settings (owners and admins) and the sign-in routes beside the app users' other auth routes.
 */
@ApiTags('app-auth')
@ApiParam({ name: 'ws', description: 'Workspace slug or id' })
@Controller('w/:ws')
export class WorkspaceSsoController {
  constructor(
    private readonly flows: SsoFlows,
    private readonly settings: WorkspaceSsoService,
    private readonly workspaces: WorkspacesService,
    @InjectConfig('auth') private readonly authConfig: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  @Get('sso')
  @RequireWorkspaceRole('admin')
  @ApiData(WorkspaceSsoDto, { nullable: true, description: 'The provider, or null when the workspace has none; the client secret is never answered.' })
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.settings.get(access.workspace.id) };
  }

  @Put('sso')
  @RequireWorkspaceRole('admin')
  @ApiData(WorkspaceSsoDto, { description: 'Saved after the issuer was discovered.' })
  @ApiErrors(400, 401, 403)
  async put(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: PutWorkspaceSsoDto) {
    const by = access.principal.kind === 'user' ? access.principal.userId : null;
    return { data: await this.settings.put(access.workspace.id, body, by) };
  }

  @Delete('sso')
  @RequireWorkspaceRole('admin')
  @HttpCode(204)
  @ApiNoContent('Single sign-on is off for the workspace')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess): Promise<void> {
    await this.settings.remove(access.workspace.id);
  }

  @Public()
  @Get('auth/providers')
  @ApiData(AuthProvidersDto, { description: "The sign-in methods of the workspace's app users." })
  @ApiErrors(404)
  async providers(@Param('ws') ref: string) {
    const loginUrl = await this.flows.loginUrl({ kind: 'workspace', workspaceId: await this.workspaceId(ref) });
    return { data: { password: true, oidc: { enabled: loginUrl !== null, login_url: loginUrl } } };
  }

  @Public()
  @Get('auth/oidc/login')
  @ApiQuery({ name: 'return_to', required: false, description: "Where the browser comes back with `sso_code`: a URL within the workspace's return_urls." })
  @ApiFoundResponse({ description: 'To the provider, with state, nonce and a PKCE challenge.' })
  @ApiErrors(400, 404, 503)
  async login(@Param('ws') ref: string, @Query('return_to') returnTo: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const { redirect, state } = await this.flows.begin({ kind: 'workspace', workspaceId: await this.workspaceId(ref) }, returnTo);
    rememberFlow(reply, state, this.serverConfig);
    await reply.redirect(redirect, 302);
  }

  @Public()
  @AuthRateLimit('token')
  @Get('auth/oidc/callback')
  @ApiFoundResponse({ description: 'To the return URL, with a one-time `sso_code` to exchange.' })
  @ApiErrors(400, 401, 403, 404, 503)
  async callback(@Param('ws') ref: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const workspaceId = await this.workspaceId(ref);
    const back = await this.flows.complete({ kind: 'workspace', workspaceId }, queryOf(request), recallFlow(request, reply));
    await reply.redirect(back, 302);
  }

  @Public()
  @AuthRateLimit('token')
  @Post('auth/oidc/exchange')
  @ApiSessionOrChallenge(AppSessionDto, 'What an app user password sign-in answers: the session, or for an app user with MFA a challenge to complete at `POST /w/{ws}/auth/mfa/verify`.')
  @ApiErrors(400, 401, 404)
  async exchange(@Param('ws') ref: string, @Body() body: OidcExchangeDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.flows.exchange({ kind: 'workspace', workspaceId: await this.workspaceId(ref) }, body.code);
    return { data: 'mfa_token' in session ? session : deliverSession(session, body.mode ?? 'json', `/api/v1/w/${encodeURIComponent(ref)}/auth`, reply, this.authConfig, this.serverConfig) };
  }

  private async workspaceId(ref: string): Promise<string> {
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) throw notFound('Workspace not found.');
    return workspace.id;
  }
}
