import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../../workspaces/workspaces.service';
import { LogReader } from '../../audit/log.reader';

@ApiTags('activity')
@Controller('w/:ws/activity')
export class ActivityController {
  constructor(private readonly logs: LogReader) {}

  /** The workspace's activity log with the full query language; owners and admins only. */
  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse({ schema: { type: 'object', properties: { data: { type: 'array', items: { type: 'object' } }, meta: { type: 'object' } } } })
  @ApiErrors(401, 403, 404)
  list(@CurrentWorkspace() access: WorkspaceAccess, @Query() query: Record<string, unknown>) {
    return this.logs.activity(access, query);
  }
}
