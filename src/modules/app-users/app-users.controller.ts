import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import type { RefreshSession } from '../credentials/refresh-tokens.service';
import {
  AppUserDto,
  AppUserSessionDto,
  AppUsersQueryDto,
  CreateAppUserDto,
  SetAppUserPasswordDto,
  toAppUserDto,
  UpdateAppUserDto,
} from './app-user.dto';
import { AppUserAdminService } from './app-user-admin.service';
import { AppUsersService } from './app-users.service';

/** A workspace's app users, managed by its owners and admins. */
@ApiTags('app-users')
@Controller('w/:ws/app-users')
export class AppUsersController {
  constructor(
    private readonly appUsers: AppUsersService,
    private readonly admin: AppUserAdminService,
  ) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(AppUserDto, { isArray: true })
  @ApiErrors(400, 401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess, @Query() query: AppUsersQueryDto) {
    return { data: (await this.appUsers.list(access.workspace.id, query.search)).map(toAppUserDto) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiData(AppUserDto, { status: 201 })
  @ApiErrors(400, 401, 403, 404, 409)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: CreateAppUserDto) {
    return { data: toAppUserDto(await this.admin.create(access.workspace.id, body)) };
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(AppUserDto)
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: toAppUserDto(await this.appUsers.getById(access.workspace.id, id)) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(AppUserDto)
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: UpdateAppUserDto) {
    return { data: toAppUserDto(await this.admin.update(access.workspace.id, id, { role: body.role, status: body.status })) };
  }

  @Delete(':id')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The app user and its sessions are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.appUsers.remove(access.workspace.id, id);
  }

  @Post(':id/password')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The password is set; every session of the app user has ended')
  @ApiErrors(400, 401, 403, 404)
  async setPassword(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: SetAppUserPasswordDto): Promise<void> {
    await this.admin.setPassword(access.workspace.id, id, body.password);
  }

  @Get(':id/sessions')
  @RequireWorkspaceRole('admin')
  @ApiData(AppUserSessionDto, { isArray: true })
  @ApiErrors(401, 403, 404)
  async sessions(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: (await this.admin.sessions(access.workspace.id, id)).map(toSessionDto) };
  }

  @Delete(':id/sessions')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('Every session of the app user is revoked')
  @ApiErrors(401, 403, 404)
  async revokeAllSessions(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.admin.revokeAllSessions(access.workspace.id, id);
  }

  @Delete(':id/sessions/:session')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The session is revoked')
  @ApiErrors(401, 403, 404)
  async revokeSession(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Param('session') session: string): Promise<void> {
    await this.admin.revokeSession(access.workspace.id, id, session);
  }
}

function toSessionDto(session: RefreshSession): AppUserSessionDto {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
  };
}
