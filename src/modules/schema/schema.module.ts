import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { CollectionEntity, FieldEntity, RelationEntity, SchemaMigrationEntity } from './registry.entities';
import { RelationsService } from './relations.service';
import { SchemaController } from './schema.controller';
import { SchemaRegistry } from './schema.registry';
import { SchemaService } from './schema.service';
import { SnapshotParticipants } from './snapshot-participant';
import { SnapshotService } from './snapshot.service';

@Module({
  imports: [TypeOrmModule.forFeature([CollectionEntity, FieldEntity, RelationEntity, SchemaMigrationEntity]), WorkspacesModule],
  controllers: [SchemaController],
  providers: [SchemaRegistry, SchemaService, RelationsService, SnapshotService, SnapshotParticipants],
  exports: [SchemaRegistry, SchemaService, SnapshotParticipants],
})
export class SchemaModule {}
