import { Module } from '@nestjs/common';
import type { WebhooksConfig } from '../../config/app-config';
import { configToken } from '../../config/config.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';
import { WebhookTargetPolicy } from './webhook-target';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entities';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';
import { WebhooksSnapshot } from './webhooks.snapshot';

/** The outbox the write path fills; the webhooks of each workspace. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEntity, WebhookDeliveryEntity, WebhookAttemptEntity]), WriteParticipantsModule],
  providers: [WebhookOutbox],
  exports: [WebhookOutbox],
})
export class WebhookOutboxModule {}

/** Webhooks: their routes, the dispatcher that sends the outbox's deliveries, and the target policy (flows' requests use it too). */
@Module({
  imports: [WebhookOutboxModule, TypeOrmModule.forFeature([WebhookEntity, WebhookDeliveryEntity, WebhookAttemptEntity]), SchemaModule, WorkspacesModule],
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhooksSnapshot,
    WebhookDispatcher,
    { provide: WebhookTargetPolicy, inject: [configToken('webhooks')], useFactory: (config: WebhooksConfig) => new WebhookTargetPolicy(config.allowedTargets) },
  ],
  exports: [WebhookTargetPolicy],
})
export class WebhooksModule {}
