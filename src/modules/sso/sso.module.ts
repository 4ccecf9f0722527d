import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppAuthModule } from '../app-users/app-auth.module';
import { AppUsersModule } from '../app-users/app-users.module';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { UsersModule } from '../users/users.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { OidcClient } from './oidc-client';
import { SsoAccounts } from './sso-accounts';
import { SsoController } from './sso.controller';
import { SsoFlows } from './sso-flows.service';
import { SsoHandoffEntity } from './sso-handoff.entity';
import { SsoHandoffs } from './sso-handoffs';
import { WorkspaceProviderEntity } from './workspace-provider.entity';
import { WorkspaceSsoController } from './workspace-sso.controller';
import { WorkspaceSsoService } from './workspace-sso.service';

/**
 * Single sign-on with OpenID Connect: platform accounts with the instance's provider, each workspace's
 * app users with the workspace's own. It ends in the sessions auth/ and app-users/ issue, and neither
 * of those knows it exists.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WorkspaceProviderEntity, SsoHandoffEntity]), AuthModule, AppAuthModule, AppUsersModule, UsersModule, CredentialsModule, WorkspacesModule],
  controllers: [SsoController, WorkspaceSsoController],
  providers: [OidcClient, SsoHandoffs, SsoAccounts, WorkspaceSsoService, SsoFlows],
})
export class SsoModule {}
