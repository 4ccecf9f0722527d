import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BusModule } from './common/bus/bus.module';
import { DatabaseModule } from './common/database/database.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AppUsersModule } from './modules/app-users/app-users.module';
import { PrincipalGuard } from './modules/auth/principal.guard';
import { AuthModule } from './modules/auth/auth.module';
import { DataModule } from './modules/data/data.module';
import { HealthModule } from './modules/health/health.module';
import { PoliciesModule } from './modules/policies/policies.module';
import { SchemaModule } from './modules/schema/schema.module';
import { UsersModule } from './modules/users/users.module';
import { WorkspacesModule } from './modules/workspaces/workspaces.module';

/** Imports the feature modules, and sets the global guard that turns any credential into a principal. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        BusModule.forRoot(config),
        AuthModule,
        UsersModule,
        WorkspacesModule,
        ApiKeysModule,
        HealthModule,
        SchemaModule,
        DataModule,
        PoliciesModule,
        AppUsersModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: PrincipalGuard }],
    };
  }
}
