import { Module } from '@nestjs/common';
import { LogReader } from './log.reader';

/** The reader of the activity and revision logs (the write path records them, in each change's transaction). */
@Module({
  providers: [LogReader],
  exports: [LogReader],
})
export class AuditModule {}
