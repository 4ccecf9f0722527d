import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FlowEntity, FlowRunEntity } from './flow.entities';
import { FlowTriggers } from './flow-triggers';

/** The trigger of event flows that the write path calls; apart from FlowsModule, which needs the items door. */
@Module({
  imports: [TypeOrmModule.forFeature([FlowEntity, FlowRunEntity])],
  providers: [FlowTriggers],
  exports: [FlowTriggers],
})
export class FlowTriggersModule {}
