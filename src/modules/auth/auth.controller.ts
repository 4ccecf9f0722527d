import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { invalidPayload } from '../../common/errors/app-error';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { toUserDto, UserDto } from '../users/user.dto';
import { UsersService } from '../users/users.service';
import { REFRESH_COOKIE } from '../credentials/access-tokens';
import { LoginDto, LogoutDto, RefreshDto } from '../credentials/sign-in.dto';
import { RegisterDto, SessionDto, SetupStateDto } from './auth.dto';
import { AuthService } from './auth.service';
import { ApiSessionOrChallenge } from '../mfa/mfa.dto';
import { CurrentPrincipal, Principal, Public, UserOnly, UserPrincipal } from '../../common/principal/principal';

/** The path the refresh-token cookie is scoped to: only the platform's auth routes ever receive it. */
const PLATFORM_COOKIE_PATH = '/api/v1/auth';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    @InjectConfig('auth') private readonly config: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  /** Says only whether an account exists yet: nothing about the token or the accounts. */
  @Public()
  @Get('setup')
  @ApiData(SetupStateDto, { description: 'Whether the instance waits for its first (superadmin) account.' })
  @ApiErrors()
  async setupState(): Promise<{ data: SetupStateDto }> {
    return { data: { needs_setup: (await this.users.count()) === 0 } };
  }

  @Public()
  @AuthRateLimit('request')
  @Post('register')
  @ApiData(UserDto, { status: 201, description: 'The account; the first one of the instance is its superadmin.' })
  @ApiErrors(403, 409, 413, 429)
  async register(@Body() body: RegisterDto, @CurrentPrincipal() caller: Principal | undefined) {
    return { data: toUserDto(await this.auth.register(body, caller)) };
  }

  @Public()
  @AuthRateLimit('sign-in')
  @Post('login')
  @ApiSessionOrChallenge(SessionDto, 'The session; for an account with MFA, a challenge to complete with a code at `POST /auth/mfa/verify`.')
  @ApiErrors(401, 429)
  async login(@Body() body: LoginDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.auth.login(body.email, body.password);
    return { data: 'mfa_token' in session ? session : this.deliver(session, body.mode ?? 'json', reply) };
  }

  @Public()
  @AuthRateLimit('token')
  @Post('refresh')
  @ApiData(SessionDto)
  @ApiErrors(401, 429)
  async refresh(@Body() body: RefreshDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const fromCookie = request.cookies?.[REFRESH_COOKIE];
    const session = await this.auth.refresh(this.presentedToken(body.refresh_token, request));
    return { data: this.deliver(session, body.mode ?? (fromCookie && !body.refresh_token ? 'cookie' : 'json'), reply) };
  }

  @Public()
  @Post('logout')
  @ApiNoContent('The session is revoked')
  @ApiErrors()
  async logout(@Body() body: LogoutDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logout(this.presentedToken(body.refresh_token, request));
    void reply.clearCookie(REFRESH_COOKIE, { path: PLATFORM_COOKIE_PATH });
  }

  @UserOnly()
  @Get('me')
  @ApiBearerAuth()
  @ApiData(UserDto)
  @ApiErrors(401, 403)
  async me(@CurrentPrincipal() principal: UserPrincipal) {
    return { data: toUserDto(await this.users.getById(principal.userId)) };
  }

  private presentedToken(fromBody: string | undefined, request: FastifyRequest): string {
    const token = fromBody ?? request.cookies?.[REFRESH_COOKIE];
    if (!token) throw invalidPayload('Invalid payload: "refresh_token" is required (in the body or its cookie).', 'refresh_token');
    return token;
  }

  /** In cookie mode the refresh token travels only as an httpOnly cookie, out of reach of page scripts. */
  private deliver(session: SessionDto, mode: 'json' | 'cookie', reply: FastifyReply): SessionDto {
    if (mode === 'json') return session;
    void reply.setCookie(REFRESH_COOKIE, session.refresh_token ?? '', {
      httpOnly: true,
      secure: this.serverConfig.publicUrl.startsWith('https://'),
      sameSite: 'lax',
      path: PLATFORM_COOKIE_PATH,
      maxAge: Math.round(this.config.refreshTokenTtlMs / 1000),
    });
    const { refresh_token: _omitted, ...rest } = session;
    return rest;
  }
}
