import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { SuperadminOnly } from '../../common/principal/principal';
import type { AuthConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';

/** One setting of the instance, its value and the environment variable that sets it. */
export class InstanceSettingDto {
  @ApiProperty({ example: 'self_registration' }) key!: string;
  @ApiProperty({ example: true, description: 'The value in effect.' }) value!: boolean;
  @ApiProperty({ example: 'AUTH_SELF_REGISTRATION', description: 'Where it is set: the environment variable, read at start.' }) variable!: string;
  @ApiProperty() description!: string;
}

/**
 * The instance's settings, for its superadmin to see. They are set by the environment and read once at
 * start, so they are shown as they are, with the variable to change (and a restart), not edited here.
 */
@ApiTags('users')
@ApiBearerAuth()
@SuperadminOnly()
@Controller('instance')
export class InstanceSettingsController {
  constructor(@InjectConfig('auth') private readonly auth: AuthConfig) {}

  @Get('settings')
  @ApiData(InstanceSettingDto, { isArray: true })
  @ApiErrors(401, 403)
  settings(): { data: InstanceSettingDto[] } {
    return {
      data: [
        {
          key: 'self_registration',
          value: this.auth.selfRegistration,
          variable: 'AUTH_SELF_REGISTRATION',
          description: 'Whether anyone may create a platform account with POST /auth/register; when off, only the superadmin creates accounts.',
        },
      ],
    };
  }
}
