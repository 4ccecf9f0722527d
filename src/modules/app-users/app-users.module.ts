import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { AppRoleEntity } from '../policies/policy.entities';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AppAccessTokenVerifier } from './app-access-token.verifier';
import { AppUserEntity } from './app-user.entity';
import { AppAuthController, AppUsersController } from './app-users.controller';
import { AppUsersService } from './app-users.service';

@Module({
  imports: [TypeOrmModule.forFeature([AppUserEntity, AppRoleEntity]), JwtModule.register({}), AuthModule, WorkspacesModule],
  controllers: [AppAuthController, AppUsersController],
  providers: [AppUsersService, AppAccessTokenVerifier],
  exports: [AppAccessTokenVerifier],
})
export class AppUsersModule {}
