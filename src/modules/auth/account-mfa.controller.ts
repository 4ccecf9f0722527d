import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { invalidCredentials } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import { CurrentPrincipal, Public, UserOnly, UserPrincipal } from '../../common/principal/principal';
import { PLATFORM_REALM } from '../credentials/access-tokens';
import { PasswordHasher } from '../credentials/password-hasher';
import { deliverSession } from '../credentials/session-cookie';
import { MagicLinkRequestDto, MagicLinkVerifyDto } from '../magic-links/magic-link.dto';
import { MagicLinksService } from '../magic-links/magic-links.service';
import { Mailer } from '../mail/mailer';
import { ApiSessionOrChallenge, MfaCodeDto, MfaDisableDto, MfaStatusDto, MfaVerifyDto, RecoveryCodesDto, TotpSetupDto } from '../mfa/mfa.dto';
import { MfaService } from '../mfa/mfa.service';
import { accountSubject } from '../mfa/mfa-subject';
import { UsersService } from '../users/users.service';
import { SessionDto } from './auth.dto';
import { AuthService } from './auth.service';

/** The path the refresh-token cookie is scoped to, as the other platform sign-in routes set it. */
const PLATFORM_COOKIE_PATH = '/api/v1/auth';

/**
 * A platform account's second factor (enrolment, the sign-in's MFA step) and its sign-in by mailed link,
 * beside the password routes of AuthController.
 */
@ApiTags('auth')
@Controller('auth')
export class AccountMfaController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly mfa: MfaService,
    private readonly magicLinks: MagicLinksService,
    private readonly mailer: Mailer,
    @InjectConfig('auth') private readonly authConfig: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  @UserOnly()
  @Get('mfa')
  @ApiBearerAuth()
  @ApiData(MfaStatusDto)
  @ApiErrors(401, 403)
  async status(@CurrentPrincipal() principal: UserPrincipal) {
    const status = await this.mfa.status(accountSubject(principal.userId));
    return { data: { enabled: status.enabled, recovery_codes_left: status.recoveryCodesLeft } };
  }

  @UserOnly()
  @Post('mfa/totp/setup')
  @ApiBearerAuth()
  @ApiData(TotpSetupDto, { description: 'A new secret, pending until `…/enable` sees a code of it.' })
  @ApiErrors(401, 403, 409)
  async setup(@CurrentPrincipal() principal: UserPrincipal) {
    const { secret, otpauthUrl } = await this.mfa.setup(accountSubject(principal.userId), 'Cairn', principal.email);
    return { data: { secret, otpauth_url: otpauthUrl } };
  }

  @UserOnly()
  @Post('mfa/totp/enable')
  @ApiBearerAuth()
  @ApiData(RecoveryCodesDto, { description: 'MFA is on; the recovery codes are shown this once.' })
  @ApiErrors(401, 403, 409)
  async enable(@CurrentPrincipal() principal: UserPrincipal, @Body() body: MfaCodeDto) {
    return { data: { recovery_codes: await this.mfa.enable(accountSubject(principal.userId), body.code) } };
  }

  @UserOnly()
  @AuthRateLimit('sign-in')
  @Post('mfa/totp/disable')
  @ApiBearerAuth()
  @ApiNoContent('MFA is off and its recovery codes are gone')
  @ApiErrors(401, 403, 429)
  async disable(@CurrentPrincipal() principal: UserPrincipal, @Body() body: MfaDisableDto): Promise<void> {
    await this.mfa.disableProven(accountSubject(principal.userId), body, async (password) => this.passwords.verify(password, (await this.users.getById(principal.userId)).passwordHash));
  }

  @Public()
  @AuthRateLimit('sign-in')
  @Post('mfa/verify')
  @ApiData(SessionDto, { description: 'The sign-in is complete.' })
  @ApiErrors(401, 429)
  async verify(@Body() body: MfaVerifyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.auth.completeMfa(body.mfa_token, body.code);
    return { data: this.deliver(session, body.mode ?? 'json', reply) };
  }

  /** Mails a sign-in link to an active account with this email; the answer is the same either way. */
  @Public()
  @AuthRateLimit('request')
  @Post('magic-link')
  @ApiNoContent('Answered alike whether or not an account has this email; if one has, a sign-in link is mailed to it')
  @ApiErrors(429)
  async requestMagicLink(@Body() body: MagicLinkRequestDto): Promise<void> {
    const user = await this.users.findByEmail(body.email);
    if (!user || user.status !== 'active') return;
    await this.magicLinks.send({
      realm: PLATFORM_REALM,
      subjectId: user.id,
      email: user.email,
      workspaceId: PLATFORM_REALM,
      placeName: 'Cairn',
      link: (token) => this.mailer.link('/admin/magic-link', { token }),
    });
  }

  @Public()
  @AuthRateLimit('token')
  @Post('magic-link/verify')
  @ApiSessionOrChallenge(SessionDto, 'The session; for an account with MFA, a challenge to complete with a code at `POST /auth/mfa/verify`.')
  @ApiErrors(401, 429)
  async verifyMagicLink(@Body() body: MagicLinkVerifyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const userId = await this.magicLinks.consume(PLATFORM_REALM, body.token);
    const user = await this.users.findById(userId);
    if (!user || user.status !== 'active') throw invalidCredentials();
    const answer = await this.auth.afterFirstFactor(user);
    return { data: 'mfa_token' in answer ? answer : this.deliver(answer, body.mode ?? 'json', reply) };
  }

  private deliver(session: SessionDto, mode: 'json' | 'cookie', reply: FastifyReply): SessionDto {
    return deliverSession(session, mode, PLATFORM_COOKIE_PATH, reply, { auth: this.authConfig, server: this.serverConfig });
  }
}
