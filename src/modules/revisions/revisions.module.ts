import { Module } from '@nestjs/common';
import { DataModule } from '../data/data.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { RevisionsController } from './revisions.controller';
import { RevisionsService } from './revisions.service';

/** Item revisions: their routes and reverts. The write path records them (revision.recorder.ts). */
@Module({
  imports: [DataModule, SchemaModule, WorkspacesModule],
  controllers: [RevisionsController],
  providers: [RevisionsService],
})
export class RevisionsModule {}
