import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { FoldersService } from './folders.service';

const FOLDER = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, parent: { type: 'string', nullable: true } } };
const DATA = (isArray: boolean) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: FOLDER } : FOLDER, meta: { type: 'object' } } } });
const INPUT = { schema: { type: 'object', properties: { name: { type: 'string' }, parent: { type: 'string', format: 'uuid', nullable: true } } } };

/** Folders of files. Members by workspace role; app users and anonymous callers by policies on `folders`. */
@ApiTags('files')
@Controller('w/:ws/folders')
export class FoldersController {
  constructor(private readonly folders: FoldersService) {}

  @Get()
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(true))
  @ApiErrors(401, 403, 404)
  list(@CurrentWorkspace() access: ItemsAccess, @Query() query: Record<string, unknown>) {
    return this.folders.list(access, query);
  }

  @Get(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(false))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: ItemsAccess, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return { data: await this.folders.get(access, id, query) };
  }

  @Post()
  @HttpCode(200)
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody(INPUT)
  @ApiOkResponse(DATA(false))
  @ApiErrors(400, 401, 403, 404)
  async create(@CurrentWorkspace() access: ItemsAccess, @Body() body: unknown, @Query() query: Record<string, unknown>) {
    return { data: await this.folders.create(access, body, query) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiBody(INPUT)
  @ApiOkResponse(DATA(false))
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentWorkspace() access: ItemsAccess, @Param('id') id: string, @Body() body: unknown, @Query() query: Record<string, unknown>) {
    return { data: await this.folders.update(access, id, body, query) };
  }

  @Delete(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiNoContent('The folder is deleted')
  @ApiErrors(401, 403, 404, 409)
  async remove(@CurrentWorkspace() access: ItemsAccess, @Param('id') id: string): Promise<void> {
    await this.folders.remove(access, id);
  }
}
