import { Module } from '@nestjs/common';
import { SchemaModule } from '../../schema/schema.module';
import { DataModule } from '../data.module';
import { ChangeFeed } from './change-feed';

/** The one change feed that realtime and GraphQL subscriptions read: one instance, imported by both. */
@Module({
  imports: [DataModule, SchemaModule],
  providers: [ChangeFeed],
  exports: [ChangeFeed],
})
export class ChangeFeedModule {}
