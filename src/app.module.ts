import { DynamicModule, Module } from '@nestjs/common';
import { BusModule } from './common/bus/bus.module';
import { Clock } from './common/clock/clock';
import { ClockModule } from './common/clock/clock.module';
import { DatabaseModule } from './common/database/database.module';
import { PLATFORM_MIGRATIONS } from './common/database/migrations';
import { LifecycleModule } from './common/lifecycle/lifecycle.module';
import { MetricsModule } from './common/metrics/metrics.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { ConnectionsModule } from './modules/connections/connections.module';
import { AppAuthModule } from './modules/app-users/app-auth.module';
import { AuditModule } from './modules/audit/audit.module';
import { BackupModule } from './modules/backup/backup.module';
import { AuthModule } from './modules/auth/auth.module';
import { PrincipalGuardModule } from './modules/auth/principal-guard.module';
import { DataModule } from './modules/data/data.module';
import { FilesModule } from './modules/files/files.module';
import { FlowsModule } from './modules/flows/flows.module';
import { GraphQLModule } from './modules/data/graphql/graphql.module';
import { HandlersModule } from './modules/handlers/handlers.module';
import { HealthModule } from './modules/health/health.module';
import { MailModule } from './modules/mail/mail.module';
import { MetricsEndpointModule } from './modules/metrics/metrics-endpoint.module';
import { MfaEnforcementModule } from './modules/mfa/mfa-enforcement.module';
import { PoliciesModule } from './modules/policies/policies.module';
import { RealtimeModule } from './modules/realtime/realtime.module';
import { RevisionsModule } from './modules/revisions/revisions.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';
import { USER_TABLE_MIGRATIONS } from './modules/schema/migrations';
import { SchemaModule } from './modules/schema/schema.module';
import { TemplatesModule } from './modules/templates/templates.module';
import { SsoModule } from './modules/sso/sso.module';
import { UsersModule } from './modules/users/users.module';
import { UserFieldsModule } from './modules/user-fields/user-fields.module';
import { ViewsModule } from './modules/views/views.module';
import { WorkspacesModule } from './modules/workspaces/workspaces.module';

/** Imports the feature modules; owns no providers. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, clock: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(clock),
        LifecycleModule,
        MetricsModule,
        DatabaseModule.forRoot(config.database, [...PLATFORM_MIGRATIONS, ...USER_TABLE_MIGRATIONS]),
        BusModule.forRoot(config.redis),
        MailModule.forRoot(config.mail),
        AuthModule,
        PrincipalGuardModule,
        // After PrincipalGuardModule: the global limit keys on the principal its guard finds.
        RateLimitModule.forRoot(config.rateLimits, config.redis),
        // After PrincipalGuardModule: the MFA rules of a workspace apply to the principal its guard finds.
        MfaEnforcementModule,
        UsersModule,
        WorkspacesModule,
        ApiKeysModule,
        HealthModule,
        MetricsEndpointModule,
        SchemaModule,
        DataModule,
        AuditModule,
        UserFieldsModule,
        GraphQLModule,
        RealtimeModule,
        WebhooksModule,
        HandlersModule,
        RevisionsModule,
        FlowsModule,
        PoliciesModule,
        AppAuthModule,
        SsoModule,
        FilesModule,
        ViewsModule,
        ConnectionsModule,
        TemplatesModule,
        BackupModule,
      ],
    };
  }
}
