import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { forbidden, invalidCredentials, notFound } from '../../common/errors/app-error';
import { ApiErrors } from '../../common/http/api-docs.decorators';
import { CurrentPrincipal, Principal, Public } from '../../common/principal/principal';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ViewReader } from './view.reader';
import { ViewsService } from './views.service';

/**
 * Published views, read without a workspace token: `GET /public/{ws}/views/{name}` answers the view's
 * output (with the query language's filter, sort and paging on it, as on /items/{view}). A view that
 * requires a key wants an API key of its workspace. Counted by the global rate limit, per client.
 */
@ApiTags('views')
@ApiParam({ name: 'ws', description: 'Workspace slug or id' })
@ApiParam({ name: 'name', description: 'The view' })
@Controller('public/:ws/views/:name')
export class PublicViewsController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly views: ViewsService,
    private readonly reader: ViewReader,
  ) {}

  @Get()
  @Public()
  @ApiOkResponse({ description: 'The rows of the published view.', schema: { type: 'object', properties: { data: { type: 'array', items: { type: 'object' } }, meta: { type: 'object' } } } })
  @ApiErrors(400, 401, 404, 429)
  async read(@Param('ws') ws: string, @Param('name') name: string, @Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal | undefined) {
    const workspace = await this.workspaces.findByRef(ws);
    const view = workspace ? await this.views.find(workspace.id, name) : null;
    // Unknown and unpublished answer alike, so that names cannot be probed.
    if (!workspace || !view?.isPublic) throw notFound(`View "${name}" not found.`);
    if (view.publicRequiresKey && !(principal?.kind === 'api_key' && principal.workspaceId === workspace.id)) {
      throw invalidCredentials('This view needs an API key of its workspace: Authorization: Bearer cairn_…');
    }
    const { access_token: _token, ...params } = query;
    return this.reader.readPublished(workspace, view, params);
  }

  /** Published views are read-only: writes are refused. */
  @Post()
  @HttpCode(403)
  @Public()
  @ApiErrors(403)
  create(): never {
    throw readOnly();
  }

  @Put()
  @Public()
  @ApiErrors(403)
  replace(): never {
    throw readOnly();
  }

  @Patch()
  @Public()
  @ApiErrors(403)
  update(): never {
    throw readOnly();
  }

  @Delete()
  @Public()
  @ApiErrors(403)
  remove(): never {
    throw readOnly();
  }
}

const readOnly = () => forbidden('Published views are read-only.');
