import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { WORKSPACE_ROLES, WorkspaceRole } from './workspace-roles';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** A slug may not look like a UUID: `{ws}` in a path is read as an id when it does. */
const NOT_UUID = /^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)/i;
export const SlugRules = () =>
  applyDecorators(
    IsOptional(),
    IsString(),
    Matches(SLUG_PATTERN, { message: 'slug must be lowercase letters, digits and dashes (at most 64)' }),
    Matches(NOT_UUID, { message: 'slug must not have the shape of a UUID' }),
  );

export class CreateWorkspaceDto {
  @ApiProperty({ maxLength: 255 })
  @IsString() @MinLength(1) @MaxLength(255)
  name!: string;

  @ApiPropertyOptional({ pattern: SLUG_PATTERN.source, description: 'Made from the name when omitted.' })
  @SlugRules()
  slug?: string;

  @ApiPropertyOptional({ description: 'A template to start the workspace from (`GET /templates` lists them: crm, blog, todo).' })
  @IsOptional() @IsString()
  template?: string;

  @ApiPropertyOptional({ description: 'With `template`: add the template\'s sample items too. Default false.' })
  @IsOptional() @IsBoolean()
  sample_data?: boolean;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ pattern: SLUG_PATTERN.source })
  @SlugRules()
  slug?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'uri',
    maxLength: 2048,
    description: 'The http(s) address of the workspace\'s own app: its app users\' password-reset and verification mails link there, with `?token=…&type=reset|verify`. null: to Cairn\'s own pages.',
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, disallow_auth: true }, { message: 'app_url must be an http or https URL' })
  @MaxLength(2048)
  app_url?: string | null;
}

export class WorkspaceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Where app users\' mail links lead; null: Cairn\'s own pages.' }) app_url!: string | null;
  @ApiProperty({ enum: WORKSPACE_ROLES, description: 'The caller\'s role in this workspace.' }) role!: WorkspaceRole;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class AddMemberDto {
  @ApiProperty({ format: 'email', description: 'The email of an existing Cairn account.' })
  @IsEmail() @MaxLength(255)
  email!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES })
  @IsIn(WORKSPACE_ROLES)
  role!: WorkspaceRole;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: WORKSPACE_ROLES })
  @IsIn(WORKSPACE_ROLES)
  role!: WorkspaceRole;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid', description: 'The member\'s account id.' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ enum: WORKSPACE_ROLES }) role!: WorkspaceRole;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}
