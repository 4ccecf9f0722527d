import { mkdirSync } from 'node:fs';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../../config/app-config';
import { sqliteDirectory } from '../../config/sections/database';
import { dataSourceOptions } from './data-source-options';
import { Database } from './database.service';
import { ReadReplicas } from './read-replicas';

/** The one TypeORM DataSource of the process; feature modules register their entities with forFeature. */
@Global()
@Module({})
export class DatabaseModule {
  /** `migrations`: every migration to run at start, the platform's and the modules' alike. */
  static forRoot(config: DatabaseConfig, migrations: DataSourceOptions['migrations']): DynamicModule {
    const directory = sqliteDirectory(config);
    if (directory) mkdirSync(directory, { recursive: true });
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config, [], migrations),
          autoLoadEntities: true,
          retryAttempts: 5,
          retryDelay: 2000,
        }),
      ],
      providers: [Database, ReadReplicas],
      exports: [Database, ReadReplicas],
    };
  }
}
