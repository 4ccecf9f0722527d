import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { UserEntity, UserStatus } from './user.entity';

/** A platform account as the API shows it: never its password hash. */
export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty() is_superadmin!: boolean;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: UserStatus;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export function toUserDto(user: UserEntity): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    is_superadmin: user.isSuperadmin,
    status: user.status,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

/** What the superadmin may change on an account. */
export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ['active', 'disabled'], description: 'A disabled account cannot sign in and its tokens stop working.' })
  @IsOptional() @IsIn(['active', 'disabled'])
  status?: UserStatus;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional() @IsString() @MaxLength(255)
  name?: string;
}
