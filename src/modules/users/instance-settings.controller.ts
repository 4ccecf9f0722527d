import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, ValidateIf } from 'class-validator';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { CurrentPrincipal, SuperadminOnly, UserPrincipal } from '../../common/principal/principal';
import { InstanceSettingsService } from './instance-settings.service';

/** One setting of the instance: its value, the environment's default and whether the superadmin overrode it. */
export class InstanceSettingDto {
  @ApiProperty({ example: 'self_registration' }) key!: string;
  @ApiProperty({ example: true, description: 'The value in force.' }) value!: boolean;
  @ApiProperty({ description: 'The value the environment variable gives, in force unless overridden.' }) default!: boolean;
  @ApiProperty({ description: 'Whether a value set through this API overrides the environment.' }) overridden!: boolean;
  @ApiProperty({ example: 'AUTH_SELF_REGISTRATION', description: 'The environment variable that sets the default, read at start.' }) variable!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at!: string | null;
}

export class UpdateInstanceSettingsDto {
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'On or off for every instance at once; null goes back to AUTH_SELF_REGISTRATION.' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsBoolean()
  self_registration?: boolean | null;
}

/**
 * The instance's settings, for its superadmin: each with its environment variable (the default) and
 * the value set here, stored in the database, which overrides it.
 */
@ApiTags('users')
@ApiBearerAuth()
@SuperadminOnly()
@Controller('instance')
export class InstanceSettingsController {
  constructor(private readonly settings: InstanceSettingsService) {}

  @Get('settings')
  @ApiData(InstanceSettingDto, { isArray: true })
  @ApiErrors(401, 403)
  async list() {
    return { data: await this.settings.list() };
  }

  @Patch('settings')
  @ApiData(InstanceSettingDto, { isArray: true })
  @ApiErrors(400, 401, 403)
  async update(@CurrentPrincipal() actor: UserPrincipal, @Body() body: UpdateInstanceSettingsDto) {
    if (body.self_registration !== undefined) await this.settings.setSelfRegistration(body.self_registration, actor.userId);
    return { data: await this.settings.list() };
  }
}
