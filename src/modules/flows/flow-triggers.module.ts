import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { FlowTriggers } from './flow-triggers';

/** The trigger of event flows, a participant of the writes of items; apart from FlowsModule, which needs the items door. */
@Module({
  imports: [TypeOrmModule.forFeature([FlowEntity, FlowRunEntity]), WriteParticipantsModule],
  providers: [FlowTriggers],
  exports: [FlowTriggers],
})
export class FlowTriggersModule {}
