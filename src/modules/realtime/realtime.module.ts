import { Module } from '@nestjs/common';
import { WebSocketModule } from '../../common/http/websocket.module';
import { PrincipalGuardModule } from '../auth/principal-guard.module';
import { DataModule } from '../data/data.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeHub } from './realtime.hub';

/** The realtime WebSocket API: subscriptions to a collection's committed changes, as each caller may see them. */
@Module({
  imports: [DataModule, WorkspacesModule, PrincipalGuardModule, WebSocketModule],
  providers: [RealtimeHub, RealtimeGateway],
})
export class RealtimeModule {}
