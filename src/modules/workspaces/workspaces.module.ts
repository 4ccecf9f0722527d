import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MembersService } from './members.service';
import { WorkspaceAccessGuard } from './workspace-access.guard';
import { MemberEntity, WorkspaceEntity } from './workspace.entity';
import { MembersController, WorkspacesController } from './workspaces.controller';
import { WorkspaceTemplates } from './workspace-templates';
import { WorkspacesService } from './workspaces.service';

@Module({
  imports: [TypeOrmModule.forFeature([WorkspaceEntity, MemberEntity])],
  controllers: [WorkspacesController, MembersController],
  providers: [WorkspacesService, MembersService, WorkspaceAccessGuard, WorkspaceTemplates],
  exports: [WorkspacesService, WorkspaceAccessGuard, WorkspaceTemplates],
})
export class WorkspacesModule {}
