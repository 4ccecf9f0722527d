import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SetupTokenEntity } from './setup-token.entity';
import { UserEntity } from './user.entity';
import { InstanceSettingEntity } from './instance-setting.entity';
import { InstanceSettingsController } from './instance-settings.controller';
import { InstanceSettingsService } from './instance-settings.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SetupTokenEntity, InstanceSettingEntity])],
  controllers: [UsersController, InstanceSettingsController],
  providers: [UsersService, InstanceSettingsService],
  exports: [UsersService, InstanceSettingsService],
})
export class UsersModule {}
