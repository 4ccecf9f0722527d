import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { PoliciesService } from './policies.service';

const ROLE = { type: 'object', properties: { name: { type: 'string', example: 'editor_app' }, description: { type: 'string', nullable: true }, built_in: { type: 'boolean' } } };
const POLICY = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', nullable: true, maxLength: 100, example: 'read published', description: 'What explanations call the policy; optional.' },
    role: { type: 'string', example: 'public' },
    collection: { type: 'string', example: 'posts' },
    action: { type: 'string', enum: ['create', 'read', 'update', 'delete'] },
    filter: { type: 'object', nullable: true, example: { status: { _eq: 'published' } } },
    fields: { type: 'array', items: { type: 'string' }, example: ['*'] },
    validation: { type: 'object', nullable: true },
    presets: { type: 'object', nullable: true, example: { created_by: '$CURRENT_USER' } },
    verified_email: { type: 'boolean', description: 'The policy grants nothing to an app user whose email is not verified.' },
  },
};
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: schema } : schema } } });

/** App roles and their policies; only owners and admins see or change them. */
@ApiTags('policies')
@Controller('w/:ws')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get('roles')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(ROLE, true))
  @ApiErrors(401, 403, 404)
  async listRoles(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.policies.listRoles(access) };
  }

  @Post('roles')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' } } } })
  @ApiCreatedResponse(DATA(ROLE))
  @ApiErrors(401, 403, 404, 409)
  async createRole(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: await this.policies.createRole(access, body) };
  }

  @Patch('roles/:name')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { type: 'object', properties: { description: { type: 'string' } } } })
  @ApiOkResponse(DATA(ROLE))
  @ApiErrors(401, 403, 404, 409)
  async updateRole(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Body() body: unknown) {
    return { data: await this.policies.updateRole(access, name, body) };
  }

  @Delete('roles/:name')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The role and its policies are deleted')
  @ApiErrors(401, 403, 404, 409)
  async deleteRole(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string): Promise<void> {
    await this.policies.deleteRole(access, name);
  }

  @Get('policies')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(POLICY, true))
  @ApiErrors(401, 403, 404)
  async listPolicies(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.policies.listPolicies(access) };
  }

  @Post('policies')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: POLICY })
  @ApiCreatedResponse(DATA(POLICY))
  @ApiErrors(401, 403, 404, 409)
  async createPolicy(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: await this.policies.createPolicy(access, body) };
  }

  @Get('policies/:id')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(POLICY))
  @ApiErrors(401, 403, 404)
  async getPolicy(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.policies.getPolicy(access, id) };
  }

  @Patch('policies/:id')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: POLICY })
  @ApiOkResponse(DATA(POLICY))
  @ApiErrors(401, 403, 404)
  async updatePolicy(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: unknown) {
    return { data: await this.policies.updatePolicy(access, id, body) };
  }

  @Delete('policies/:id')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The policy is deleted')
  @ApiErrors(401, 403, 404)
  async deletePolicy(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.policies.deletePolicy(access, id);
  }
}
