import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { MfaChallengeEntity, MfaFactorEntity, MfaRecoveryCodeEntity, WorkspaceSignInEntity } from './mfa.entities';
import { MfaEnforcement } from './mfa-enforcement';
import { MfaService } from './mfa.service';
import { SignInChallengesService } from './sign-in-challenges.service';
import { TotpSecretSealer } from './totp-secret.sealer';
import { WorkspaceSignInController } from './workspace-sign-in.controller';
import { WorkspaceSignInService } from './workspace-sign-in.service';

/**
 * Two-factor authentication (TOTP and recovery codes) and each workspace's sign-in rules, for platform
 * accounts and app users alike. It knows subjects only by realm and id: the sign-in routes of auth/ and
 * app-users/ call it, and it calls neither. The enforcement guard is registered by MfaEnforcementModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MfaFactorEntity, MfaRecoveryCodeEntity, MfaChallengeEntity, WorkspaceSignInEntity]), WorkspacesModule],
  controllers: [WorkspaceSignInController],
  providers: [MfaService, SignInChallengesService, TotpSecretSealer, WorkspaceSignInService, MfaEnforcement],
  exports: [MfaService, SignInChallengesService, WorkspaceSignInService, MfaEnforcement],
})
export class MfaModule {}
