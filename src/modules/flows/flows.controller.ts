import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { invalidPayload } from '../../common/errors/app-error';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { CreateFlowDto, FlowRunView, FlowView, UpdateFlowDto } from './flow.dto';
import { FlowsService } from './flows.service';

/** Flows of a workspace and their runs; owners and admins only. */
@ApiTags('flows')
@Controller('w/:ws/flows')
export class FlowsController {
  constructor(private readonly flows: FlowsService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(FlowView, { isArray: true })
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.flows.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiData(FlowView, { status: 201 })
  @ApiErrors(400, 401, 403, 404)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: CreateFlowDto) {
    return { data: await this.flows.create(access, body) };
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(FlowView)
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.flows.get(access, id) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiData(FlowView)
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: UpdateFlowDto) {
    return { data: await this.flows.update(access, id, body) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The flow and its runs are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.flows.remove(access, id);
  }

  @Post(':id/trigger')
  @RequireWorkspaceRole('admin')
  @ApiBody({ required: false, schema: { description: 'Any JSON; the run reads it as `$trigger.body`.' } })
  @ApiData(FlowRunView, { status: 202, description: 'The run, queued; read it at /flows/{id}/runs/{run}.' })
  @ApiErrors(401, 403, 404, 409)
  async trigger(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: unknown) {
    return { data: await this.flows.trigger(access, id, body) };
  }

  @Post(':id/runs/:run/rerun')
  @RequireWorkspaceRole('admin')
  @ApiData(FlowRunView, { status: 202, description: 'A new run with the same trigger data, queued; read it at /flows/{id}/runs/{new run}.' })
  @ApiErrors(401, 403, 404, 409)
  async rerun(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Param('run') run: string) {
    return { data: await this.flows.rerun(access, id, run) };
  }

  @Get(':id/runs')
  @RequireWorkspaceRole('admin')
  @ApiData(FlowRunView, { isArray: true })
  @ApiErrors(400, 401, 403, 404)
  async runs(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Query('limit') limit?: string) {
    const take = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 500) throw invalidPayload('Invalid query: "limit" must be 1 to 500.', 'limit');
    return { data: await this.flows.listRuns(access, id, take) };
  }

  @Get(':id/runs/:run')
  @RequireWorkspaceRole('admin')
  @ApiData(FlowRunView)
  @ApiErrors(401, 403, 404)
  async run(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Param('run') run: string) {
    return { data: await this.flows.getRun(access, id, run) };
  }
}
