import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataModule } from '../data/data.module';
import { HandlersModule } from '../handlers/handlers.module';
import { SchemaModule } from '../schema/schema.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { FlowExecutor } from './flow-executor';
import { FlowRunner } from './flow-runner';
import { FlowScheduler } from './flow-scheduler';
import { FlowTriggersModule } from './flow-triggers.module';
import { FlowsController } from './flows.controller';
import { FlowsService } from './flows.service';
import { FlowsSnapshot } from './flows.snapshot';
import { FLOW_OPERATION_CLASSES, FlowOperations } from './operations';
import type { FlowOperation } from './operations/flow-operation';

/** Flows: their routes, the operation types, the runner of their runs and the scheduler of their ticks. */
@Module({
  imports: [TypeOrmModule.forFeature([FlowEntity, FlowRunEntity]), FlowTriggersModule, DataModule, SchemaModule, WorkspacesModule, WebhooksModule, HandlersModule],
  controllers: [FlowsController],
  providers: [
    FlowsService,
    FlowExecutor,
    FlowRunner,
    FlowScheduler,
    FlowsSnapshot,
    ...FLOW_OPERATION_CLASSES,
    { provide: FlowOperations, inject: FLOW_OPERATION_CLASSES, useFactory: (...operations: FlowOperation[]) => new FlowOperations(operations) },
  ],
})
export class FlowsModule {}
