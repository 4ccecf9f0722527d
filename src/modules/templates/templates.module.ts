import { Module } from '@nestjs/common';
import { DataModule } from '../data/data.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

/** Starter templates (crm, blog, todo): listed, applied to a workspace, or chosen when one is created. */
@Module({
  imports: [SchemaModule, DataModule, WorkspacesModule],
  controllers: [TemplatesController],
  providers: [TemplatesService],
  exports: [TemplatesService],
})
export class TemplatesModule {}
