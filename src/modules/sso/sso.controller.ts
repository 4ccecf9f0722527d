import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { Public } from '../../common/principal/principal';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { SessionDto } from '../auth/auth.dto';
import { deliverSession, queryOf, recallFlow, rememberFlow } from './sso-cookies';
import { ApiSessionOrChallenge } from '../mfa/mfa.dto';
import { SsoFlows } from './sso-flows.service';
import { AuthProvidersDto, OidcExchangeDto } from './sso.dto';

const PLATFORM = { kind: 'platform' } as const;

/** Single sign-on of platform accounts with the instance's OpenID Connect provider (OIDC_ISSUER). */
@ApiTags('auth')
@Controller('auth')
export class SsoController {
  constructor(
    private readonly flows: SsoFlows,
    @InjectConfig('auth') private readonly authConfig: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  /** Public: a sign-in page asks it which buttons to show. */
  @Public()
  @Get('providers')
  @ApiData(AuthProvidersDto, { description: 'The sign-in methods of platform accounts.' })
  @ApiErrors()
  async providers() {
    const loginUrl = await this.flows.loginUrl(PLATFORM);
    return { data: { password: true, oidc: { enabled: loginUrl !== null, login_url: loginUrl } } };
  }

  @Public()
  @Get('oidc/login')
  @ApiQuery({ name: 'return_to', required: false, description: 'Where the browser comes back with `sso_code`: a URL within OIDC_RETURN_URLS (the console by default).' })
  @ApiFoundResponse({ description: 'To the provider, with state, nonce and a PKCE challenge.' })
  @ApiErrors(400, 404, 503)
  async login(@Query('return_to') returnTo: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const { redirect, state } = await this.flows.begin(PLATFORM, returnTo);
    rememberFlow(reply, state, this.serverConfig);
    await reply.redirect(redirect, 302);
  }

  @Public()
  @AuthRateLimit('token')
  @Get('oidc/callback')
  @ApiFoundResponse({ description: 'To the return URL, with a one-time `sso_code` to exchange.' })
  @ApiErrors(400, 401, 403, 404, 503)
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const back = await this.flows.complete(PLATFORM, queryOf(request), recallFlow(request, reply));
    await reply.redirect(back, 302);
  }

  @Public()
  @AuthRateLimit('token')
  @Post('oidc/exchange')
  @ApiSessionOrChallenge(SessionDto, 'What a password sign-in answers: the session, or for an account with MFA a challenge to complete at `POST /auth/mfa/verify`.')
  @ApiErrors(400, 401)
  async exchange(@Body() body: OidcExchangeDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.flows.exchange(PLATFORM, body.code);
    return { data: 'mfa_token' in session ? session : deliverSession(session, body.mode ?? 'json', '/api/v1/auth', reply, this.authConfig, this.serverConfig) };
  }
}
