import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { requestOrigin } from '../audit/activity.recorder';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { ACCEPTS_MULTIPART } from '../../common/http/multipart';
import { FilesService } from './files.service';

const FILE = { type: 'object', additionalProperties: true };
const DATA = (isArray: boolean) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: FILE } : FILE, meta: { type: 'object' } } } });

/** Files' metadata, and uploads. Members by workspace role; app users and anonymous callers by policies on `files`. */
@ApiTags('files')
@Controller('w/:ws/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Get()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(true))
  @ApiErrors(401, 403, 404)
  list(@CurrentWorkspace() access: ItemsAccess, @Query() query: Record<string, unknown>) {
    return this.files.list(access, query);
  }

  @Get(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(false))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: ItemsAccess, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return { data: await this.files.get(access, id, query) };
  }

  /**
   * A multipart/form-data upload: one file part, and the fields `title` and `folder` before or after it;
   * with `collection`, `item` and `field`, the file is then set on that item's file field (or added to its
   * files field, as a new link) as the caller.
   */
  @Post()
  @HttpCode(200)
  @RouteConfig({ [ACCEPTS_MULTIPART]: true })
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        title: { type: 'string' },
        folder: { type: 'string', format: 'uuid' },
        collection: { type: 'string', description: 'With item and field: the collection of the item to set the file on.' },
        item: { type: 'string', description: "The item's key." },
        field: { type: 'string', description: 'A file field of the collection (the file is set on it) or a files field (the file is added as a new link of its junction); either goes through the items door with your permissions, and a refused write removes the file.' },
      },
    },
  })
  @ApiOkResponse(DATA(false))
  @ApiErrors(400, 401, 403, 404, 413, 415)
  async upload(@CurrentWorkspace() access: ItemsAccess, @Req() request: FastifyRequest, @Query() query: Record<string, unknown>) {
    return { data: await this.files.upload(access, request, query, requestOrigin(request)) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody({ schema: { type: 'object', properties: { title: { type: 'string', nullable: true }, folder: { type: 'string', format: 'uuid', nullable: true }, filename_download: { type: 'string' } } } })
  @ApiOkResponse(DATA(false))
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentWorkspace() access: ItemsAccess, @Param('id') id: string, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest) {
    return { data: await this.files.update(access, id, body, query, requestOrigin(request)) };
  }

  @Delete(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiNoContent('The file and its bytes are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: ItemsAccess, @Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.files.remove(access, id, requestOrigin(request));
  }
}
