import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DataModule } from '../data/data.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { RevisionsController } from './revisions.controller';
import { RevisionsParticipant } from './revision.participant';
import { RevisionsService } from './revisions.service';

/** Item revisions: their routes and reverts, and their part of every write (revision.participant.ts). */
@Module({
  imports: [AuditModule, DataModule, SchemaModule, WorkspacesModule, WriteParticipantsModule],
  controllers: [RevisionsController],
  providers: [RevisionsService, RevisionsParticipant],
})
export class RevisionsModule {}
