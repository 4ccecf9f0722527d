import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { IndexesService } from './indexes.service';
import { CollectionEntity, FieldEntity, IndexEntity, RelationEntity, SchemaMigrationEntity } from './registry.entities';
import { RelationsService } from './relations.service';
import { SchemaController } from './schema.controller';
import { SchemaRegistry } from './schema.registry';
import { SchemaService } from './schema.service';
import { SnapshotParticipants } from './snapshot-participant';
import { SnapshotService } from './snapshot.service';

@Module({
  imports: [TypeOrmModule.forFeature([CollectionEntity, FieldEntity, RelationEntity, IndexEntity, SchemaMigrationEntity]), WorkspacesModule],
  controllers: [SchemaController],
  providers: [SchemaRegistry, SchemaService, RelationsService, IndexesService, SnapshotService, SnapshotParticipants],
  exports: [SchemaRegistry, SchemaService, SnapshotParticipants, SnapshotService],
})
export class SchemaModule {}
