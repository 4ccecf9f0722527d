import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { HandlersConfig } from '../../config/app-config';
import { configToken } from '../../config/config.module';
import { DataModule } from '../data/data.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { CustomEndpointsController } from './custom-endpoints.controller';
import { HandlerCatalog } from './handler.catalog';
import { HandlerHooks } from './handler.hooks';
import { HandlerRunLog } from './handler-run-log';
import { HandlerRunner } from './handler.runner';
import { HandlerEntity, HandlerRunEntity } from './handler.entities';
import { HandlersController } from './handlers.controller';
import { HandlersService } from './handlers.service';
import { HandlersSnapshot } from './handlers.snapshot';
import { SandboxPool } from './sandbox/sandbox.pool';

/** Sandboxed JavaScript handlers: their routes, the hooks on the write path, the custom endpoints, the sandbox pool; flows run handlers through the catalog and runner it exports. */
@Module({
  imports: [TypeOrmModule.forFeature([HandlerEntity, HandlerRunEntity]), DataModule, SchemaModule, WorkspacesModule, WriteParticipantsModule],
  controllers: [HandlersController, CustomEndpointsController],
  providers: [
    HandlersService,
    HandlerCatalog,
    HandlerRunLog,
    HandlerRunner,
    HandlerHooks,
    HandlersSnapshot,
    { provide: SandboxPool, inject: [configToken('handlers')], useFactory: (config: HandlersConfig) => new SandboxPool(config) },
  ],
  exports: [HandlerCatalog, HandlerRunner],
})
export class HandlersModule {}
