import { Module } from '@nestjs/common';
import { MfaModule } from '../../mfa/mfa.module';
import { WebSocketModule } from '../../../common/http/websocket.module';
import { PrincipalGuardModule } from '../../auth/principal-guard.module';
import { PoliciesModule } from '../../policies/policies.module';
import { SchemaModule } from '../../schema/schema.module';
import { WorkspacesModule } from '../../workspaces/workspaces.module';
import { DataModule } from '../data.module';
import { ChangeFeedModule } from '../feed/change-feed.module';
import { GraphiQLAssetsController } from './graphiql-assets.controller';
import { GraphQLController } from './graphql.controller';
import { GraphQLItemOperations } from './graphql-operations';
import { GraphQLSchemas } from './graphql-schemas';
import { GraphQLServer } from './graphql.server';
import { GraphQLWebSocketGateway } from './graphql-ws.gateway';

/** Each workspace's GraphQL API, over HTTP and WebSocket, on the items door. */
@Module({
  imports: [DataModule, ChangeFeedModule, SchemaModule, PoliciesModule, WorkspacesModule, PrincipalGuardModule, WebSocketModule, MfaModule],
  controllers: [GraphQLController, GraphiQLAssetsController],
  providers: [GraphQLItemOperations, GraphQLSchemas, GraphQLServer, GraphQLWebSocketGateway],
})
export class GraphQLModule {}
