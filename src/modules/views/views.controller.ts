import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { ViewsService } from './views.service';

const VIEW = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid', readOnly: true },
    name: { type: 'string', example: 'posts_by_author' },
    source: { type: 'string', example: 'posts' },
    fields: { type: 'array', items: { type: 'string' }, example: ['id', 'title', 'author.name'] },
    filter: { type: 'object', nullable: true, example: { status: { _eq: 'published' } } },
    sort: { type: 'array', items: { type: 'string' } },
    groupBy: { type: 'array', items: { type: 'string' } },
    aggregate: { type: 'object', nullable: true, example: { count: ['*'] } },
    computed: { type: 'object', additionalProperties: { type: 'string' }, example: { total: 'price * quantity' } },
    public: { type: 'boolean' },
    public_requires_key: { type: 'boolean' },
  },
};
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: schema } : schema } } });

/** The views of a workspace: owners and admins define them; they are read under /items/{view}. */
@ApiTags('views')
@Controller('w/:ws/views')
export class ViewsController {
  constructor(private readonly views: ViewsService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(VIEW, true))
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.views.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { ...VIEW, required: ['name', 'source'] } })
  @ApiCreatedResponse(DATA(VIEW))
  @ApiErrors(400, 401, 403, 404, 409)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: await this.views.create(access, body) };
  }

  @Get(':name')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(VIEW))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string) {
    return { data: await this.views.get(access, name) };
  }

  @Patch(':name')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: VIEW })
  @ApiOkResponse(DATA(VIEW))
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Body() body: unknown) {
    return { data: await this.views.update(access, name, body) };
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The view is deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string): Promise<void> {
    await this.views.remove(access, name);
  }
}
