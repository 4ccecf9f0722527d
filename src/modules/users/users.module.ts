import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SetupTokenEntity } from './setup-token.entity';
import { UserEntity } from './user.entity';
import { InstanceSettingsController } from './instance-settings.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SetupTokenEntity])],
  controllers: [UsersController, InstanceSettingsController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
