import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { SLUG_PATTERN, SlugRules } from '../workspaces/workspace.dto';

/** The query of `POST /workspaces/restore`: where the archive's workspace goes. */
export class RestoreQueryDto {
  @ApiPropertyOptional({ pattern: SLUG_PATTERN.source, description: "The restored workspace's slug; the archive's when omitted." })
  @SlugRules()
  slug?: string;

  @ApiPropertyOptional({ maxLength: 255, description: "The restored workspace's name; the archive's when omitted." })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Replace the workspace that has the slug (the caller must be its owner) once the restore has succeeded; without it, a taken slug is 409.' })
  @IsOptional() @IsIn(['true', 'false'])
  replace?: 'true' | 'false';
}
