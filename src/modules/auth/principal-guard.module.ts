import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuthModule } from './auth.module';
import { PrincipalGuard } from './principal.guard';

/**
 * Registers the global PrincipalGuard, which turns any credential — a platform token, an app user's
 * token, an API key — into the request's principal. Global guards run in the order they are
 * registered: the app module imports this one before the rate limits, which key on the principal.
 */
@Module({
  imports: [AuthModule, ApiKeysModule, WorkspacesModule],
  providers: [{ provide: APP_GUARD, useClass: PrincipalGuard }],
})
export class PrincipalGuardModule {}
