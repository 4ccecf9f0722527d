import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiNoContent } from '../../../common/http/api-docs.decorators';
import { requestOrigin } from '../../audit/activity.recorder';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { ItemsService } from '../items.service';

const ITEM = { type: 'object', additionalProperties: true };
const DATA = (items: object, isArray: boolean) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items } : items, meta: { type: 'object' } } } });

/** Items of any collection: thin routes over the items door. Each workspace's own OpenAPI document details them per collection. */
@ApiTags('items')
@ApiParam({ name: 'collection' })
@Controller('w/:ws/items/:collection')
export class ItemsController {
  constructor(private readonly items: ItemsService) {}

  @Get()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(ITEM, true))
  @ApiErrors(401, 403, 404)
  list(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Query() query: Record<string, unknown>) {
    return this.items.list(access, collection, query);
  }

  @Get(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(ITEM, false))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return { data: await this.items.get(access, collection, id, query) };
  }

  @Post()
  @HttpCode(200)
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { oneOf: [ITEM, { type: 'array', items: ITEM }] } })
  @ApiOkResponse(DATA(ITEM, false))
  @ApiErrors(401, 403, 404, 409, 413)
  async create(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest) {
    return { data: await this.items.create(access, collection, body, query, requestOrigin(request)) };
  }

  @Patch()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { oneOf: [{ type: 'object', properties: { keys: { type: 'array', items: {} }, data: ITEM } }, { type: 'array', items: ITEM }] } })
  @ApiOkResponse(DATA(ITEM, true))
  @ApiErrors(401, 403, 404, 409)
  async updateMany(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest) {
    return { data: await this.items.updateMany(access, collection, body, query, requestOrigin(request)) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: ITEM })
  @ApiOkResponse(DATA(ITEM, false))
  @ApiErrors(401, 403, 404, 409)
  async update(
    @CurrentWorkspace() access: ItemsAccess,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
  ) {
    return { data: await this.items.updateOne(access, collection, id, body, query, requestOrigin(request)) };
  }

  @Delete()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { oneOf: [{ type: 'object', properties: { keys: { type: 'array', items: {} } } }, { type: 'array', items: {} }] } })
  @ApiNoContent('The items are deleted')
  @ApiErrors(401, 403, 404, 409)
  async deleteMany(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<void> {
    await this.items.deleteMany(access, collection, body, requestOrigin(request));
  }

  @Delete(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiNoContent('The item is deleted')
  @ApiErrors(401, 403, 404, 409)
  async delete(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.items.deleteOne(access, collection, id, requestOrigin(request));
  }
}
