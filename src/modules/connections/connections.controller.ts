import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { ConnectionDto, ConnectionTableDto, ConnectionTestDto, CreateConnectionDto, TestConnectionDto, UpdateConnectionDto } from './connection.dto';
import { ConnectionsService } from './connections.service';

/** External database connections of a workspace; owners and admins only. */
@ApiTags('connections')
@Controller('w/:ws/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionDto, { isArray: true })
  @ApiErrors(401, 403, 404, 503)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.connections.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionDto, { status: 201, description: 'Connected and introspected, then stored.' })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: CreateConnectionDto) {
    return { data: await this.connections.create(access, body) };
  }

  /** Signs in and introspects without storing anything: what a registration would find, or why it would fail. */
  @Post('test')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionTestDto, { description: 'Cairn could sign in; the tables it found. Nothing is stored.' })
  @ApiErrors(400, 401, 403, 404, 503)
  async test(@Body() body: TestConnectionDto) {
    return { data: await this.connections.test(body) };
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionDto)
  @ApiErrors(401, 403, 404, 503)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.connections.get(access, id) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionDto)
  @ApiErrors(400, 401, 403, 404, 409, 503)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: UpdateConnectionDto) {
    return { data: await this.connections.update(access, id, body) };
  }

  @Delete(':id')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The connection is removed; its database is untouched')
  @ApiErrors(401, 403, 404, 503)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.connections.remove(access, id);
  }

  @Get(':id/tables')
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionTableDto, { isArray: true })
  @ApiErrors(401, 403, 404, 503)
  async tables(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.connections.tables(access, id) };
  }

  @Post(':id/introspect')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiData(ConnectionTableDto, { isArray: true, description: 'The tables as introspection finds them now.' })
  @ApiErrors(400, 401, 403, 404, 503)
  async introspect(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.connections.refresh(access, id) };
  }
}
