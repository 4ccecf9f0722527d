import type { IncomingMessage } from 'node:http';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { WebSocket, WebSocketServer } from 'ws';
import { Clock } from '../../common/clock/clock';
import { notFound } from '../../common/errors/app-error';
import { Metrics } from '../../common/metrics/metrics';
import { WebSocketUpgrades } from '../../common/http/websocket-upgrades';
import type { RealtimeConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { API_KEY_PREFIX } from '../credentials/access-tokens';
import { BearerCredentials } from '../auth/bearer-credentials';
import type { Principal } from '../../common/principal/principal';
import { handshakeToken } from '../auth/request-credential';
import { requestOrigin } from '../audit/activity.recorder';
import { ChangeFeed } from '../data/feed/change-feed';
import { ItemsService } from '../data/items.service';
import { callerKey } from '../data/feed/caller-key';
import { MfaEnforcement } from '../mfa/mfa-enforcement';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { RealtimeCaller, RealtimeConnection } from './realtime.connection';
import { FlushScheduler } from './realtime.flusher';

/** `/api/v1/w/{ws}/realtime`, and `/websocket`, where the Directus client connects by default. */
const WORKSPACE_PATH = /^\/api\/v1\/w\/([^/]+)\/realtime$/;
const DIRECTUS_PATH = /^\/websocket$/;

/**
 * The realtime endpoint: accepts WebSocket connections and gives each a RealtimeConnection that knows
 * how to authenticate its caller on its workspace. On `/websocket` the workspace is `?workspace=`, or
 * the one an API key or an app user's token belongs to.
 */
@Injectable()
export class RealtimeGateway implements OnModuleInit {
  private readonly flusher: FlushScheduler;
  /** The open connections, counted for the metrics. */
  private readonly connections = new Set<RealtimeConnection>();

  constructor(
    private readonly upgrades: WebSocketUpgrades,
    private readonly feed: ChangeFeed,
    private readonly items: ItemsService,
    private readonly credentials: BearerCredentials,
    private readonly workspaces: WorkspacesService,
    private readonly mfa: MfaEnforcement,
    private readonly clock: Clock,
    @InjectConfig('realtime') private readonly config: RealtimeConfig,
    metrics: Metrics,
  ) {
    this.flusher = new FlushScheduler(config.flushIntervalMs);
    metrics.watchRealtime(() => {
      let subscriptions = 0;
      for (const connection of this.connections) subscriptions += connection.subscriptionCount;
      return { connections: this.connections.size, subscriptions };
    });
  }

  onModuleInit(): void {
    // No compression: connections write pre-framed events straight to the socket (see RealtimeConnection.flush).
    const server = new WebSocketServer({ noServer: true, maxPayload: this.config.maxMessageBytes, perMessageDeflate: false });
    server.on('connection', (socket: WebSocket, request: IncomingMessage) => this.connect(socket, request));
    this.upgrades.route(WORKSPACE_PATH, server);
    this.upgrades.route(DIRECTUS_PATH, server);
  }

  private connect(socket: WebSocket, request: IncomingMessage): void {
    const [path, search] = (request.url ?? '/').split('?');
    const query = new URLSearchParams(search ?? '');
    const fromPath = WORKSPACE_PATH.exec(path)?.[1];
    const workspaceRef = fromPath ? decodeURIComponent(fromPath) : query.get('workspace');
    const connection = new RealtimeConnection(socket, {
      feed: this.feed,
      items: this.items,
      origin: requestOrigin({ ip: request.socket.remoteAddress, headers: request.headers }),
      config: this.config,
      flusher: this.flusher,
      clock: this.clock,
      authenticate: (token) => this.caller(token, workspaceRef),
    });
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
    // A malformed credential in the handshake is refused like a bad one, never taken as none.
    connection.open(async () => this.caller(handshakeToken(request), workspaceRef));
  }

  /** Who a credential (or none) is on the connection's workspace. */
  private async caller(token: string | null, workspaceRef: string | null): Promise<RealtimeCaller | null> {
    const principal = token ? await this.credentials.authenticate(token) : null;
    const ref = workspaceRef ?? principalWorkspace(principal);
    if (!ref && !principal) return null;
    if (!ref) throw notFound('Name the workspace: connect to /api/v1/w/{ws}/realtime or add ?workspace=.');
    await this.mfa.check(principal, ref);
    const access = await this.workspaces.resolveItemsAccess(principal, ref);
    return { access, callerKey: callerKey(access), expiresAt: token ? tokenExpiry(token) : null };
  }
}

/** The workspace an API key or an app user belongs to; a platform account has none of its own. */
function principalWorkspace(principal: Principal | null): string | null {
  if (principal?.kind === 'api_key' || principal?.kind === 'app_user') return principal.workspaceId;
  return null;
}

/** When a JWT expires (its `exp`, already verified), in epoch ms; API keys do not. */
function tokenExpiry(token: string): number | null {
  if (token.startsWith(API_KEY_PREFIX)) return null;
  try {
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
