import { Module } from '@nestjs/common';
import { WriteParticipants } from './write-participants';

/** The registry of write participants: imported by the items door, which asks it, and by every module that joins writes. */
@Module({
  providers: [WriteParticipants],
  exports: [WriteParticipants],
})
export class WriteParticipantsModule {}
