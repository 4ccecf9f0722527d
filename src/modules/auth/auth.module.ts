import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AppUsersModule } from '../app-users/app-users.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AccessTokenVerifier } from './access-token.verifier';
import { InstanceSetup } from './instance-setup';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokensService } from './refresh-tokens.service';

@Module({
  imports: [TypeOrmModule.forFeature([RefreshTokenEntity]), JwtModule.register({}), UsersModule, ApiKeysModule, AppUsersModule, WorkspacesModule],
  controllers: [AuthController],
  // The global PrincipalGuard is registered by the app module, which sees every kind of credential.
  providers: [AuthService, PasswordHasher, RefreshTokensService, AccessTokenVerifier, InstanceSetup],
  exports: [RefreshTokensService, PasswordHasher, AccessTokenVerifier],
})
export class AuthModule {}
