import { Module } from '@nestjs/common';
import { MfaModule } from '../mfa/mfa.module';
import { WebSocketModule } from '../../common/http/websocket.module';
import { PrincipalGuardModule } from '../auth/principal-guard.module';
import { DataModule } from '../data/data.module';
import { ChangeFeedModule } from '../data/feed/change-feed.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { RealtimeGateway } from './realtime.gateway';

/** The realtime WebSocket API: subscriptions to the committed changes of a collection or a view, as each caller may see them. */
@Module({
  imports: [ChangeFeedModule, DataModule, WorkspacesModule, PrincipalGuardModule, WebSocketModule, MfaModule],
  providers: [RealtimeGateway],
})
export class RealtimeModule {}
