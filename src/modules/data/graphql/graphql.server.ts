import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocumentNode, getOperationAST, GraphQLError, GraphQLSchema, Lexer, Source, TokenKind } from 'graphql';
import { createYoga, Plugin, YogaInitialContext, YogaServerInstance } from 'graphql-yoga';
import { Database } from '../../../common/database/database.service';
import { ErrorCode, isErrorCode } from '../../../common/errors/error-codes';
import { toErrorResponse } from '../../../common/errors/error-response';
import { unreadBodyError } from '../../../common/http/unread-bodies';
import { MAX_JSON_NESTING, nestsDeeperThan } from '../../../common/input/nesting';
import type { GraphQLConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { requestOrigin } from '../../audit/activity.recorder';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import type { GraphQLContext } from './graphql-operations';
import { useMutationsTogether } from './graphql-mutations';
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
    db: Database,
    @InjectConfig('graphql') config: GraphQLConfig,
  ) {
    const limits = config;
    this.yoga = createYoga<GraphQLServerContext>({
      graphqlEndpoint: '/api/v1/w/:ws/graphql',
      landingPage: false,
      graphiql: { title: 'Cairn GraphQL', subscriptionsProtocol: 'WS' },
      renderGraphiQL: renderGraphiQLPage,
      logging: false,
      maskedErrors: { maskError: (error) => this.maskError(error) },
      plugins: [
        useCallerSchema(),
        useBoundedNesting(),
        useSubscriptionsOverWebSocket(),
        EnvelopArmorPlugin({
          maxDepth: { n: limits.maxDepth },
          maxAliases: { n: limits.maxAliases },
          costLimit: { maxCost: limits.maxCost },
          maxTokens: { n: limits.maxTokens },
          maxDirectives: { n: 50 },
          blockFieldSuggestion: { enabled: true },
        }),
        useMutationsTogether(db),
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
      // The body is sent on re-serialized as JSON, so its length and type are no longer the client's.
      if (value === undefined || name === 'content-length' || name === 'content-type') continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    let body: string | undefined;
    if (request.method === 'POST') {
      // Fastify reads text/plain as a string, which is no GraphQL request; no body at all asks for nothing.
      if (typeof request.body === 'string') throw unreadBodyError(request.headers['content-type']);
      body = JSON.stringify(request.body ?? {});
      headers.set('content-type', 'application/json');
    }
    const url = `http://${request.hostname || 'localhost'}${request.url}`;
    const response = await this.yoga.fetch(url, { method: request.method, headers, body }, context);
    void reply.status(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') void reply.header(name, value);
    });
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/html')) void reply.header('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
    if (response.body && STREAMED.test(type)) {
      // Yoga's body is a ponyfilled stream, which Readable.fromWeb refuses; it is async iterable, though.
      await reply.send(Readable.from(response.body as unknown as AsyncIterable<Uint8Array>));
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
 * Refuses, before graphql-js recurses through them, a document whose brackets nest deeper than
 * MAX_JSON_NESTING (its parser would run out of stack long before the token limit counts), and
 * variables or extensions nested deeper (a GET's, which no body parser bounded).
 */
function useBoundedNesting(): Plugin {
  const tooDeep = (what: string) =>
    new GraphQLError(`The ${what} nests deeper than ${MAX_JSON_NESTING} levels.`, { extensions: { code: 'INVALID_QUERY', http: { status: 400 } } });
  return {
    onParams({ params }) {
      if (nestsDeeperThan(params.variables, MAX_JSON_NESTING)) throw tooDeep('variables');
      if (nestsDeeperThan(params.extensions, MAX_JSON_NESTING)) throw tooDeep('extensions');
    },
    onParse({ params }) {
      if (bracketsNestDeeperThan(typeof params.source === 'string' ? params.source : params.source.body, MAX_JSON_NESTING)) throw tooDeep('GraphQL document');
    },
  };
}

const OPENERS = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSERS = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** Whether a document's brackets nest deeper than `limit`, counted over its tokens, without recursion. */
function bracketsNestDeeperThan(document: string, limit: number): boolean {
  const lexer = new Lexer(new Source(document));
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (OPENERS.has(token.kind) && ++depth > limit) return true;
      if (CLOSERS.has(token.kind)) depth -= 1;
    }
  } catch {
    // A syntax error: the parser reports it.
  }
  return false;
}

/**
 * Refuses a subscription that came over HTTP, before it runs: subscriptions are served by graphql-ws on
 * the same path. An HTTP operation's context holds its request; the WebSocket gateway's hold none.
 */
function useSubscriptionsOverWebSocket(): Plugin<GraphQLServerContext> {
  return {
    onParse() {
      return ({ result, context }) => {
        const { request, params } = context as Partial<YogaInitialContext>;
        if (!request || !result || result instanceof Error) return;
        if (getOperationAST(result as DocumentNode, params?.operationName)?.operation !== 'subscription') return;
        const path = new URL(request.url).pathname;
        throw new GraphQLError(`Subscriptions are served over WebSocket: open ${path} as a WebSocket with the graphql-ws protocol and subscribe there.`, {
          extensions: { code: 'INVALID_QUERY', http: { status: 400 } },
        });
      };
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
