import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppUserEntity } from '../app-users/app-user.entity';
import { FilesModule } from '../files/files.module';
import { SchemaModule } from '../schema/schema.module';
import { UserEntity } from '../users/user.entity';
import { MemberEntity, WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { BackupController } from './backup.controller';
import { BackupService } from './backup.service';
import { RestoreService } from './restore.service';

/**
 * Backup and restore of one workspace or the whole instance as one archive. BackupService and
 * RestoreService are exported for the command line, which runs them in a Nest application context.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AppUserEntity, UserEntity, MemberEntity, WorkspaceEntity]), FilesModule, SchemaModule, WorkspacesModule],
  controllers: [BackupController],
  providers: [BackupService, RestoreService],
  exports: [BackupService, RestoreService],
})
export class BackupModule {}
