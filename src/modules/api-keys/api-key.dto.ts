import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { WORKSPACE_ROLES, WorkspaceRole } from '../workspaces/workspace-roles';
import type { ApiKeyEntity } from './api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ maxLength: 255 })
  @IsString() @MinLength(1) @MaxLength(255)
  name!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES, description: 'The key acts with this role, in this workspace only; at most the creator\'s own role.' })
  @IsIn(WORKSPACE_ROLES)
  role!: WorkspaceRole;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: WORKSPACE_ROLES }) role!: WorkspaceRole;
  @ApiProperty({ description: 'The first characters of the key.' }) prefix!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. It is shown only in this response; Cairn keeps only its hash.' }) key!: string;
}

export function toApiKeyDto(key: ApiKeyEntity): ApiKeyDto {
  return { id: key.id, name: key.name, role: key.role, prefix: key.keyPrefix, created_at: key.createdAt.toISOString() };
}
