import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataModule } from '../data/data.module';
import { PoliciesModule } from '../policies/policies.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PublicViewsController } from './public-views.controller';
import { ViewEntity } from './view.entity';
import { ViewReader } from './view.reader';
import { ViewsController } from './views.controller';
import { ViewsService } from './views.service';
import { ViewsSnapshot } from './views.snapshot';

/** Views: their definitions, their reads under /items/{view}, and their published URLs. */
@Module({
  imports: [TypeOrmModule.forFeature([ViewEntity]), DataModule, SchemaModule, PoliciesModule, WorkspacesModule],
  controllers: [ViewsController, PublicViewsController],
  providers: [ViewsService, ViewReader, ViewsSnapshot],
  exports: [ViewsService],
})
export class ViewsModule {}
