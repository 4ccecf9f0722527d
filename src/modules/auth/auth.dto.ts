import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { UserDto } from '../users/user.dto';

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads at most 72 bytes of a password; longer ones are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;

export class RegisterDto {
  @ApiProperty({ format: 'email', maxLength: 255 })
  @IsEmail() @MaxLength(255)
  email!: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_BYTES, format: 'password' })
  @IsString() @MinLength(MIN_PASSWORD_LENGTH) @MaxLength(MAX_PASSWORD_BYTES)
  password!: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional() @IsString() @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({
    maxLength: 512,
    description: 'The one-time setup token Cairn printed in its log at start, required for the first (superadmin) account of an instance; ignored once the instance has an account.',
  })
  @IsOptional() @IsString() @MaxLength(512)
  setup_token?: string;
}

export type LoginMode = 'json' | 'cookie';

export class LoginDto {
  @ApiProperty({ format: 'email' })
  @IsString() @MaxLength(255)
  email!: string;

  @ApiProperty({ format: 'password' })
  @IsString() @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ enum: ['json', 'cookie'], default: 'json', description: '`cookie` sets the refresh token as an httpOnly cookie instead of returning it.' })
  @IsOptional() @IsIn(['json', 'cookie'])
  mode?: LoginMode;
}

export class RefreshDto {
  @ApiPropertyOptional({ description: 'Omit it to use the refresh-token cookie.' })
  @IsOptional() @IsString() @MaxLength(512)
  refresh_token?: string;

  @ApiPropertyOptional({ enum: ['json', 'cookie'], default: 'json' })
  @IsOptional() @IsIn(['json', 'cookie'])
  mode?: LoginMode;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: 'Omit it to use the refresh-token cookie.' })
  @IsOptional() @IsString() @MaxLength(512)
  refresh_token?: string;
}

/** Whether the instance still waits for its first account, for the console's first-run screen. */
export class SetupStateDto {
  @ApiProperty({ description: 'true while the instance has no account: the first one registers with the setup token.' }) needs_setup!: boolean;
}

export class SessionDto {
  @ApiProperty({ description: 'A JWT to send as `Authorization: Bearer`.' }) access_token!: string;
  @ApiPropertyOptional({ description: 'Single-use; absent in cookie mode.' }) refresh_token?: string;
  @ApiProperty({ description: 'Lifetime of the access token in milliseconds.' }) expires!: number;
  @ApiProperty({ type: UserDto }) user!: UserDto;
}
