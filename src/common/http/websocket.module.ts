import { Module } from '@nestjs/common';
import { WebSocketUpgrades } from './websocket-upgrades';

/** The WebSocket handshakes of the HTTP server, routed by path to the endpoints that serve them. */
@Module({
  providers: [WebSocketUpgrades],
  exports: [WebSocketUpgrades],
})
export class WebSocketModule {}
