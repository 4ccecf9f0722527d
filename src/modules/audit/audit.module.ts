import { Module } from '@nestjs/common';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { ActivityParticipant } from './activity.participant';

/** The activity log: its rows join every write of items. */
@Module({
  imports: [WriteParticipantsModule],
  providers: [ActivityParticipant],
})
export class AuditModule {}
