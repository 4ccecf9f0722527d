import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { MfaEnforcementGuard } from './mfa-enforcement.guard';
import { MfaModule } from './mfa.module';

/**
 * Registers the global MfaEnforcementGuard. Global guards run in the order they are registered: the app
 * module imports this one after PrincipalGuardModule, whose guard finds the principal this one reads.
 */
@Module({
  imports: [MfaModule, WorkspacesModule],
  providers: [{ provide: APP_GUARD, useClass: MfaEnforcementGuard }],
})
export class MfaEnforcementModule {}
