import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Injectable, Logger } from '@nestjs/common';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { createYoga, Plugin, YogaServerInstance } from 'graphql-yoga';
import { ErrorCode, isErrorCode } from '../../../common/errors/error-codes';
import { toErrorResponse } from '../../../common/errors/error-response';
import type { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { requestOrigin } from '../../audit/activity.recorder';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import type { GraphQLContext } from './graphql-operations';
import { GraphQLSchemas } from './graphql-schemas';
import { GRAPHIQL_CONTENT_SECURITY_POLICY, renderGraphiQLPage } from './graphiql.page';

/** What each GraphQL operation starts from: the caller, and the schema built for it. */
export interface GraphQLServerContext extends GraphQLContext {
  schema: GraphQLSchema;
}

/** Responses Yoga streams (subscriptions over server-sent events, incremental delivery) rather than sends whole. */
const STREAMED = /^(text\/event-stream|multipart\/mixed)/;

/**
 * Executes GraphQL for every workspace with one graphql-yoga server: each operation runs against the
 * schema built for its caller (set by a plugin from the context, not fixed at start), with
 * graphql-armor's limits on depth, aliases, cost and size checked before anything runs, and errors in
 * GraphQL's format carrying the contract's codes.
 */
@Injectable()
export class GraphQLServer {
  private readonly logger = new Logger('GraphQL');
  readonly yoga: YogaServerInstance<GraphQLServerContext, object>;

  constructor(
    private readonly schemas: GraphQLSchemas,
    @InjectConfig() config: AppConfig,
  ) {
    const limits = config.graphql;
    this.yoga = createYoga<GraphQLServerContext>({
      graphqlEndpoint: '/api/v1/w/:ws/graphql',
      landingPage: false,
      graphiql: { title: 'Cairn GraphQL', subscriptionsProtocol: 'WS' },
      renderGraphiQL: renderGraphiQLPage,
      logging: false,
      maskedErrors: { maskError: (error) => this.maskError(error) },
      plugins: [
        useCallerSchema(),
        EnvelopArmorPlugin({
          maxDepth: { n: limits.maxDepth },
          maxAliases: { n: limits.maxAliases },
          costLimit: { maxCost: limits.maxCost },
          maxTokens: { n: limits.maxTokens },
          maxDirectives: { n: 50 },
          blockFieldSuggestion: { enabled: true },
        }),
        useContractCodes(),
      ],
    });
  }

  /** The context of an operation by this caller: its schema is looked up (or built) now. */
  async context(access: ItemsAccess, origin: GraphQLContext['origin']): Promise<GraphQLServerContext> {
    return { access, origin, schema: await this.schemas.forAccess(access) };
  }

  /** Answers one GraphQL HTTP request (GET or POST) of a caller whose access the route's guards resolved. */
  async handle(request: FastifyRequest, reply: FastifyReply, access: ItemsAccess): Promise<void> {
    const context = await this.context(access, requestOrigin(request));
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      // The body is sent on re-serialized, so its length is no longer the client's.
      if (value === undefined || name === 'content-length') continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const body = request.method === 'POST' && request.body !== undefined ? JSON.stringify(request.body) : undefined;
    const url = `http://${request.hostname || 'localhost'}${request.url}`;
    const response = await this.yoga.fetch(url, { method: request.method, headers, body }, context);
    void reply.status(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') void reply.header(name, value);
    });
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/html')) void reply.header('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
    if (response.body && STREAMED.test(type)) {
      await reply.send(Readable.fromWeb(response.body as unknown as WebReadableStream));
      return;
    }
    await reply.send(await response.text());
  }

  /** An error thrown while resolving, in GraphQL's format with the code the REST API would answer. */
  private maskError(error: unknown): Error {
    const graphqlError = error instanceof GraphQLError ? error : null;
    const original = graphqlError ? graphqlError.originalError : error;
    // GraphQL's own errors (an argument of the wrong type, a null where none may be) are the client's.
    if (graphqlError && (!original || original instanceof GraphQLError)) return withCode(graphqlError, 'INVALID_QUERY');
    const response = toErrorResponse(original);
    if (response.unexpected) this.logger.error(original instanceof Error ? (original.stack ?? original.message) : String(original));
    const [first, ...more] = response.body.errors;
    return new GraphQLError(first.message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: more.length > 0 ? { ...first.extensions, errors: more } : first.extensions,
    });
  }
}

/** Sets each operation's schema from its context: the one built for its caller. */
function useCallerSchema(): Plugin<GraphQLServerContext> {
  return {
    onEnveloped({ context, setSchema }) {
      if (context?.schema) setSchema(context.schema);
    },
  };
}

/**
 * Gives every error without one of the contract's codes (syntax, validation, a limit: Yoga's own
 * GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED among them) the contract's INVALID_QUERY.
 */
function useContractCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors) return;
      setResult({ ...result, errors: result.errors.map((error) => withCode(error as GraphQLError, 'INVALID_QUERY')) });
    },
  };
}

function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  if (isErrorCode(error.extensions?.code)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
