import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** The bodies of the sign-in routes, which platform accounts (auth/) and app users (app-users/) share. */

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads at most 72 bytes of a password; longer ones are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;

/** An email and a new password: what a platform account and an app user both sign up with. */
export class SignUpDto {
  @ApiProperty({ format: 'email', maxLength: 255 })
  @IsEmail() @MaxLength(255)
  email!: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_BYTES, format: 'password' })
  @IsString() @MinLength(MIN_PASSWORD_LENGTH) @MaxLength(MAX_PASSWORD_BYTES)
  password!: string;
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
