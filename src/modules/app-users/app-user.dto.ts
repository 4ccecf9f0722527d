import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH, SignUpDto } from '../credentials/sign-in.dto';
import type { AppUserEntity, AppUserStatus } from './app-user.entity';

/** App role names: the names policies will refer to. */
export const APP_ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** An app user as the API shows it: never its password hash. */
export class AppUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ example: 'authenticated' }) role!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: AppUserStatus;
  @ApiProperty() email_verified!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) email_verified_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export function toAppUserDto(appUser: AppUserEntity): AppUserDto {
  return {
    id: appUser.id,
    email: appUser.email,
    role: appUser.role,
    status: appUser.status,
    email_verified: appUser.emailVerifiedAt !== null,
    email_verified_at: appUser.emailVerifiedAt?.toISOString() ?? null,
    created_at: appUser.createdAt.toISOString(),
    updated_at: appUser.updatedAt.toISOString(),
  };
}

/** What a workspace's owners and admins may change on an app user. */
export class UpdateAppUserDto {
  @ApiPropertyOptional({ pattern: APP_ROLE_PATTERN.source, description: 'The app role; takes effect on the next request.' })
  @IsOptional() @IsString() @Matches(APP_ROLE_PATTERN, { message: 'role must be a lowercase name of at most 64 letters, digits, "_" or "-"' })
  role?: string;

  @ApiPropertyOptional({ enum: ['active', 'suspended'], description: 'A suspended app user cannot sign in and its tokens stop working.' })
  @IsOptional() @IsIn(['active', 'suspended'])
  status?: AppUserStatus;
}

/** An app user created by a workspace's owner or admin: its email, first password and app role. */
export class CreateAppUserDto extends SignUpDto {
  @ApiPropertyOptional({ pattern: APP_ROLE_PATTERN.source, default: 'authenticated', description: '`authenticated` or a custom role of /roles.' })
  @IsOptional() @IsString() @Matches(APP_ROLE_PATTERN, { message: 'role must be a lowercase name of at most 64 letters, digits, "_" or "-"' })
  role?: string;
}

/** The app users list's query: `search` keeps those whose email contains it. */
export class AppUsersQueryDto {
  @ApiPropertyOptional({ maxLength: 255, description: 'Part of the email, in any case.' })
  @IsOptional() @IsString() @MaxLength(255)
  search?: string;
}

/** A new password that an owner or admin sets for an app user. */
export class SetAppUserPasswordDto {
  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_BYTES, format: 'password' })
  @IsString() @MinLength(MIN_PASSWORD_LENGTH) @MaxLength(MAX_PASSWORD_BYTES)
  password!: string;
}

/** One sign-in of an app user that can still be refreshed. */
export class AppUserSessionDto {
  @ApiProperty({ format: 'uuid', description: 'Stays the same across refreshes; revoke the session by it.' }) id!: string;
  @ApiProperty({ format: 'date-time', description: 'When the app user signed in.' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: 'When the session last refreshed its tokens (its sign-in if it never did).' }) last_used_at!: string;
  @ApiProperty({ format: 'date-time', description: 'When it ends unless it refreshes before.' }) expires_at!: string;
}

/** An app user's session: the platform's session shape, with the app user in place of the account. */
export class AppSessionDto {
  @ApiProperty({ description: 'A JWT to send as `Authorization: Bearer` on this workspace only.' }) access_token!: string;
  @ApiPropertyOptional({ description: 'Single-use; absent in cookie mode.' }) refresh_token?: string;
  @ApiProperty({ description: 'Lifetime of the access token in milliseconds.' }) expires!: number;
  @ApiProperty({ type: AppUserDto }) user!: AppUserDto;
}

/** Sign-up of an app user: the platform's rules for email and password, without a name. */
export class AppRegisterDto extends SignUpDto {}

export class PasswordResetRequestDto {
  @ApiProperty({ format: 'email', maxLength: 255 })
  @IsEmail() @MaxLength(255)
  email!: string;
}

export class PasswordResetDto {
  @ApiProperty({ description: 'The token from the password-reset mail.' })
  @IsString() @MaxLength(512)
  token!: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_BYTES, format: 'password' })
  @IsString() @MinLength(MIN_PASSWORD_LENGTH) @MaxLength(MAX_PASSWORD_BYTES)
  password!: string;
}

export class PasswordChangeDto {
  @ApiProperty({ format: 'password' })
  @IsString() @MaxLength(1024)
  current_password!: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_BYTES, format: 'password' })
  @IsString() @MinLength(MIN_PASSWORD_LENGTH) @MaxLength(MAX_PASSWORD_BYTES)
  password!: string;
}

export class EmailVerifyDto {
  @ApiProperty({ description: 'The token from the verification mail.' })
  @IsString() @MaxLength(512)
  token!: string;
}
