import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AppUsersModule } from '../app-users/app-users.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AccountMfaController } from './account-mfa.controller';
import { MagicLinksModule } from '../magic-links/magic-links.module';
import { MfaModule } from '../mfa/mfa.module';
import { AuthService } from './auth.service';
import { AccessTokenVerifier } from './access-token.verifier';
import { InstanceSetup } from './instance-setup';

@Module({
  imports: [JwtModule.register({}), CredentialsModule, UsersModule, ApiKeysModule, AppUsersModule, WorkspacesModule, MfaModule, MagicLinksModule],
  controllers: [AuthController, AccountMfaController],
  // The global PrincipalGuard is registered by the app module, which sees every kind of credential.
  providers: [AuthService, AccessTokenVerifier, InstanceSetup],
  exports: [AccessTokenVerifier, AuthService],
})
export class AuthModule {}
