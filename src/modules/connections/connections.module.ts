import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ConnectionEntity } from './connection.entity';
import { ConnectionsController } from './connections.controller';
import { ConnectionsService } from './connections.service';
import { ExternalDatabases } from './external-databases';
import { ConnectionCollections } from './external-schema';

/** The pools of external databases, which the items door reads and writes through. */
@Module({
  imports: [TypeOrmModule.forFeature([ConnectionEntity])],
  providers: [ExternalDatabases],
  exports: [ExternalDatabases],
})
export class ExternalDatabasesModule {}

/** External connections: their routes, and their tables served as collections by the schema registry. */
@Module({
  imports: [ExternalDatabasesModule, SchemaModule, WorkspacesModule],
  controllers: [ConnectionsController],
  providers: [ConnectionsService, ConnectionCollections],
})
export class ConnectionsModule {}
