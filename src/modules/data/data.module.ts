import { Module } from '@nestjs/common';
import { ExternalDatabasesModule } from '../connections/connections.module';
import { PoliciesModule } from '../policies/policies.module';
import { SchemaModule } from '../schema/schema.module';
import { WebhookOutboxModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ItemsService } from './items.service';
import { ItemHooks } from './write/item-hooks';
import { WorkspaceOpenApiController } from './openapi/workspace-openapi.controller';
import { ActivityController } from './rest/activity.controller';
import { ItemsController } from './rest/items.controller';

@Module({
  imports: [SchemaModule, WorkspacesModule, PoliciesModule, WebhookOutboxModule, ExternalDatabasesModule],
  controllers: [ItemsController, ActivityController, WorkspaceOpenApiController],
  providers: [ItemsService, ItemHooks],
  exports: [ItemsService, ItemHooks],
})
export class DataModule {}
