import { Module } from '@nestjs/common';
import { FlowTriggersModule } from '../flows/flow-triggers.module';
import { ExternalDatabasesModule } from '../connections/connections.module';
import { PoliciesModule } from '../policies/policies.module';
import { SchemaModule } from '../schema/schema.module';
import { WebhookOutboxModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ItemsService } from './items.service';
import { ItemTargets } from './items.targets';
import { ItemsReader } from './read/items.reader';
import { ItemsTransfer } from './transfer/items-transfer.service';
import { VirtualCollections } from './virtual-collections';
import { ItemHooks } from './write/item-hooks';
import { WorkspaceOpenApiController } from './openapi/workspace-openapi.controller';
import { ActivityController } from './rest/activity.controller';
import { ItemsController } from './rest/items.controller';

@Module({
  imports: [SchemaModule, WorkspacesModule, PoliciesModule, WebhookOutboxModule, FlowTriggersModule, ExternalDatabasesModule],
  controllers: [ItemsController, ActivityController, WorkspaceOpenApiController],
  providers: [ItemsService, ItemsReader, ItemTargets, ItemsTransfer, ItemHooks, VirtualCollections],
  exports: [ItemsService, ItemHooks, VirtualCollections],
})
export class DataModule {}
