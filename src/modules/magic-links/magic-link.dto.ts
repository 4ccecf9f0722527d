import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { LoginMode } from '../credentials/sign-in.dto';

export class MagicLinkRequestDto {
  @ApiProperty({ format: 'email', maxLength: 255 })
  @IsEmail() @MaxLength(255)
  email!: string;
}

export class MagicLinkVerifyDto {
  @ApiProperty({ description: 'The token of the mailed link.', maxLength: 512 })
  @IsString() @MaxLength(512)
  token!: string;

  @ApiPropertyOptional({ enum: ['json', 'cookie'], default: 'json', description: 'As for sign-in.' })
  @IsOptional() @IsIn(['json', 'cookie'])
  mode?: LoginMode;
}
