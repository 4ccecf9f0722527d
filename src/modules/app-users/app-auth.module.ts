import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsModule } from '../credentials/credentials.module';
import { PoliciesModule } from '../policies/policies.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AccountPagesController } from './account-pages.controller';
import { AppAccountService } from './app-account.service';
import { AppAuthController } from './app-auth.controller';
import { AppAuthService } from './app-auth.service';
import { AppUserTokenEntity } from './app-user-token.entity';
import { AppUserAdminService } from './app-user-admin.service';
import { AppUserTokensService } from './app-user-tokens.service';
import { AppUsersController } from './app-users.controller';
import { AppUsersModule } from './app-users.module';
import { AppMfaController } from './app-mfa.controller';
import { MagicLinksModule } from '../magic-links/magic-links.module';
import { MfaModule } from '../mfa/mfa.module';

/**
 * The routes of app users: their auth, password reset and change and email verification under
 * /w/{ws}/auth (with the pages their mails link to), and their management under /w/{ws}/app-users.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AppUserTokenEntity]), JwtModule.register({}), CredentialsModule, AppUsersModule, WorkspacesModule, PoliciesModule, MfaModule, MagicLinksModule],
  controllers: [AppAuthController, AppMfaController, AccountPagesController, AppUsersController],
  providers: [AppAuthService, AppAccountService, AppUserTokensService, AppUserAdminService],
  // Single sign-on (sso/) starts app users' sessions as password sign-in does.
  exports: [AppAuthService],
})
export class AppAuthModule {}
