import { applyDecorators, HttpCode, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { LoginMode } from '../credentials/sign-in.dto';

export class MfaStatusDto {
  @ApiProperty({ description: 'Whether sign-in asks for a code.' }) enabled!: boolean;
  @ApiProperty({ description: 'Unused recovery codes.' }) recovery_codes_left!: number;
}

export class TotpSetupDto {
  @ApiProperty({ description: 'The base32 secret, for typing into an authenticator app.' }) secret!: string;
  @ApiProperty({ description: 'The otpauth:// URL an authenticator app reads (as a QR code or a link).' }) otpauth_url!: string;
}

export class MfaCodeDto {
  @ApiProperty({ description: 'The current six-digit code of the authenticator.', maxLength: 64 })
  @IsString() @MaxLength(64)
  code!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'One-time recovery codes, shown only now; each signs in once instead of a code.' })
  recovery_codes!: string[];
}

export class MfaDisableDto {
  @ApiPropertyOptional({ description: 'A current code (or a recovery code) of the authenticator.', maxLength: 64 })
  @IsOptional() @IsString() @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({ format: 'password', description: 'The password, instead of a code.', maxLength: 1024 })
  @IsOptional() @IsString() @MaxLength(1024)
  password?: string;
}

export class MfaVerifyDto {
  @ApiProperty({ description: 'The challenge token the sign-in answered.', maxLength: 512 })
  @IsString() @MaxLength(512)
  mfa_token!: string;

  @ApiProperty({ description: 'A current code of the authenticator, or an unused recovery code.', maxLength: 64 })
  @IsString() @MaxLength(64)
  code!: string;

  @ApiPropertyOptional({ enum: ['json', 'cookie'], default: 'json', description: 'As for sign-in.' })
  @IsOptional() @IsIn(['json', 'cookie'])
  mode?: LoginMode;
}

/** What a first factor answers when the subject has MFA: a challenge instead of tokens. */
export class MfaChallengeDto {
  @ApiProperty({ enum: [true] }) mfa_required!: true;
  @ApiProperty({ description: 'Send it with a code to `…/mfa/verify` to complete the sign-in.' }) mfa_token!: string;
  @ApiProperty({ description: 'Lifetime of the challenge in milliseconds.' }) expires!: number;
}

export class WorkspaceSignInDto {
  @ApiProperty({ description: 'Members without MFA are refused (403 MFA_REQUIRED) in this workspace.' }) require_mfa_members!: boolean;
  @ApiProperty({ description: 'App users without MFA are refused (403 MFA_REQUIRED) in this workspace.' }) require_mfa_app_users!: boolean;
  @ApiProperty({ description: 'App users may sign in by a link mailed to them (needs the workspace app_url).' }) app_user_magic_links!: boolean;
}

export class UpdateWorkspaceSignInDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() require_mfa_members?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() require_mfa_app_users?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() app_user_magic_links?: boolean;
}

/** Documents a sign-in step's answer: the session model, or an MFA challenge when a code is needed next. */
export function ApiSessionOrChallenge(session: Type<unknown>, description: string) {
  return applyDecorators(
    HttpCode(200),
    ApiExtraModels(session, MfaChallengeDto),
    ApiResponse({ status: 200, description, schema: { type: 'object', required: ['data'], properties: { data: { oneOf: [{ $ref: getSchemaPath(session) }, { $ref: getSchemaPath(MfaChallengeDto) }] } } } }),
  );
}
