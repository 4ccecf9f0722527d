import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { PoliciesSnapshot, RolesSnapshot } from './policies.snapshot';
import { AppRoleEntity, PolicyEntity } from './policy.entities';

@Module({
  imports: [TypeOrmModule.forFeature([AppRoleEntity, PolicyEntity]), SchemaModule, WorkspacesModule],
  controllers: [PoliciesController],
  providers: [PoliciesService, RolesSnapshot, PoliciesSnapshot],
  exports: [PoliciesService],
})
export class PoliciesModule {}
