import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors } from '../../common/http/api-docs.decorators';
import { requestOrigin } from '../audit/activity.recorder';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { RevisionsService } from './revisions.service';

const REVISION = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    activity: { type: 'string', format: 'uuid', description: 'The activity row of the change; expandable: fields=*,activity.actor_id' },
    collection: { type: 'string' },
    item: { type: 'string' },
    data: { type: 'object', description: 'The item as stored after the change (before it, for a delete).' },
    delta: { type: 'object', nullable: true, description: 'The values the change wrote; null for a delete.' },
    created_at: { type: 'string', format: 'date-time' },
  },
};
const ITEM = { type: 'object', additionalProperties: true };
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: schema } : schema, meta: { type: 'object' } } } });

/** Item revisions with the full query language, and reverting an item to one; owners and admins only. */
@ApiTags('revisions')
@Controller('w/:ws/revisions')
export class RevisionsController {
  constructor(private readonly revisions: RevisionsService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(REVISION, true))
  @ApiErrors(401, 403, 404)
  list(@CurrentWorkspace() access: WorkspaceAccess, @Query() query: Record<string, unknown>) {
    return this.revisions.list(access, query);
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(REVISION))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return { data: await this.revisions.get(access, id, query) };
  }

  /** Writes the revision's snapshot back to its item (created again if it was deleted) and answers the item. */
  @Post(':id/revert')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(ITEM))
  @ApiErrors(400, 401, 403, 404, 409)
  async revert(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest) {
    return { data: await this.revisions.revert(access, id, query, requestOrigin(request)) };
  }
}
