import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuthModule } from './auth.module';
import { BearerCredentials } from './bearer-credentials';
import { PrincipalGuard } from './principal.guard';

/**
 * Registers the global PrincipalGuard, which turns any credential — a platform token, an app user's
 * token, an API key — into the request's principal. Global guards run in the order they are
 * registered: the app module imports this one before the rate limits, which key on the principal.
 * It also offers BearerCredentials to the WebSocket endpoints, which authenticate outside the guards.
 */
@Module({
  imports: [AuthModule, ApiKeysModule, WorkspacesModule],
  providers: [BearerCredentials, { provide: APP_GUARD, useClass: PrincipalGuard }],
  exports: [BearerCredentials],
})
export class PrincipalGuardModule {}
