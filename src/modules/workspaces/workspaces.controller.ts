import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { invalidPayload } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentPrincipal, Principal, UserOnly, UserPrincipal } from '../../common/principal/principal';
import { MembersService } from './members.service';
import { AddMemberDto, CreateWorkspaceDto, MemberDto, UpdateMemberDto, UpdateWorkspaceDto, WorkspaceDto } from './workspace.dto';
import { CurrentWorkspace, RequireWorkspaceRole } from './workspace-access.guard';
import { WorkspaceTemplates } from './workspace-templates';
import { toWorkspaceDto, WorkspaceAccess, WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@Controller('workspaces')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly templates: WorkspaceTemplates,
  ) {}

  @Get()
  @ApiBearerAuth()
  @ApiData(WorkspaceDto, { isArray: true, description: 'The workspaces the caller belongs to, with its role in each.' })
  @ApiErrors(401)
  async list(@CurrentPrincipal() principal: Principal) {
    return { data: await this.workspaces.listFor(principal) };
  }

  @Post()
  @UserOnly()
  @ApiBearerAuth()
  @ApiData(WorkspaceDto, { status: 201, description: 'The workspace; its creator is its first owner. With `template`, the template (and its sample items with `sample_data`) is applied before the answer; if that fails, the workspace is deleted again.' })
  @ApiErrors(400, 401, 403, 409)
  async create(@CurrentPrincipal() principal: UserPrincipal, @Body() body: CreateWorkspaceDto) {
    const { template, sample_data: sampleData, ...input } = body;
    if (template === undefined && sampleData !== undefined) throw invalidPayload('Invalid payload: "sample_data" goes with a "template".', 'sample_data');
    if (template !== undefined) this.templates.get().check(template);
    const workspace = await this.workspaces.create(principal, input);
    if (template !== undefined) {
      try {
        await this.templates.get().apply({ workspace, role: 'owner', principal }, template, { sampleData: sampleData === true });
      } catch (error) {
        // A workspace is made with its template or not at all.
        await this.workspaces.remove(workspace);
        throw error;
      }
    }
    return { data: toWorkspaceDto(workspace, 'owner') };
  }

  @Get(':ws')
  @RequireWorkspaceRole('viewer')
  @ApiData(WorkspaceDto)
  @ApiErrors(401, 404)
  get(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: toWorkspaceDto(access.workspace, access.role) };
  }

  @Patch(':ws')
  @RequireWorkspaceRole('admin')
  @ApiData(WorkspaceDto)
  @ApiErrors(401, 403, 404, 409)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: UpdateWorkspaceDto) {
    return { data: toWorkspaceDto(await this.workspaces.update(access.workspace, body), access.role) };
  }

  @Delete(':ws')
  @RequireWorkspaceRole('owner')
  @ApiNoContent('The workspace and everything in it are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess): Promise<void> {
    await this.workspaces.remove(access.workspace);
  }
}

@ApiTags('workspaces')
@Controller('workspaces/:ws/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @RequireWorkspaceRole('viewer')
  @ApiData(MemberDto, { isArray: true })
  @ApiErrors(401, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.members.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiData(MemberDto, { status: 201 })
  @ApiErrors(401, 403, 404, 409)
  async add(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: AddMemberDto) {
    return { data: await this.members.add(access, body.email, body.role) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(MemberDto)
  @ApiErrors(401, 403, 404, 409)
  async changeRole(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') userId: string, @Body() body: UpdateMemberDto) {
    return { data: await this.members.changeRole(access, userId, body.role) };
  }

  @Delete(':id')
  @RequireWorkspaceRole('viewer')
  @ApiNoContent('The member is removed (any member may remove themselves)')
  @ApiErrors(401, 403, 404, 409)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') userId: string): Promise<void> {
    await this.members.remove(access, userId);
  }
}
