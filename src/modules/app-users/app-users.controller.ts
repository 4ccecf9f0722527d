import { Body, Controller, Delete, Get, Param, Patch } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { invalidPayload } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { PoliciesService } from '../policies/policies.service';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { AppUserDto, toAppUserDto, UpdateAppUserDto } from './app-user.dto';
import { AppUsersService } from './app-users.service';

/** A workspace's app users, managed by its owners and admins. */
@ApiTags('app-users')
@Controller('w/:ws/app-users')
export class AppUsersController {
  constructor(
    private readonly appUsers: AppUsersService,
    private readonly policies: PoliciesService,
  ) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(AppUserDto, { isArray: true })
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: (await this.appUsers.list(access.workspace.id)).map(toAppUserDto) };
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
    if (body.role !== undefined && !(await this.policies.assignableRole(access.workspace.id, body.role))) {
      throw invalidPayload(`Invalid payload: there is no app role "${body.role}" to give; create it under /roles first.`, 'role');
    }
    return { data: toAppUserDto(await this.appUsers.update(access.workspace.id, id, { role: body.role, status: body.status })) };
  }

  @Delete(':id')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The app user and its sessions are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.appUsers.remove(access.workspace.id, id);
  }
}
