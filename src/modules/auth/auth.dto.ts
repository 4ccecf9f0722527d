import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { SignUpDto } from '../credentials/sign-in.dto';
import { UserDto } from '../users/user.dto';

export class RegisterDto extends SignUpDto {
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
