import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { GraphQLServer } from './graphql.server';

/**
 * `GET|POST /w/{ws}/graphql`: the route's guards resolve the caller (member, API key, app user or
 * anonymous) as for the items, then the GraphQL server answers with the caller's schema. GET with
 * `Accept: text/html` serves GraphiQL.
 */
@ApiExcludeController()
@Controller('w/:ws/graphql')
export class GraphQLController {
  constructor(private readonly server: GraphQLServer) {}

  @Get()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  query(@CurrentWorkspace() access: ItemsAccess, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.server.handle(request, reply, access);
  }

  @Post()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  operation(@CurrentWorkspace() access: ItemsAccess, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.server.handle(request, reply, access);
  }
}
