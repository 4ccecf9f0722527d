import { Module } from '@nestjs/common';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { ActivityParticipant } from './activity.participant';
import { LogReader } from './log.reader';

/** The activity log: its rows join every write of items (ActivityParticipant); LogReader reads it and the revisions. */
@Module({
  imports: [WriteParticipantsModule],
  providers: [ActivityParticipant, LogReader],
  exports: [LogReader],
})
export class AuditModule {}
