import type { IncomingMessage } from 'node:http';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AppError } from '../../../common/errors/app-error';
import { WebSocketUpgrades } from '../../../common/http/websocket-upgrades';
import { requestOrigin } from '../../audit/activity.recorder';
import { BearerCredentials } from '../../auth/bearer-credentials';
import { bearerToken, handshakeToken, tokenParameter } from '../../auth/request-credential';
import { MfaEnforcement } from '../../mfa/mfa-enforcement';
import { WorkspacesService } from '../../workspaces/workspaces.service';
import { GraphQLServer, GraphQLServerContext } from './graphql.server';

const GRAPHQL_PATH = /^\/api\/v1\/w\/([^/]+)\/graphql$/;

/** What a connection's first message may carry: the Directus client and others send `access_token`. */
type ConnectionParams = Record<string, unknown> & {
  access_token?: unknown;
  authorization?: unknown;
  Authorization?: unknown;
};

/**
 * GraphQL subscriptions (and queries and mutations) over WebSocket with the graphql-ws protocol, on the
 * same path as HTTP. The credential comes in the connection_init payload (`access_token`, or
 * `authorization: "Bearer …"`), or in the handshake's `Authorization` header or `?access_token=`;
 * without one the caller is anonymous, with the `public` role. Every operation is executed by the same
 * Yoga server as HTTP, so the same schema per caller, limits and error codes apply.
 */
@Injectable()
export class GraphQLWebSocketGateway implements OnModuleInit {
  /** The caller of each open connection, resolved once when it is acknowledged. */
  private readonly callers = new WeakMap<object, Pick<GraphQLServerContext, 'access' | 'origin'>>();

  constructor(
    private readonly upgrades: WebSocketUpgrades,
    private readonly server: GraphQLServer,
    private readonly credentials: BearerCredentials,
    private readonly workspaces: WorkspacesService,
    private readonly mfa: MfaEnforcement,
  ) {}

  onModuleInit(): void {
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
    useServer<ConnectionParams>(
      {
        onConnect: async (ctx) => {
          try {
            const access = await this.access(ctx.extra.request, ctx.connectionParams);
            this.callers.set(ctx, { access, origin: requestOrigin({ ip: ctx.extra.request.socket.remoteAddress, headers: ctx.extra.request.headers }) });
            return true;
          } catch (error) {
            if (error instanceof AppError) return false;
            throw error;
          }
        },
        onSubscribe: async (ctx, _id, payload) => {
          const caller = this.callers.get(ctx);
          if (!caller) return [new GraphQLError('Not connected.', { extensions: { code: 'INVALID_CREDENTIALS' } })];
          const context = await this.server.context(caller.access, caller.origin);
          const enveloped = this.server.yoga.getEnveloped({ ...context, params: payload, request: undefined as never });
          let document;
          try {
            document = enveloped.parse(payload.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
          }
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
          const args: ExecutionArgs = {
            schema: enveloped.schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await enveloped.contextFactory(),
            rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
          };
          return args;
        },
        execute: (args) => (args.rootValue as Enveloped).execute(args),
        subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      },
      wss,
    );
    this.upgrades.route(GRAPHQL_PATH, wss);
  }

  private async access(request: IncomingMessage, params: ConnectionParams | undefined): Promise<GraphQLServerContext['access']> {
    const ws = decodeURIComponent(GRAPHQL_PATH.exec((request.url ?? '').split('?')[0])?.[1] ?? '');
    const token = connectionToken(request, params);
    const principal = token ? await this.credentials.authenticate(token) : null;
    await this.mfa.check(principal, ws);
    return this.workspaces.resolveItemsAccess(principal, ws);
  }
}

type Enveloped = Pick<ReturnType<GraphQLServer['yoga']['getEnveloped']>, 'execute' | 'subscribe'>;

/**
 * The credential of a connection: its connection_init payload's `access_token` or `authorization`, or
 * else its handshake's. The first one given decides; a malformed one is refused, never taken as none.
 */
function connectionToken(request: IncomingMessage, params: ConnectionParams | undefined): string | null {
  if (params?.access_token !== undefined && params.access_token !== null) return tokenParameter(params.access_token, 'access_token');
  const authorization = params?.authorization ?? params?.Authorization;
  if (authorization !== undefined && authorization !== null) return bearerToken(authorization);
  return handshakeToken(request);
}
