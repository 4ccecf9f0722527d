import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DataModule } from '../data/data.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { RevisionsController } from './revisions.controller';
import { RevisionsService } from './revisions.service';

/** Item revisions: their routes and reverts. The write path records them (revision.recorder.ts). */
@Module({
  imports: [AuditModule, DataModule, SchemaModule, WorkspacesModule],
  controllers: [RevisionsController],
  providers: [RevisionsService],
})
export class RevisionsModule {}
