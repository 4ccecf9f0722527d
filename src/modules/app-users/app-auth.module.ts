import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuthModule } from '../auth/auth.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AppAuthController } from './app-auth.controller';
import { AppAuthService } from './app-auth.service';
import { AppUsersController } from './app-users.controller';
import { AppUsersModule } from './app-users.module';

/** The routes of app users: their auth under /w/{ws}/auth and their management under /w/{ws}/app-users. */
@Module({
  imports: [JwtModule.register({}), AuthModule, AppUsersModule, WorkspacesModule],
  controllers: [AppAuthController, AppUsersController],
  providers: [AppAuthService],
})
export class AppAuthModule {}
