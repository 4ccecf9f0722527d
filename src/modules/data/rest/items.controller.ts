import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, StreamableFile } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiNoContent } from '../../../common/http/api-docs.decorators';
import { ACCEPTS_MULTIPART } from '../../../common/http/multipart';
import { contentDisposition } from '../../../common/http/content-disposition';
import { requestOrigin } from '../../audit/activity.recorder';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { itemsOf } from '../items.commands';
import { ItemsService } from '../items.service';
import { deleteKeys, updateSelection } from './items.body';
import { ItemsTransfer } from '../transfer/items-transfer.service';

const ITEM = { type: 'object', additionalProperties: true };
const IMPORT_RESULT = {
  type: 'object',
  properties: {
    rows: { type: 'integer', description: 'Rows read from the file (imported, or in a dry run checked).' },
    errors: { type: 'array', items: { type: 'object', properties: { row: { type: 'integer' }, field: { type: 'string', nullable: true }, message: { type: 'string' } } } },
  },
};
const DATA = (items: object, isArray: boolean) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items } : items, meta: { type: 'object' } } } });

/** Items of any collection: thin routes over the items door. Each workspace's own OpenAPI document details them per collection. */
@ApiTags('items')
@ApiParam({ name: 'collection' })
@Controller('w/:ws/items/:collection')
export class ItemsController {
  constructor(
    private readonly items: ItemsService,
    private readonly transfer: ItemsTransfer,
  ) {}

  @Get()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiQuery({ name: 'export', required: false, enum: ['csv', 'json'], description: 'Download the whole filtered, sorted result (every page unless limit, offset or page is given) as a CSV or JSON file.' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse(DATA(ITEM, true))
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Query() query: Record<string, unknown>) {
    if (query.export === undefined) return this.items.list(access, { collection, params: query });
    const download = await this.transfer.export(access, collection, query);
    return new StreamableFile(download.body, { type: download.contentType, disposition: contentDisposition('attachment', download.filename) });
  }

  /** A CSV or JSON file of items to create, all or nothing; with dry_run, only checked. */
  @Post('import')
  @HttpCode(200)
  @RouteConfig({ [ACCEPTS_MULTIPART]: true })
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiConsumes('multipart/form-data')
  @ApiQuery({ name: 'dry_run', required: false, type: 'boolean', description: 'Check every row and answer the failures; write nothing.' })
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'A CSV file with a header row of field names, or a JSON array of objects.' } } } })
  @ApiOkResponse({ schema: { type: 'object', properties: { data: IMPORT_RESULT } } })
  @ApiErrors(400, 401, 403, 404, 413, 415)
  async import(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Req() request: FastifyRequest, @Query() query: Record<string, unknown>) {
    return { data: await this.transfer.import(access, collection, request, query, requestOrigin(request)) };
  }

  @Get(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(ITEM, false))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return { data: await this.items.get(access, { collection, id, params: query }) };
  }

  @Post()
  @HttpCode(200)
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { oneOf: [ITEM, { type: 'array', items: ITEM }] } })
  @ApiOkResponse(DATA(ITEM, false))
  @ApiErrors(401, 403, 404, 409, 413)
  async create(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest) {
    const command = { collection, ...itemsOf(body), fields: query.fields, origin: requestOrigin(request) };
    const items = await this.items.create(access, command);
    // An app role gets back what it may read of what it wrote: maybe nothing.
    return { data: command.batch ? items : (items[0] ?? null) };
  }

  @Patch()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { oneOf: [{ type: 'object', properties: { keys: { type: 'array', items: {} }, data: ITEM } }, { type: 'array', items: ITEM }] } })
  @ApiOkResponse(DATA(ITEM, true))
  @ApiErrors(401, 403, 404, 409)
  async updateMany(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest) {
    return { data: await this.items.update(access, { collection, ...updateSelection(body), fields: query.fields, origin: requestOrigin(request) }) };
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
    const [item] = await this.items.update(access, { collection, keys: { id }, values: body, fields: query.fields, origin: requestOrigin(request) });
    return { data: item ?? null };
  }

  @Delete()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { oneOf: [{ type: 'object', properties: { keys: { type: 'array', items: {} } } }, { type: 'array', items: {} }] } })
  @ApiNoContent('The items are deleted')
  @ApiErrors(401, 403, 404, 409)
  async deleteMany(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<void> {
    await this.items.delete(access, { collection, keys: deleteKeys(body), origin: requestOrigin(request) });
  }

  @Delete(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiNoContent('The item is deleted')
  @ApiErrors(401, 403, 404, 409)
  async delete(@CurrentWorkspace() access: ItemsAccess, @Param('collection') collection: string, @Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.items.delete(access, { collection, keys: { id }, origin: requestOrigin(request) });
  }
}
