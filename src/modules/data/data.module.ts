import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AppUsersModule } from '../app-users/app-users.module';
import { AuditModule } from '../audit/audit.module';
import { ExternalDatabasesModule } from '../connections/connections.module';
import { PoliciesModule } from '../policies/policies.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { BatchController } from './batch/batch.controller';
import { ItemsBatch } from './batch/items-batch.service';
import { ExplainController } from './explain/explain.controller';
import { ItemsExplainer } from './explain/items.explainer';
import { ItemsService } from './items.service';
import { ItemTargets } from './items.targets';
import { ItemsReader } from './read/items.reader';
import { ReadYourWrites } from './read/read-your-writes';
import { ItemsTransfer } from './transfer/items-transfer.service';
import { VirtualCollections } from './virtual-collections';
import { ItemTable } from './write/item-table';
import { ItemsWriter } from './write/items.writer';
import { NestedWrites } from './write/nested-writes';
import { WorkspaceOpenApiController } from './openapi/workspace-openapi.controller';
import { ActivityController } from './rest/activity.controller';
import { ItemsController } from './rest/items.controller';

@Module({
  imports: [ApiKeysModule, AppUsersModule, AuditModule, SchemaModule, WorkspacesModule, PoliciesModule, ExternalDatabasesModule, WriteParticipantsModule],
  controllers: [ItemsController, BatchController, ActivityController, WorkspaceOpenApiController, ExplainController],
  providers: [ItemsService, ItemsBatch, ItemsExplainer, ItemsReader, ReadYourWrites, ItemsWriter, NestedWrites, ItemTargets, ItemTable, ItemsTransfer, VirtualCollections],
  exports: [ItemsService, VirtualCollections],
})
export class DataModule {}
